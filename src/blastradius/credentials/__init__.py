"""The credential inventory: every credential the project's processes hold, by name, provider
and kind, with every place it is named and the unit (process) that holds it -- never a value.

    inventory = find_credentials(Path("."), package_names=["litellm", "boto3"])

All finders are static: Python is read with ``ast``, YAML composed with the safe loader,
nothing is imported or executed. Each file is read at most once.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from fnmatch import fnmatch
from pathlib import Path
from typing import Iterable

from blastradius.credentials import (
    compose,
    dockerfile,
    dotenv,
    github_actions,
    kubernetes,
    litellm_config,
    python_code,
    sdk_packages,
    shell,
)
from blastradius.credentials._base import FileContext, Finding
from blastradius.credentials._yaml import YAMLProblem, load_documents
from blastradius.credentials.catalog import Catalog, catalog_for
from blastradius.credentials.config import load_config
from blastradius.credentials.model import (
    RUNTIME_UNIT,
    Credential,
    CredentialConfig,
    CredentialInventory,
    CredentialLocation,
    PlaintextSecret,
    UnitSpec,
)
from blastradius.credentials.redact import fingerprint
from blastradius.credentials.walk import read_text, walk

__all__ = [
    "Credential",
    "CredentialConfig",
    "CredentialInventory",
    "CredentialLocation",
    "PlaintextSecret",
    "UnitSpec",
    "find_credentials",
    "load_config",
]

# Cheap substring checks before composing a YAML file.
_YAML_TRIGGERS = ("model_list", "services", "apiVersion", "os.environ/", "secretKeyRef", "include")
_ASSIGNED_NAME = re.compile(r"""([A-Za-z_][A-Za-z0-9_]*)['"]?\s*(?::=|=>|[:=])\s*\(?\s*[rbf]?['"]?\s*$""")


def find_credentials(
    project_dir: Path,
    package_names: Iterable[str] = (),
    config: CredentialConfig | None = None,
) -> CredentialInventory:
    """Inventory the credentials under ``project_dir`` (plus those implied by the SDK
    packages in ``package_names``, the resolved graph's names)."""
    config = config or CredentialConfig()
    catalog = catalog_for(config.providers)
    root = Path(project_dir)
    walked = walk(root)
    skipped: Counter[str] = Counter(walked.skipped)
    warnings: list[str] = []
    findings: list[Finding] = []
    litellm_files: set[str] = set()
    wanted_includes: dict[str, str] = {}
    files_scanned = 0

    for file in walked.files:
        text = read_text(file, skipped, config.max_file_size)
        if text is None:
            continue
        files_scanned += 1
        ctx = FileContext(file.rel, catalog)
        found: list[Finding] = []
        for kind in file.kinds:
            if kind == "python":
                found.extend(python_code.find(text, ctx))
            elif kind == "dotenv":
                found.extend(dotenv.find(text, ctx))
            elif kind == "dockerfile":
                found.extend(dockerfile.find(text, ctx))
            elif kind == "shell":
                found.extend(shell.find(text, ctx))
            elif kind == "github":
                found.extend(_github(text, ctx))
            elif kind == "yaml":
                found.extend(_yaml_file(text, ctx, litellm_files, wanted_includes))
        found.extend(_hardcoded_keys(text, ctx, found))
        findings.extend(found)
        warnings.extend(ctx.warnings)

    # files a LiteLLM config includes are LiteLLM config even without a model_list
    for rel, parent in sorted(wanted_includes.items()):
        if rel in litellm_files or rel.startswith("../"):
            continue
        path = root / rel
        ctx = FileContext(rel, catalog)
        if not path.is_file():
            warnings.append(f"{parent}: included file {rel} not found")
            continue
        try:
            docs = load_documents(path.read_text("utf-8", errors="replace"))
        except YAMLProblem as exc:
            ctx.warn(exc.line, str(exc))
            warnings.extend(ctx.warnings)
            continue
        for doc in docs:
            findings.extend(litellm_config.find(doc, ctx))
        warnings.extend(ctx.warnings)

    findings.extend(sdk_packages.find(package_names, catalog))
    return _inventory(findings, catalog, config.units, skipped, warnings, files_scanned)


def _github(text: str, ctx: FileContext) -> list[Finding]:
    if "secrets" not in text:
        return []
    try:
        docs = load_documents(text)
    except YAMLProblem as exc:
        ctx.warn(exc.line, f"{exc}; secrets listed by line, without their job")
        return list(github_actions.find_text(text, ctx))
    out: list[Finding] = []
    for doc in docs:
        out.extend(github_actions.find(doc, ctx))
    return out


def _yaml_file(text: str, ctx: FileContext, litellm_files: set[str], wanted: dict[str, str]) -> list[Finding]:
    helm = kubernetes.is_helm_values(ctx.rel)
    if not helm and not any(t in text for t in _YAML_TRIGGERS):
        return []
    if "{{" in text and ("/templates/" in f"/{ctx.rel}" or "{{ ." in text or "{{- " in text):
        return list(kubernetes.find_template(text, ctx))
    try:
        docs = load_documents(text)
    except YAMLProblem as exc:
        ctx.warn(exc.line, f"{exc}; file not scanned for credentials")
        return []
    out: list[Finding] = []
    for doc in docs:
        if litellm_config.is_litellm_config(doc):
            litellm_files.add(ctx.rel)
            out.extend(litellm_config.find(doc, ctx))
            for target in litellm_config.includes(doc, ctx.rel):
                wanted.setdefault(target, ctx.rel)
        elif compose.is_compose(doc, ctx.rel):
            out.extend(compose.find(doc, ctx))
        elif kubernetes.is_kubernetes(doc):
            out.extend(kubernetes.find(doc, ctx))
        elif helm:
            out.extend(kubernetes.find(doc, ctx, helm=True))
    return out


def _hardcoded_keys(text: str, ctx: FileContext, already: list[Finding]) -> list[Finding]:
    """Key-shaped literals the structured finders did not already report on that line."""
    covered = {f.location.line for f in already if f.fingerprint}
    out: list[Finding] = []
    for provider, value, offset in ctx.catalog.scan_text(text):
        line = text.count("\n", 0, offset) + 1
        if line in covered:
            continue
        covered.add(line)
        line_start = text.rfind("\n", 0, offset) + 1
        before = text[line_start:offset]
        match = _ASSIGNED_NAME.search(before)
        name = match.group(1) if match else f"{provider.id} key literal"
        fp = fingerprint(value, ctx.catalog.public_prefix(provider, value))
        # a commented-out ``# DATABASE_URL=postgresql://u:pw@...`` is still a committed secret,
        # but no process reads it: a plaintext finding, not a place the credential is held
        commented = before.lstrip().startswith("#")
        is_cred = bool(match) and name.isupper() and ctx.catalog.is_credential_name(name) and not commented
        out.append(Finding(name, ctx.loc(line), "hard-coded key", "", fingerprint=fp,
                           value_provider=provider.id, credential=is_cred))
    return out


def _unit_for(rel: str, units: tuple[UnitSpec, ...]) -> str | None:
    if not rel:
        return None
    for unit in units:
        for pattern in unit.paths:
            pat = pattern.strip("/")
            if rel == pat or rel.startswith(pat + "/") or fnmatch(rel, pat):
                return unit.name
    return None


def _inventory(
    findings: list[Finding],
    catalog: Catalog,
    units: tuple[UnitSpec, ...],
    skipped: Counter[str],
    warnings: list[str],
    files_scanned: int,
) -> CredentialInventory:
    by_name: dict[str, list[Finding]] = defaultdict(list)
    plaintext: set[PlaintextSecret] = set()
    unit_of: dict[Finding, str] = {}
    for finding in findings:
        unit = finding.unit or _unit_for(finding.location.path, units) or RUNTIME_UNIT
        unit_of[finding] = unit
        if finding.credential:
            by_name[finding.name].append(finding)
    credentials = []
    provider_of: dict[str, str] = {}
    for name, group in by_name.items():
        provider_id, provider_name, kind = _classify(name, group, catalog)
        provider_of[name] = provider_id
        locations = {
            CredentialLocation(f.location, f.how, unit_of[f], f.detail) for f in group
        }
        credentials.append(Credential(
            name=name,
            provider_id=provider_id,
            provider_name=provider_name,
            kind=kind,
            locations=tuple(sorted(locations)),
            units=tuple(sorted({loc.unit for loc in locations})),
            fingerprints=tuple(sorted({f.fingerprint for f in group if f.fingerprint})),
        ))
    for finding in findings:
        if finding.fingerprint:
            provider = finding.value_provider or provider_of.get(finding.name, "") or (finding.provider_hint or "")
            plaintext.add(PlaintextSecret(finding.name, finding.location, finding.fingerprint, provider))
    return CredentialInventory(
        credentials=tuple(sorted(credentials, key=lambda c: c.name)),
        plaintext_secrets=tuple(sorted(plaintext)),
        skipped={k: skipped[k] for k in sorted(skipped) if skipped[k]},
        warnings=tuple(sorted(set(warnings))),
        files_scanned=files_scanned,
    )


def _classify(name: str, group: list[Finding], catalog: Catalog) -> tuple[str, str, str]:
    hints = Counter(f.provider_hint for f in group if f.provider_hint)
    claimed = catalog.classify(name)
    if hints:
        candidates = [p for p in catalog.providers if name in p.secret_env_vars]
        ranked = sorted(hints.items(), key=lambda kv: (-kv[1], kv[0]))
        for hint, _ in ranked:
            provider = catalog.by_id.get(hint)
            if provider is None:
                continue
            if provider in candidates or not claimed.provider_id:
                return provider.id, provider.name, provider.kind_of(name)
    return claimed.provider_id, claimed.provider_name, claimed.kind
