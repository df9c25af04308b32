"""``[tool.blastradius]`` in ``pyproject.toml`` or a ``.blastradius.toml`` next to it.

Why one loader for everything: the gate thresholds, waivers, score weights and the credential
finder's providers/units all live in one table, and a typo in any of them must stop the run with
the file and line -- a silently ignored ``fail-abvoe = 60`` would turn a CI gate into a no-op.
``.blastradius.toml`` wins over ``pyproject.toml`` when both configure blastradius (the whole
table is taken from it; the two are not merged, so what applies is visible in one file).

Keys are spelled with dashes as in the CLI (``fail-above``); the underscore spelling is accepted
too. ``providers`` and ``units`` are validated by :mod:`blastradius.credentials.config`.
"""

from __future__ import annotations

import datetime as _dt
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from blastradius.errors import ConfigError

PYPROJECT = "pyproject.toml"
DOTFILE = ".blastradius.toml"

FAIL_ON_VALUES = ("known-compromised", "vulnerability", "plaintext-secret", "critical-capability")

# canonical key -> accepted spellings
_KEYS = {
    "fail-above": ("fail-above", "fail_above"),
    "max-credentials-per-unit": ("max-credentials-per-unit", "max_credentials_per_unit"),
    "max-packages": ("max-packages", "max_packages"),
    "fail-on": ("fail-on", "fail_on"),
    "waivers": ("waivers",),
    "weights": ("weights",),
    "provider": ("provider",),
    "providers": ("providers",),
    "units": ("units",),
    # read by the credential finder (blastradius.credentials.config)
    "max-file-size": ("max-file-size", "max_file_size"),
}
_SPELLING = {spelling: key for key, spellings in _KEYS.items() for spelling in spellings}
_WAIVER_KEYS = {"id", "package", "reason", "expires"}
_WEIGHT_KEYS = {"scale", "exponent", "kinds", "verdicts"}


@dataclass(frozen=True, order=True)
class Waiver:
    """An accepted finding, with a reason and an expiry date.

    ``id_or_package`` is an advisory id (``GHSA-…``, ``PYSEC-…``), a credential name
    (``OPENAI_API_KEY``) or, when ``kind == "package"``, a package name. A waiver never covers a
    known-compromised package: that check is always on.
    """

    id_or_package: str
    reason: str
    expires: _dt.date
    kind: str = "id"  # "id" | "package"

    def expired(self, today: _dt.date) -> bool:
        return today > self.expires

    def matches_package(self, name: str) -> bool:
        from blastradius.model import normalise_name

        return self.kind == "package" and normalise_name(self.id_or_package) == normalise_name(name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id_or_package": self.id_or_package,
            "reason": self.reason,
            "expires": self.expires.isoformat(),
        }


@dataclass(frozen=True)
class Config:
    """The resolved ``[tool.blastradius]`` table. ``source`` is the file it came from (as given,
    for messages), ``None`` when the project has no configuration."""

    source: str | None = None
    fail_above: int | None = None
    max_credentials_per_unit: int | None = None
    max_packages: int | None = None
    fail_on: tuple[str, ...] = ()
    waivers: tuple[Waiver, ...] = ()
    weights: dict[str, Any] = field(default_factory=dict)
    provider: str | None = None
    providers: dict[str, Any] = field(default_factory=dict)
    units: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)

    def credential_config(self) -> Any:
        """The credential finder's configuration (providers, units), validated by its own
        loader so its errors point at the same file."""
        from blastradius.credentials.config import load_config as load_credential_config

        table: dict[str, Any] = {"providers": self.providers, "units": self.units}
        if "max-file-size" in self.raw:
            table["max_file_size"] = self.raw["max-file-size"]
        return load_credential_config(table, self.source)


def _toml_loads(text: str) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib
    return tomllib.loads(text)


def _line_of(text: str, key: str) -> int | None:
    """1-based line of the first ``key =`` or ``[... key ...]`` in the text."""
    pattern = re.compile(r"^[ \t]*(?:\[+[^\]\n]*\b)?" + re.escape(key) + r"\b", re.M)
    match = pattern.search(text)
    if match is None:
        return None
    return text.count("\n", 0, match.start()) + 1


def _line_containing(text: str, value: str) -> int | None:
    """1-based line where a quoted string value appears (a waiver's id or package)."""
    for number, line in enumerate(text.splitlines(), 1):
        if f'"{value}"' in line or f"'{value}'" in line:
            return number
    return None


def _read(path: Path) -> tuple[str, dict[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"not UTF-8 ({exc.reason})", path) from None
    try:
        data = _toml_loads(text)
    except Exception as exc:  # tomllib.TOMLDecodeError: "... (at line 3, column 5)"
        message = str(exc)
        match = re.search(r"\(at line (\d+), column \d+\)", message)
        line = int(match.group(1)) if match else None
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", message)
        raise ConfigError(f"invalid TOML: {message}", path, line) from None
    return text, data


def _table(data: dict[str, Any], dotfile: bool) -> dict[str, Any] | None:
    tool = data.get("tool")
    if isinstance(tool, dict) and "blastradius" in tool:
        table = tool["blastradius"]
        return table if isinstance(table, dict) else {"": table}
    if dotfile:
        return {k: v for k, v in data.items() if k != "tool"}
    return None


def _int(value: Any, key: str, path: Path, text: str, minimum: int = 0, maximum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum or (maximum is not None and value > maximum):
        bound = f"{minimum}..{maximum}" if maximum is not None else f">= {minimum}"
        raise ConfigError(f"{key} must be an integer {bound}, got {_kind_of(value)}", path, _line_of(text, key))
    return value


def _date(value: Any, where: str, path: Path, line: int | None) -> _dt.date:
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    if isinstance(value, str):
        try:
            return _dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise ConfigError(f"{where}: expires must be a date like 2026-12-31, got {_kind_of(value)}", path, line)


def parse_waivers(value: Any, path: Path | str, text: str = "") -> tuple[Waiver, ...]:
    path = Path(path)
    line = _line_of(text, "waivers")
    if not isinstance(value, list):
        raise ConfigError("waivers must be a list of tables {id|package, reason, expires}", path, line)
    waivers = []
    for index, entry in enumerate(value):
        where = f"waivers[{index}]"
        if not isinstance(entry, dict):
            raise ConfigError(f"{where} must be a table {{id|package, reason, expires}}", path, line)
        name = entry.get("id") if "id" in entry else entry.get("package")
        entry_line = (_line_containing(text, name) if isinstance(name, str) and name else None) or line
        unknown = sorted(set(entry) - _WAIVER_KEYS)
        if unknown:
            raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)} (allowed: expires, id, package, reason)", path, entry_line)
        if ("id" in entry) == ("package" in entry):
            raise ConfigError(f"{where}: give exactly one of id or package", path, entry_line)
        kind = "id" if "id" in entry else "package"
        if not isinstance(name, str) or not name.strip():
            raise ConfigError(f"{where}: {kind} must be a non-empty string", path, entry_line)
        reason = entry.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise ConfigError(f"{where} ({name}): a waiver needs a reason", path, entry_line)
        if "expires" not in entry:
            raise ConfigError(f"{where} ({name}): a waiver needs an expiry date (expires = 2026-12-31)", path, entry_line)
        expires = _date(entry["expires"], f"{where} ({name})", path, entry_line)
        waivers.append(Waiver(name.strip(), " ".join(reason.split()), expires, kind))
    return tuple(sorted(waivers))


def parse_fail_on(value: Any, where: str = "fail-on", path: Path | str | None = None, line: int | None = None) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [v for v in re.split(r"[,\s]+", value) if v]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where} must be a list of strings", path, line)
    unknown = sorted(set(value) - set(FAIL_ON_VALUES))
    if unknown:
        raise ConfigError(f"{where}: unknown value {unknown[0]!r} (one of {', '.join(FAIL_ON_VALUES)})", path, line)
    return tuple(sorted(set(value)))


def validate_weights(value: Any, path: Path | str | None = None, line: int | None = None) -> dict[str, Any]:
    """Check a weights override table (shape only; values must be non-negative numbers and
    the scale positive, so the score stays monotone)."""
    from blastradius.scoring import KIND_NAMES, VERDICT_NAMES

    if not isinstance(value, dict):
        raise ConfigError("weights must be a table", path, line)
    unknown = sorted(set(value) - _WEIGHT_KEYS)
    if unknown:
        raise ConfigError(f"weights: unknown key(s) {', '.join(unknown)} (allowed: exponent, kinds, scale, verdicts)", path, line)
    out: dict[str, Any] = {}
    if "scale" in value:
        scale = value["scale"]
        if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not scale > 0:
            raise ConfigError(f"weights.scale must be a positive number, got {_kind_of(scale)}", path, line)
        out["scale"] = float(scale)
    if "exponent" in value:
        exponent = value["exponent"]
        if isinstance(exponent, bool) or not isinstance(exponent, (int, float)) or not 0 < exponent <= 2:
            raise ConfigError(f"weights.exponent must be a number in (0, 2], got {_kind_of(exponent)}", path, line)
        out["exponent"] = float(exponent)
    for table_name, allowed in (("kinds", KIND_NAMES), ("verdicts", VERDICT_NAMES)):
        if table_name not in value:
            continue
        table = value[table_name]
        if not isinstance(table, dict):
            raise ConfigError(f"weights.{table_name} must be a table", path, line)
        bad = sorted(set(table) - set(allowed))
        if bad:
            raise ConfigError(f"weights.{table_name}: unknown key {bad[0]!r} (one of {', '.join(allowed)})", path, line)
        checked = {}
        for key, number in table.items():
            if isinstance(number, bool) or not isinstance(number, (int, float)) or number < 0:
                raise ConfigError(f"weights.{table_name}.{key} must be a number >= 0, got {_kind_of(number)}", path, line)
            checked[key] = float(number)
        out[table_name] = checked
    return out


def _parse(table: dict[str, Any], path: Path, text: str) -> Config:
    canonical: dict[str, Any] = {}
    for key, value in table.items():
        name = _SPELLING.get(key)
        if name is None:
            raise ConfigError(
                f"unknown key {key!r} in [tool.blastradius] (known: {', '.join(sorted(_KEYS))})", path, _line_of(text, key)
            )
        if name in canonical:
            raise ConfigError(f"{key!r} given twice (as {name!r})", path, _line_of(text, key))
        canonical[name] = value
    kwargs: dict[str, Any] = {}
    if "fail-above" in canonical:
        kwargs["fail_above"] = _int(canonical["fail-above"], "fail-above", path, text, 0, 100)
    if "max-credentials-per-unit" in canonical:
        kwargs["max_credentials_per_unit"] = _int(canonical["max-credentials-per-unit"], "max-credentials-per-unit", path, text)
    if "max-packages" in canonical:
        kwargs["max_packages"] = _int(canonical["max-packages"], "max-packages", path, text)
    if "fail-on" in canonical:
        kwargs["fail_on"] = parse_fail_on(canonical["fail-on"], "fail-on", path, _line_of(text, "fail-on"))
    if "waivers" in canonical:
        kwargs["waivers"] = parse_waivers(canonical["waivers"], path, text)
    if "weights" in canonical:
        kwargs["weights"] = validate_weights(canonical["weights"], path, _line_of(text, "weights"))
    if "provider" in canonical:
        provider = canonical["provider"]
        if not isinstance(provider, str) or not provider.strip():
            raise ConfigError("provider must be a provider id such as 'anthropic'", path, _line_of(text, "provider"))
        kwargs["provider"] = provider.strip()
    for name in ("providers", "units"):
        if name in canonical:
            if not isinstance(canonical[name], dict):
                raise ConfigError(f"{name} must be a table", path, _line_of(text, name))
            kwargs[name] = canonical[name]
    return Config(source=str(path), raw=canonical, **kwargs)


def load_config(project_dir: str | Path) -> Config:
    """The project's configuration; an empty :class:`Config` when there is none.

    ``project_dir`` may also be an input file; its directory is used.
    """
    base = Path(project_dir)
    if base.is_file():
        base = base.parent
    dotfile = base / DOTFILE
    if dotfile.is_file():
        text, data = _read(dotfile)
        table = _table(data, dotfile=True)
        if table is not None:
            if "" in table:
                raise ConfigError("[tool.blastradius] must be a table", dotfile, _line_of(text, "blastradius"))
            return _parse(table, dotfile, text)
    pyproject = base / PYPROJECT
    if pyproject.is_file():
        text, data = _read(pyproject)
        table = _table(data, dotfile=False)
        if table is not None:
            if "" in table:
                raise ConfigError("[tool.blastradius] must be a table", pyproject, _line_of(text, "blastradius"))
            return _parse(table, pyproject, text)
    return Config()


def _kind_of(value: Any) -> str:
    """Describe a bad value without echoing it: a config value may be a pasted secret."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return f"{value}"
    if isinstance(value, str):
        return f"a string of {len(value)} characters"
    return f"a {type(value).__name__}"
