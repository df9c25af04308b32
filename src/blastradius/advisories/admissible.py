"""Declared ranges that admit known-malicious releases.

A lock protects the install it describes; the range in ``pyproject.toml`` is what everyone
else gets -- ``uvx``, ``pip install <project>``, a fresh ``uv lock --upgrade``. LiteLLM 1.82.8
reached people through exactly that: an MCP server declared ``litellm>=…`` and ``uvx``
resolved the newest release. So every declared range is checked against the malicious
records, and the lock (when there is one) says whether the current install avoids them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from blastradius.advisories.check import index_for
from blastradius.advisories.match import AdvisoryIndex, in_range, parse_version, range_is_everything
from blastradius.advisories.model import AdmissibleFinding
from blastradius.model import Requirement, normalise_name

LockedVersions = Mapping[str, "str | Iterable[str]"]


def check_requirements(
    requirements: Iterable[Requirement],
    locked: Mapping[str, str | Iterable[str]] | None = None,
    *,
    extra_sources: Sequence[str | Path] = (),
    index: AdvisoryIndex | None = None,
    notes: list[str] | None = None,
) -> list[AdmissibleFinding]:
    """For each declared requirement, the known-malicious versions its range admits.

    ``locked`` maps a (normalised or not) name to the version(s) the lock pins; ``None`` means
    the project has no lock (``lock_avoids`` is then ``None``). Direct references (``url``)
    are skipped: they do not resolve through the index. ``notes`` collects what could not be
    evaluated (an invalid specifier)."""
    requirements = list(requirements)
    idx = index if index is not None else index_for(extra_sources, names={r.name for r in requirements})
    lock = _normalise_lock(locked)
    out: list[AdmissibleFinding] = []
    for req in requirements:
        if req.url:
            continue
        name = normalise_name(req.name)
        entries = [c for c in idx.entries(name) if c.advisory.is_malicious]
        if not entries:
            continue
        try:
            spec = SpecifierSet(req.specifier or "")
        except InvalidSpecifier:
            if notes is not None:
                notes.append(f"{name}: specifier '{req.specifier}' is not PEP 440; not checked against known-malicious releases")
            continue
        versions: set[str] = set()
        ranges: set[str] = set()
        ids: set[str] = set()
        rotate: list[str] = []
        for c in entries:
            hit = False
            for raw in c.entry.versions:
                parsed = parse_version(raw)
                admitted = spec.contains(parsed) if parsed is not None else not str(spec)
                if admitted:
                    versions.add(str(parsed) if parsed is not None else raw)
                    hit = True
            for r in c.ranges:
                if _range_admitted(spec, r):
                    ranges.add(f"{r.text} ({c.advisory.id})")
                    hit = True
            if hit:
                ids.add(c.advisory.id)
                rotate.extend(x for x in c.advisory.rotate if x not in rotate)
        if not ids:
            continue
        pinned = lock.get(name) if lock is not None else None
        lock_avoids: bool | None = None
        if pinned:
            lock_avoids = not any(
                m.advisory.is_malicious for v in pinned for m in idx.match(name, v)
            )
        out.append(
            AdmissibleFinding(
                requirement=name,
                specifier=str(req.specifier or ""),
                location=str(req.location) if req.location else None,
                compromised_versions=tuple(sorted(versions, key=_version_key)),
                advisory_ids=tuple(sorted(ids)),
                locked_versions=tuple(sorted(pinned or (), key=_version_key)),
                lock_avoids=lock_avoids,
                admitted_ranges=tuple(sorted(ranges)),
                group=req.group,
                marker=req.marker,
                rotate=tuple(rotate),
            )
        )
    return sorted(set(out), key=AdmissibleFinding.sort_key)


def _normalise_lock(locked: Mapping[str, str | Iterable[str]] | None) -> dict[str, tuple[str, ...]] | None:
    if locked is None:
        return None
    out: dict[str, set[str]] = {}
    for name, value in locked.items():
        values = (value,) if isinstance(value, str) else tuple(value or ())
        out.setdefault(normalise_name(name), set()).update(v for v in values if v)
    return {k: tuple(sorted(v)) for k, v in out.items()}


def _range_admitted(spec: SpecifierSet, compiled) -> bool:  # type: ignore[no-untyped-def]
    """Does the specifier admit some version inside a malicious range? Exact for
    "every version"; otherwise tested on the boundary versions of both sides (the range's
    introduced / last_affected, the specifier's own versions), which decides every
    practical case (``>=1.80`` vs ``introduced 1.82.7``) without enumerating releases."""
    if range_is_everything(compiled):
        return True
    probes = {b for _, b in compiled.events if b is not None}
    for s in spec:
        v = parse_version(s.version.rstrip(".*"))
        if v is not None:
            probes.add(v)
    return any(in_range(p, compiled) and spec.contains(p, prereleases=True) for p in probes)


def _version_key(text: str) -> tuple[int, object, str]:
    parsed = parse_version(text)
    return (0, parsed, text) if parsed is not None else (1, None, text)  # type: ignore[return-value]
