"""Resolve provider SDK closures for real: the library behind ``--online`` and
``scripts/snapshot_sdk_closures.py``.

Why inside the package: ``blastradius scan --online`` must refresh the closure snapshot from an
installed wheel, where the repository's ``scripts/`` directory does not exist. The resolution is
binary-only (``--only-binary :all:``, no sdist is ever built, so no audited code runs) and the
index comes from the user's own uv configuration; no index URL is written here.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from blastradius.model import normalise_name


# Categories whose SDK closure is a meaningful "single-provider" building block: the LLM
# providers themselves, and observability callbacks a slim proxy would typically keep.
DEFAULT_CATEGORIES = ("llm-provider", "observability")
RAW_HTTP_SDK = ("httpx",)

# Lowest Python the universal resolution must support (matches the project's requires-python).
UNIVERSAL_PYTHON = "3.10"
# Fallback when a universal resolution fails (e.g. an SDK ships wheels for some platforms only).
FALLBACK_PLATFORM = "x86_64-unknown-linux-gnu"
FALLBACK_PYTHON = "3.12"

_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;]+)\s*(?:;\s*(.*))?$")




def _version_key(version: str) -> tuple:
    """Sort key for versions without importing ``packaging`` (falls back to text order)."""
    try:
        from packaging.version import Version

        return (0, Version(version), version)
    except Exception:  # noqa: BLE001 - any unparsable version sorts after parsable ones
        return (1, version, version)


def resolver_version(resolver_cmd: Sequence[str]) -> str:
    """``uv 0.13.9`` style string for the output's provenance."""
    out = subprocess.run([*resolver_cmd, "--version"], capture_output=True, text=True, check=True)
    parts = out.stdout.split()
    return " ".join(parts[:2]) if len(parts) >= 2 else out.stdout.strip()


def _one_line_reason(stderr: str) -> str:
    """The most telling line of a uv failure, trimmed, with local paths removed.

    The usual binary-only failure is an sdist-only package somewhere in the tree; uv explains
    it over many lines, so name those packages instead of quoting the explanation."""
    no_wheels = sorted({normalise_name(m) for m in re.findall(
        r"([A-Za-z0-9][A-Za-z0-9._-]*?)(?:[<>=!~,][^\s]*)? (?:has|have) no usable wheels", stderr)})
    if no_wheels:
        return "no usable wheels (binary-only resolution) for: " + ", ".join(no_wheels)
    lines = [ln.strip(" ╰─▶×│").strip() for ln in stderr.splitlines()
             if not ln.startswith("warning:")]
    lines = [re.sub(r"^(?:cause|error):\s*", "", ln) for ln in lines]
    lines = [ln for ln in lines if ln and not ln.startswith("hint:")]
    reason = ""
    for ln in lines:
        if ln.startswith("Because") or "no version of" in ln or "not found" in ln:
            reason = ln
            break
    if not reason:
        reason = lines[-1] if lines else "resolver failed without a message"
    reason = re.sub(r"(?:/[^\s/:]+)+/", "", reason)  # strip absolute directories
    reason = re.sub(r"\s+", " ", reason)
    return reason[:300]


def parse_compiled(text: str) -> dict[str, list[str]]:
    """``name -> sorted versions`` from ``uv pip compile`` output (several under markers)."""
    found: dict[str, set[str]] = {}
    for name, version, _marker in parse_pins(text):
        found.setdefault(name, set()).add(version)
    return {name: sorted(v, key=_version_key) for name, v in sorted(found.items())}


def parse_pins(text: str) -> list[tuple[str, str, str | None]]:
    """``(name, version, marker)`` of every pin in ``uv pip compile`` output, in file order.
    Markers are kept so a scan for one target (``--target``) can count what it would install."""
    pins: list[tuple[str, str, str | None]] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or line.startswith("-"):
            continue
        m = _PIN.match(line)
        if not m:
            raise ValueError(f"unexpected resolver output line: {line!r}")
        pins.append((normalise_name(m.group(1)), m.group(2), (m.group(3) or "").strip() or None))
    return pins


def target_args(target: str) -> list[str]:
    """Resolver arguments for a target label (``universal`` or ``<platform>/py<X.Y>``)."""
    if target == "universal":
        return ["--universal", "--python-version", UNIVERSAL_PYTHON]
    platform, _, py = target.partition("/py")
    if not platform or not py:
        raise ValueError(f"target must be 'universal' or '<platform>/py<X.Y>', got {target!r}")
    return ["--python-platform", platform, "--python-version", py]


def resolve(
    packages: Sequence[str],
    resolver_cmd: Sequence[str],
    target: str,
    cache_dir: str | None = None,
) -> tuple[list[tuple[str, str, str | None]] | None, str]:
    """Resolve ``packages`` binary-only. Returns (pins with markers, "") or (None, reason)."""
    with tempfile.TemporaryDirectory(prefix="sdk-closure-") as tmp:
        req = Path(tmp) / "requirements.in"
        req.write_text("".join(f"{p}\n" for p in packages), encoding="utf-8")
        cmd = [
            *resolver_cmd, "pip", "compile", str(req),
            *target_args(target),
            "--only-binary", ":all:",
            "--no-header", "--no-annotate", "--quiet",
        ]
        if cache_dir:
            cmd += ["--cache-dir", cache_dir]
        # Never let uv fetch an interpreter for --python-version: resolution needs none.
        env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never"}
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp, env=env)
    if proc.returncode != 0:
        return None, _one_line_reason(proc.stderr)
    return parse_pins(proc.stdout), ""


def _closure_entry(sdk: Sequence[str], pins: list[tuple[str, str, str | None]], target: str) -> dict:
    """One output record. ``packages`` keeps the highest version of a name; names that resolve
    to several versions under different markers list all of them in ``alternatives``.
    ``count`` is the number of distinct names (what a compromise could reach on one machine).
    ``markers`` holds the environment condition of every conditional pin (``name==version``),
    so a scan with ``--target`` counts exactly what that target installs."""
    found: dict[str, list[str]] = {}
    for name, version, _marker in pins:
        found.setdefault(name, [])
        if version not in found[name]:
            found[name].append(version)
    found = {name: sorted(v, key=_version_key) for name, v in sorted(found.items())}
    entry: dict = {
        "sdk": sorted(normalise_name(s) for s in sdk),
        "packages": {name: versions[-1] for name, versions in found.items()},
        "count": len(found),
        "target": target,
    }
    alternatives = {n: v for n, v in found.items() if len(v) > 1}
    if alternatives:
        entry["alternatives"] = alternatives
    markers = {f"{name}=={version}": marker for name, version, marker in sorted(pins) if marker}
    if markers:
        entry["markers"] = markers
    return entry


def resolve_sdk(
    sdk: Sequence[str],
    resolver_cmd: Sequence[str],
    target: str,
    cache_dir: str | None = None,
) -> tuple[dict | None, str]:
    """Resolve one provider's SDK set: universal first, then the fallback target; when the set
    as a whole fails, keep the members that resolve on their own (and say which were dropped)."""
    targets = [target]
    if target == "universal":
        targets.append(f"{FALLBACK_PLATFORM}/py{FALLBACK_PYTHON}")
    first_reason = ""
    for tgt in targets:
        found, reason = resolve(sdk, resolver_cmd, tgt, cache_dir)
        if found is not None:
            return _closure_entry(sdk, found, tgt), ""
        first_reason = first_reason or reason
    if len(sdk) > 1:
        dropped: dict[str, str] = {}
        kept: list[str] = []
        for pkg in sdk:
            entry, reason = resolve_sdk([pkg], resolver_cmd, target, cache_dir)
            if entry is None:
                dropped[normalise_name(pkg)] = reason
            else:
                kept.append(pkg)
        if kept and dropped:
            entry, reason = resolve_sdk(kept, resolver_cmd, target, cache_dir)
            if entry is not None:
                entry["dropped"] = dict(sorted(dropped.items()))
                return entry, ""
    return None, first_reason


def select_providers(
    providers: Iterable[dict], categories: Sequence[str], only: Sequence[str] = ()
) -> list[dict]:
    chosen = []
    for p in providers:
        if only and p["id"] not in only:
            continue
        if not p.get("sdk_packages"):
            continue
        if not only and p.get("category") not in categories:
            continue
        chosen.append(p)
    return sorted(chosen, key=lambda p: p["id"])


def snapshot(
    providers: Sequence[dict],
    resolver_cmd: Sequence[str] = ("uv",),
    target: str = "universal",
    cache_dir: str | None = None,
    generated: str | None = None,
    log=None,
) -> dict:
    """Resolve every given provider's ``sdk_packages`` plus plain httpx (the raw-HTTP option).

    ``providers`` are already selected (see :func:`select_providers`); every one must have a
    non-empty ``sdk_packages``. Providers sharing the same SDK set are resolved once.
    """
    cmd = list(resolver_cmd)
    memo: dict[tuple[str, ...], tuple[dict | None, str]] = {}

    def _get(sdk: Sequence[str]) -> tuple[dict | None, str]:
        key = tuple(sorted(normalise_name(s) for s in sdk))
        if key not in memo:
            if log:
                log(f"resolving {' '.join(key)}")
            memo[key] = resolve_sdk(list(key), cmd, target, cache_dir)
        return memo[key]

    closures: dict[str, dict] = {}
    failed: dict[str, str] = {}
    for p in sorted(providers, key=lambda p: p["id"]):
        entry, reason = _get(p["sdk_packages"])
        if entry is None:
            failed[p["id"]] = reason
        else:
            closures[p["id"]] = json.loads(json.dumps(entry))  # independent copy per provider
    raw, reason = _get(RAW_HTTP_SDK)
    if raw is None:
        raise RuntimeError(f"cannot resolve the raw-http baseline (httpx): {reason}")
    return {
        "schema": 1,
        "generated": generated or _dt.datetime.now(_dt.timezone.utc).date().isoformat(),
        "resolver": resolver_version(cmd),
        "target": (
            f"universal (requires-python >= {UNIVERSAL_PYTHON}), binary wheels only; "
            f"fallback {FALLBACK_PLATFORM}/py{FALLBACK_PYTHON}"
            if target == "universal" else f"{target}, binary wheels only"
        ),
        "closures": dict(sorted(closures.items())),
        "raw_http": raw,
        "failed": dict(sorted(failed.items())),
    }


def dumps(data: dict) -> str:
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
