"""Kubernetes manifests and Helm values: container ``env`` entries (literal ``value`` or
``valueFrom.secretKeyRef``), ``envFrom`` secret/configmap references, ``Secret`` objects'
``data``/``stringData`` keys, and upper-case env-style keys in Helm values files.

Helm *templates* (``{{ ... }}``) are not YAML; they are scanned line by line for
``- name: NAME`` entries followed by a ``secretKeyRef``.
"""

from __future__ import annotations

import re
from typing import Iterator

from blastradius.credentials import dotenv, litellm_config, shell
from blastradius.credentials._base import FileContext, Finding, interpolations, literal, value_findings
from blastradius.credentials._yaml import YAMLProblem, YMap, YNode, YScalar, YSeq, load_documents

_ENV_KEY = re.compile(r"^[A-Z][A-Z0-9_]*$")
_TEMPLATE_NAME = re.compile(r"^\s*-\s*name:\s*['\"]?([A-Za-z_][A-Za-z0-9_]*)['\"]?\s*$")
_TEMPLATE_OS_ENVIRON = re.compile(r"(?:^|[\s'\"])(?:([A-Za-z_][\w-]*)\s*:\s*)?['\"]?os\.environ/([A-Za-z_][A-Za-z0-9_]*)")


def is_kubernetes(doc: YNode) -> bool:
    return isinstance(doc, YMap) and "apiVersion" in doc.keys() and "kind" in doc.keys()


def is_helm_values(rel: str) -> bool:
    name = rel.rsplit("/", 1)[-1].lower()
    return name.startswith("values") and name.endswith((".yaml", ".yml"))


def _walk(node: YNode, depth: int = 0) -> Iterator[tuple[str, int, YNode, YMap]]:
    if depth > 60:
        return
    if isinstance(node, YMap):
        for key, line, value in node.items:
            yield key, line, value, node
            yield from _walk(value, depth + 1)
    elif isinstance(node, YSeq):
        for item in node.items:
            yield from _walk(item, depth + 1)


def _env_list(env: YSeq, ctx: FileContext, how_prefix: str) -> Iterator[Finding]:
    for entry in env.items:
        if not isinstance(entry, YMap):
            continue
        name_node = entry.get("name")
        if not isinstance(name_node, YScalar) or not name_node.value:
            continue
        name = name_node.value
        value_from = entry.get("valueFrom")
        ref = value_from.get("secretKeyRef") if isinstance(value_from, YMap) else None
        if isinstance(ref, YMap):
            secret = ref.get("name")
            key = ref.get("key")
            detail = "secret {}/{}".format(
                secret.value if isinstance(secret, YScalar) else "?", key.value if isinstance(key, YScalar) else "?"
            )
            # a Secret also stores user names and database names: they select, they do not prove
            yield Finding(name, ctx.loc(name_node.line), f"{how_prefix} secretKeyRef", detail,
                          credential=not ctx.catalog.is_selector_name(name))
            continue
        value = entry.get("value")
        raw = value.value if isinstance(value, YScalar) else None
        yield from value_findings(ctx, name, raw, name_node.line, f"{how_prefix} env")


def _embedded_files(doc: YMap, ctx: FileContext) -> Iterator[Finding]:
    """A ConfigMap's ``data`` often *is* the proxy's configuration: ``config.yaml: |`` with a
    LiteLLM ``model_list``, a start-up script, an env file. Each literal block is read by the
    finder for its kind, with lines counted in the manifest."""
    data = doc.get("data")
    for key, _, value in data.items if isinstance(data, YMap) else ():
        if not isinstance(value, YScalar) or not value.value or value.style != "|":
            continue
        inner = ctx.embedded(value.line + 1)
        lower = key.lower()
        if lower.endswith((".yaml", ".yml")) and ("model_list" in value.value or "os.environ/" in value.value):
            try:
                docs = load_documents(value.value)
            except YAMLProblem as exc:
                inner.warn(exc.line, f"{exc}; embedded {key} not scanned for credentials")
                continue
            for embedded in docs:
                yield from litellm_config.find(embedded, inner)
        elif lower.endswith((".sh", ".bash")):
            yield from shell.find(value.value, inner)
        elif lower.endswith(".env") or lower == ".env":
            yield from dotenv.find(value.value, inner)


def find(doc: YNode, ctx: FileContext, helm: bool = False) -> Iterator[Finding]:
    how = "helm values" if helm else "kubernetes"
    if isinstance(doc, YMap) and str(getattr(doc.get("kind"), "value", "")) == "ConfigMap":
        yield from _embedded_files(doc, ctx)
    if isinstance(doc, YMap) and str(getattr(doc.get("kind"), "value", "")) == "Secret":
        for section in ("data", "stringData"):
            block = doc.get(section)
            for key, line, value in block.items if isinstance(block, YMap) else ():
                raw = value.value if isinstance(value, YScalar) else None
                fp = literal(ctx.catalog, key, raw) if section == "stringData" else (
                    literal(ctx.catalog, "SECRET_DATA", raw) if raw else None)
                if ctx.catalog.is_credential_name(key) or fp:
                    yield Finding(key, ctx.loc(line), f"kubernetes Secret {section}", "",
                                  fingerprint=fp[0] if fp else None, value_provider=fp[1] if fp else "",
                                  credential=ctx.catalog.is_credential_name(key))
    env_lines: set[int] = set()
    secret_maps: set[int] = set()  # Helm ``secrets:`` maps: every key is rendered into a Secret
    for key, line, value, parent in _walk(doc):
        if helm and isinstance(value, YMap) and "secret" in key.lower():
            secret_maps.add(id(value))
        if key == "env" and isinstance(value, YSeq):
            yield from _env_list(value, ctx, how)
        elif key == "env" and isinstance(value, YMap) and helm:
            for name, kline, v in value.items:
                env_lines.add(kline)
                raw = v.value if isinstance(v, YScalar) else None
                yield from value_findings(ctx, name, raw, kline, f"{how} env")
        elif key == "envFrom" and isinstance(value, YSeq):
            for entry in value.items:
                if isinstance(entry, YMap):
                    for kind in ("secretRef", "configMapRef"):
                        ref = entry.get(kind)
                        if isinstance(ref, YMap) and isinstance(ref.get("name"), YScalar):
                            ctx.warn(ref.line, f"envFrom {kind} {ref.get('name').value}: "  # type: ignore[union-attr]
                                               "its keys are not in the repository and cannot be listed")
        elif helm and line not in env_lines and _ENV_KEY.match(key) and isinstance(value, YScalar) \
                and ctx.catalog.is_credential_name(key):
            yield from value_findings(ctx, key, value.value, line, f"{how} key")
        elif helm and id(parent) in secret_maps and _ENV_KEY.match(key) and isinstance(value, YScalar) \
                and not ctx.catalog.is_selector_name(key):
            # ``secrets: {MONGO_ROOT_PASS: ..., CREDS_KEY: ...}``: the chart says these are secret
            fp = literal(ctx.catalog, "SECRET", value.value)
            yield Finding(key, ctx.loc(line), f"{how} secret", "", fingerprint=fp[0] if fp else None,
                          value_provider=fp[1] if fp else "")


def find_template(text: str, ctx: FileContext) -> Iterator[Finding]:
    lines = text.splitlines()
    catalog = ctx.catalog
    for index, line in enumerate(lines):
        if line.lstrip().startswith("#"):
            continue
        # an embedded LiteLLM config (``api_key: os.environ/NAME``) or script (``${NAME}``)
        for match in _TEMPLATE_OS_ENVIRON.finditer(line):
            key, ref = match.group(1) or "", match.group(2)
            if litellm_config.secret_key(key) or catalog.is_credential_name(ref):
                yield Finding(ref, ctx.loc(index + 1), f"litellm {key or 'value'}", "helm template")
        if "$" in line:
            for ref, _ in interpolations(line):
                if catalog.is_credential_name(ref):
                    yield Finding(ref, ctx.loc(index + 1), "helm template reference", "helm template")
        match = _TEMPLATE_NAME.match(line)
        if not match:
            continue
        window = "\n".join(lines[index + 1: index + 5])
        name = match.group(1)
        if "secretKeyRef" in window:
            yield Finding(name, ctx.loc(index + 1), "kubernetes secretKeyRef", "helm template",
                          credential=not ctx.catalog.is_selector_name(name))
        elif ctx.catalog.is_credential_name(name) and re.search(r"^\s*(value|valueFrom):", window, re.M):
            yield Finding(name, ctx.loc(index + 1), "kubernetes env", "helm template")
