"""LiteLLM proxy configuration (any YAML file with a top-level ``model_list``, and the files it
``include``s).

What the proxy process ends up holding:
- every ``os.environ/NAME`` value anywhere in the file (``api_key``, ``master_key``,
  ``database_url``, ``aws_secret_access_key``, ``vertex_credentials``, cache passwords...);
- for a deployment that names no credential of its own, the default env vars of the provider
  its ``model`` prefix selects (LiteLLM falls back to them silently);
- ``general_settings.master_key`` / ``database_url`` as ``LITELLM_MASTER_KEY`` / ``DATABASE_URL``;
- ``environment_variables`` (set into the process at start-up) and ``credential_list``;
- logging callbacks (``langfuse``, ``langsmith``, ...) that read their own keys from the env.
Literal secrets in any of these places are plaintext secrets, fingerprinted here.
"""

from __future__ import annotations

import posixpath
import re
from typing import Iterator

from blastradius.credentials._base import FileContext, Finding, literal, value_findings
from blastradius.credentials._yaml import YMap, YNode, YScalar, YSeq, iter_scalars

_OS_ENVIRON = re.compile(r"^\s*os\.environ/([A-Za-z_][A-Za-z0-9_]*)\s*$")
# litellm_params keys that carry a deployment's own credential: when one is present the
# provider's default env var is not what the deployment uses.
_OWN_CREDENTIAL_KEYS = {
    "api_key", "litellm_credential_name", "aws_access_key_id", "aws_secret_access_key",
    "aws_session_token", "aws_profile_name", "aws_role_name", "aws_web_identity_token",
    "aws_bedrock_runtime_endpoint_api_key", "vertex_credentials", "azure_ad_token", "client_secret",
    "azure_ad_token_provider", "tenant_id", "use_azure_ad", "token",
}
# Config keys whose literal value is a secret even though the key is lower-case.
_SECRET_KEYS = re.compile(
    r"(^|_)(api_key|apikey|key|secret|secrets|token|password|passwd|master_key|salt_key|credentials|"
    r"access_key_id|secret_access_key|session_token|database_url|webhook_url|dsn|license)$"
)
_NOT_SECRET_KEYS = {"cache_key", "key_management_system", "key_management_settings", "virtual_key_name",
                    "model_key", "prompt_key", "token_counter", "api_key_header_name"}
_GENERAL_ENV = {"master_key": "LITELLM_MASTER_KEY", "database_url": "DATABASE_URL",
                "salt_key": "LITELLM_SALT_KEY", "ui_password": "UI_PASSWORD"}


def secret_key(key: str) -> bool:
    """A config key (``api_key``, ``aws_secret_access_key``, ``password``) whose value is a secret."""
    lower = key.lower()
    return bool(lower) and lower not in _NOT_SECRET_KEYS and bool(_SECRET_KEYS.search(lower))


_secret_key = secret_key


def is_litellm_config(doc: YNode) -> bool:
    return isinstance(doc, YMap) and isinstance(doc.get("model_list"), (YSeq, YScalar)) and "model_list" in doc.keys()


def includes(doc: YNode, rel: str) -> list[str]:
    """Project-relative paths of the files a config ``include``s."""
    if not isinstance(doc, YMap):
        return []
    node = doc.get("include")
    items = node.items if isinstance(node, YSeq) else [node] if node is not None else []
    base = posixpath.dirname(rel)
    out = []
    for item in items:
        if isinstance(item, YScalar) and item.value:
            out.append(posixpath.normpath(posixpath.join(base, item.value)))
    return out


def find(doc: YNode, ctx: FileContext) -> Iterator[Finding]:
    if not isinstance(doc, YMap):
        return
    catalog = ctx.catalog
    handled: set[int] = set()  # scalars already reported by a specific rule

    # model_list: prefix-implied defaults and per-deployment literals
    models = doc.get("model_list")
    for index, deployment in enumerate(models.items if isinstance(models, YSeq) else ()):
        if not isinstance(deployment, YMap):
            continue
        params = deployment.get("litellm_params")
        model_name = deployment.get("model_name")
        label = model_name.value if isinstance(model_name, YScalar) and model_name.value else f"model_list[{index}]"
        if not isinstance(params, YMap):
            continue
        model = params.get("model")
        provider = None
        if isinstance(model, YScalar) and model.value:
            provider = catalog.provider_for_model(model.value)
            if model.value.strip() == "*":
                ctx.warn(model.line, "wildcard model '*': every provider whose default env var is set is reachable")
        for key, kline, value in params.items:
            if not isinstance(value, YScalar) or value.value is None:
                continue
            ref = _OS_ENVIRON.match(value.value)
            if ref:
                handled.add(id(value))
                yield Finding(ref.group(1), ctx.loc(value.line), f"litellm {key}", f"model {label}",
                              provider_hint=provider.id if provider and key in _OWN_CREDENTIAL_KEYS else None,
                              credential=_secret_key(key) or catalog.is_credential_name(ref.group(1)))
            elif _secret_key(key):
                fp = literal(catalog, f"{key.upper()}_SECRET", value.value)
                handled.add(id(value))
                if fp:
                    name = f"{label}.{key}"
                    yield Finding(name, ctx.loc(value.line), f"litellm {key} literal", f"model {label}",
                                  provider_hint=provider.id if provider else None, fingerprint=fp[0],
                                  value_provider=fp[1] or (provider.id if provider else ""), credential=True)
        if provider is not None and not (set(params.keys()) & _OWN_CREDENTIAL_KEYS):
            prefix = model.value.split("/", 1)[0] + "/" if "/" in model.value else model.value  # type: ignore[union-attr]
            how = f"implied by model prefix {prefix}" if "/" in model.value else f"implied by model {prefix}"  # type: ignore[union-attr]
            for name in provider.default_env_vars:
                yield Finding(name, ctx.loc(model.line), how, f"model {label}",  # type: ignore[union-attr]
                              provider_hint=provider.id, credential=True)

    # credential_list
    creds = doc.get("credential_list")
    for entry in creds.items if isinstance(creds, YSeq) else ():
        if not isinstance(entry, YMap):
            continue
        cname = entry.get("credential_name")
        label = cname.value if isinstance(cname, YScalar) and cname.value else "credential"
        info = entry.get("credential_info")
        provider_id = None
        if isinstance(info, YMap) and isinstance(info.get("custom_llm_provider"), YScalar):
            p = catalog.by_id.get(str(info.get("custom_llm_provider").value))  # type: ignore[union-attr]
            provider_id = p.id if p else None
        values = entry.get("credential_values")
        for key, _, value in values.items if isinstance(values, YMap) else ():
            if not isinstance(value, YScalar) or value.value is None:
                continue
            handled.add(id(value))
            ref = _OS_ENVIRON.match(value.value)
            if ref:
                yield Finding(ref.group(1), ctx.loc(value.line), f"litellm credential_list {key}",
                              f"credential {label}", provider_hint=provider_id if key in _OWN_CREDENTIAL_KEYS else None,
                              credential=_secret_key(key) or catalog.is_credential_name(ref.group(1)))
            elif _secret_key(key):
                fp = literal(catalog, f"{key.upper()}_SECRET", value.value)
                if fp:
                    yield Finding(f"credential_list.{label}.{key}", ctx.loc(value.line),
                                  "litellm credential_list literal", f"credential {label}", provider_hint=provider_id,
                                  fingerprint=fp[0], value_provider=fp[1] or (provider_id or ""))

    # general_settings
    general = doc.get("general_settings")
    if isinstance(general, YMap):
        for key, env_name in _GENERAL_ENV.items():
            value = general.get(key)
            if not isinstance(value, YScalar) or value.value is None:
                continue
            handled.add(id(value))
            ref = _OS_ENVIRON.match(value.value)
            if ref:
                yield Finding(ref.group(1), ctx.loc(value.line), f"litellm {key}", f"general_settings.{key}")
            else:
                fp = literal(catalog, env_name, value.value)
                yield Finding(env_name, ctx.loc(value.line), f"litellm {key} literal", f"general_settings.{key}",
                              fingerprint=fp[0] if fp else None, value_provider=fp[1] if fp else "")

    # environment_variables: set into the process environment at start-up
    env = doc.get("environment_variables")
    for key, kline, value in env.items if isinstance(env, YMap) else ():
        raw = value.value if isinstance(value, YScalar) else None
        if isinstance(value, YScalar):
            handled.add(id(value))
        if raw is not None and _OS_ENVIRON.match(raw):
            ref = _OS_ENVIRON.match(raw).group(1)  # type: ignore[union-attr]
            if ctx.catalog.is_credential_name(key):
                yield Finding(key, ctx.loc(kline), "litellm environment_variables", f"from {ref}")
            yield Finding(ref, ctx.loc(kline), "litellm environment_variables", f"as {key}")
            continue
        yield from value_findings(ctx, key, raw, kline, "litellm environment_variables")

    # logging / alerting callbacks that read their own keys from the environment
    settings = doc.get("litellm_settings")
    callback_nodes: list[tuple[str, YNode | None]] = []
    if isinstance(settings, YMap):
        for key in ("success_callback", "failure_callback", "callbacks", "service_callback"):
            callback_nodes.append((key, settings.get(key)))
    if isinstance(general, YMap):
        callback_nodes.append(("alerting", general.get("alerting")))
    seen_callbacks: set[str] = set()
    for key, node in callback_nodes:
        items = node.items if isinstance(node, YSeq) else [node] if isinstance(node, YScalar) else []
        for item in items:
            if not isinstance(item, YScalar) or not item.value or item.value in seen_callbacks:
                continue
            for provider in catalog.providers_for_callback(item.value):
                seen_callbacks.add(item.value)
                for name in provider.default_env_vars:
                    yield Finding(name, ctx.loc(item.line), f"implied by callback {item.value}",
                                  f"litellm_settings.{key}" if key != "alerting" else "general_settings.alerting",
                                  provider_hint=provider.id)

    # everything else: os.environ/ references and secret-keyed literals anywhere in the file
    for path, last, scalar in iter_scalars(doc):
        if id(scalar) in handled or scalar.value is None:
            continue
        key = (last or "").split("[", 1)[0]
        ref = _OS_ENVIRON.match(scalar.value)
        if ref:
            if _secret_key(key) or catalog.is_credential_name(ref.group(1)):
                yield Finding(ref.group(1), ctx.loc(scalar.line), f"litellm {key or 'value'}", path)
        elif _secret_key(key) and re.split(r"[.\[]", path, maxsplit=1)[0] not in ("model_list", "include"):
            fp = literal(catalog, f"{key.upper()}_SECRET", scalar.value)
            if fp:
                yield Finding(path, ctx.loc(scalar.line), f"litellm {key} literal", path,
                              fingerprint=fp[0], value_provider=fp[1])
