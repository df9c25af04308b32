"""``[tool.blastradius.providers]`` and ``[tool.blastradius.units.NAME]``.

A provider entry extends the catalog::

    [tool.blastradius.providers.poe]
    name = "Poe"
    secret_env_vars = ["POE_API_KEY"]       # required: the names that hold credentials
    env_vars = ["POE_BASE_URL"]             # optional: non-secret selectors
    kind = "provider-key"                   # or category = "llm-provider"
    litellm_prefixes = ["poe/"]
    sdk_packages = ["poe-api"]              # these imply POE_API_KEY when in the graph
    key_patterns = ['\\bpoe-[A-Za-z0-9]{32}\\b']

A unit groups files whose credentials a different process holds::

    [tool.blastradius.units.worker]
    paths = ["worker/**", "deploy/worker.env"]
    groups = ["worker"]
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from blastradius.credentials.model import KINDS, CredentialConfig, UnitSpec
from blastradius.errors import ConfigError

_KIND_CATEGORY = {
    "provider-key": "llm-provider",
    "cloud": "llm-provider",
    "gateway-admin": "proxy-secret",
    "datastore": "infra",
    "observability": "observability",
    "other-secret": "generic",
}
_PROVIDER_KEYS = {
    "name", "env_vars", "secret_env_vars", "default_env_vars", "kind", "category",
    "litellm_prefixes", "litellm_callbacks", "sdk_packages", "key_patterns", "public_prefixes",
    "sources",
}
_UNIT_KEYS = {"paths", "groups", "description"}
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_UNIT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def _line_of(source: str | Path | None, header: str) -> int | None:
    """Line of a TOML table header (or dotted key) in the file, to point the error at it."""
    if source is None:
        return None
    try:
        text = Path(source).read_text("utf-8", errors="replace")
    except OSError:
        return None
    needle = re.compile(r"^[ \t]*\[[ \t]*" + re.escape(header).replace(r"\.", r"[ \t]*\.[ \t]*") + r"[ \t]*\]", re.M)
    match = needle.search(text)
    if match is None:
        match = re.search(re.escape(header.rsplit(".", 1)[-1]), text)
    return text.count("\n", 0, match.start()) + 1 if match else None


def _blastradius_table(table: dict[str, Any]) -> dict[str, Any]:
    """Accept the whole pyproject dict, the ``[tool]`` table or ``[tool.blastradius]``."""
    if "tool" in table and isinstance(table["tool"], dict):
        table = table["tool"]
    if "blastradius" in table and isinstance(table["blastradius"], dict):
        table = table["blastradius"]
    return table


def _str_list(value: Any, what: str, source: str, line: int | None) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{what} must be a list of strings", source, line)
    return tuple(value)


def load_config(pyproject_table: dict[str, Any], source_path: str | Path | None = None) -> CredentialConfig:
    """Parse the credential settings. ``source_path`` (the ``pyproject.toml`` or
    ``.blastradius.toml`` the table came from) is used to name the file and line in errors."""
    source = str(source_path) if source_path is not None else "pyproject.toml"
    table = _blastradius_table(pyproject_table or {})
    providers = _load_providers(table.get("providers", {}), source, source_path)
    units = _load_units(table.get("units", {}), source, source_path)
    max_size = table.get("max_file_size", 2 * 1024 * 1024)
    if not isinstance(max_size, int) or isinstance(max_size, bool) or max_size <= 0:
        raise ConfigError("tool.blastradius.max_file_size must be a positive integer (bytes)", source,
                          _line_of(source_path, "max_file_size"))
    return CredentialConfig(providers=providers, units=units, max_file_size=max_size)


def _load_providers(raw: Any, source: str, source_path: str | Path | None) -> tuple[dict[str, Any], ...]:
    if not isinstance(raw, dict):
        raise ConfigError("tool.blastradius.providers must be a table of provider tables", source,
                          _line_of(source_path, "tool.blastradius.providers"))
    entries = []
    for pid in sorted(raw):
        header = f"tool.blastradius.providers.{pid}"
        line = _line_of(source_path, header)
        body = raw[pid]
        if not isinstance(body, dict):
            raise ConfigError(f"{header} must be a table", source, line)
        unknown = sorted(set(body) - _PROVIDER_KEYS)
        if unknown:
            raise ConfigError(f"{header}: unknown key(s) {', '.join(unknown)}", source, line)
        secrets = _str_list(body.get("secret_env_vars", []), f"{header}.secret_env_vars", source, line)
        selectors = _str_list(body.get("env_vars", []), f"{header}.env_vars", source, line)
        if not secrets:
            raise ConfigError(f"{header}: secret_env_vars must name at least one environment variable", source, line)
        for field_name, names in (("secret_env_vars", secrets), ("env_vars", selectors)):
            for index, name in enumerate(names):
                if not _ENV_NAME.match(name):
                    # never echo the entry: a pasted key in the wrong place must not reach the terminal
                    raise ConfigError(f"{header}.{field_name}[{index}] is not an environment variable name",
                                      source, line)
        kind = body.get("kind")
        if kind is not None and kind not in KINDS:
            raise ConfigError(f"{header}.kind must be one of {', '.join(KINDS)}", source, line)
        category = body.get("category") or _KIND_CATEGORY.get(kind or "provider-key", "llm-provider")
        patterns = _str_list(body.get("key_patterns", []), f"{header}.key_patterns", source, line)
        for index, pattern in enumerate(patterns):
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ConfigError(f"{header}.key_patterns[{index}] is not a valid regular expression ({exc.msg})",
                                  source, line) from None
        prefixes = _str_list(body.get("litellm_prefixes", []), f"{header}.litellm_prefixes", source, line)
        packages = _str_list(body.get("sdk_packages", []), f"{header}.sdk_packages", source, line)
        name = body.get("name", pid)
        if not isinstance(name, str):
            raise ConfigError(f"{header}.name must be a string", source, line)
        entry: dict[str, Any] = {
            "id": pid,
            "name": name,
            "category": category,
            "env_vars": sorted(set(secrets) | set(selectors)),
            "secret_env_vars": list(secrets),
            "default_env_vars": list(_str_list(body.get("default_env_vars", list(secrets[:1])),
                                               f"{header}.default_env_vars", source, line)),
            "litellm_prefixes": [p if p.endswith("/") else p + "/" for p in prefixes],
            "litellm_callbacks": list(_str_list(body.get("litellm_callbacks", []), f"{header}.litellm_callbacks",
                                                source, line)),
            "sdk_packages": list(packages),
            "implied_by_packages": list(packages),
            "key_patterns": list(patterns),
            "public_prefixes": list(_str_list(body.get("public_prefixes", []), f"{header}.public_prefixes",
                                              source, line)),
            "sources": list(_str_list(body.get("sources", [source]), f"{header}.sources", source, line)),
        }
        if kind:
            entry["kind_overrides"] = {n: kind for n in secrets}
        entries.append(entry)
    return tuple(entries)


def _load_units(raw: Any, source: str, source_path: str | Path | None) -> tuple[UnitSpec, ...]:
    if not isinstance(raw, dict):
        raise ConfigError("tool.blastradius.units must be a table of unit tables", source,
                          _line_of(source_path, "tool.blastradius.units"))
    units = []
    for name in sorted(raw):
        header = f"tool.blastradius.units.{name}"
        line = _line_of(source_path, header)
        body = raw[name]
        if not _UNIT_NAME.match(name) or name == "runtime" or name.startswith("ci:"):
            raise ConfigError(f"{header}: unit name {name!r} is reserved or not a plain name", source, line)
        if not isinstance(body, dict):
            raise ConfigError(f"{header} must be a table", source, line)
        unknown = sorted(set(body) - _UNIT_KEYS)
        if unknown:
            raise ConfigError(f"{header}: unknown key(s) {', '.join(unknown)}", source, line)
        paths = _str_list(body.get("paths", []), f"{header}.paths", source, line)
        if not paths:
            raise ConfigError(f"{header}.paths must list at least one path or glob", source, line)
        for path in paths:
            if path.startswith("/") or ".." in Path(path).parts:
                raise ConfigError(f"{header}.paths: {path!r} must be relative to the project root", source, line)
        groups = _str_list(body.get("groups", []), f"{header}.groups", source, line)
        units.append(UnitSpec(name=name, paths=paths, groups=groups))
    return tuple(units)
