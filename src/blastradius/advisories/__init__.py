"""Known-compromised releases and advisories: the embedded incident feed (offline),
``--advisories PATH`` (OSV directory or all.zip, offline) and ``--online`` pip-audit.

The scan calls :func:`assess` once (or the three functions separately); everything returned
is a frozen dataclass with a deterministic ``to_dict()``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from blastradius.advisories.admissible import check_requirements
from blastradius.advisories.check import check_packages, index_for
from blastradius.advisories.feed import load_embedded, load_path
from blastradius.advisories.model import (
    AdmissibleFinding,
    Advisory,
    AdvisoryFinding,
    AdvisoryReport,
    PipAuditResult,
    UnauditedPackage,
)
from blastradius.advisories.pip_audit import parse_pip_audit_json, run_pip_audit
from blastradius.model import Requirement

__all__ = [
    "AdmissibleFinding",
    "Advisory",
    "AdvisoryFinding",
    "AdvisoryReport",
    "PipAuditResult",
    "UnauditedPackage",
    "assess",
    "attach_paths",
    "check_packages",
    "check_requirements",
    "index_for",
    "load_embedded",
    "load_path",
    "parse_pip_audit_json",
    "run_pip_audit",
]


def assess(
    pins: Iterable[tuple[str, str, str | None, Sequence[str]]],
    requirements: Iterable[Requirement] = (),
    *,
    locked: bool = True,
    extra_sources: Sequence[str | Path] = (),
    online: bool = False,
) -> AdvisoryReport:
    """One call for the scan: ``pins`` are ``(package key, name, version, hashes)``;
    ``requirements`` the declared direct requirements; ``locked`` whether the pins come from a
    lock (so the admissible check can say whether the lock avoids the bad versions).
    Loads every source once. ``online`` adds a pip-audit run (its failures are notes)."""
    from dataclasses import replace

    pins = list(pins)
    requirements = list(requirements)
    index = index_for(extra_sources, names={n for _, n, _, _ in pins} | {r.name for r in requirements})
    findings = check_packages(((k, n, v) for k, n, v, _ in pins if v), index=index)
    lock_map: dict[str, list[str]] | None = None
    if locked:
        lock_map = {}
        for _, name, version, _ in pins:
            if version:
                lock_map.setdefault(name, []).append(version)
    notes: list[str] = []
    admissible = check_requirements(requirements, lock_map, index=index, notes=notes)
    pip_result: PipAuditResult | None = None
    unaudited: tuple[UnauditedPackage, ...] = ()
    if online:
        from blastradius.model import normalise_name

        keys = {(normalise_name(n), v): k for k, n, v, _ in pins if v}
        pip_result = run_pip_audit(((n, v, h) for _, n, v, h in pins), index=index, package_keys=keys)
        unaudited = pip_result.unaudited
        if pip_result.error:
            notes.append(f"pip-audit: {pip_result.error}")
        merged = {(f.package_key, f.advisory_id): f for f in findings}
        for f in pip_result.findings:
            # pip-audit may report the same incident under an id the offline feed already has
            if any(f.package_key == g.package_key and ({f.advisory_id, *f.aliases} & {g.advisory_id, *g.aliases}) for g in findings):
                continue
            merged.setdefault((f.package_key, f.advisory_id), replace(f))
        findings = sorted(merged.values(), key=AdvisoryFinding.sort_key)
    notes.extend(index.notes)
    sources = index.db.sources
    return AdvisoryReport(
        findings=tuple(findings),
        admissible=tuple(admissible),
        unaudited=unaudited,
        sources=sources,
        pip_audit=pip_result,
        notes=tuple(sorted(set(notes) | {n for s in sources for n in s.notes})),
    )


def attach_paths(findings: Iterable[AdvisoryFinding], paths: Mapping[str, Sequence[str]]) -> list[AdvisoryFinding]:
    """Fill ``dependency_path`` from the graph: ``paths`` maps a package key to the keys
    from a root to it (the scan computes it; this stage never sees edges)."""
    from dataclasses import replace

    return [replace(f, dependency_path=tuple(paths.get(f.package_key, ()))) for f in findings]
