"""Pins → findings, merging what several databases say about the same incident.

The same release is usually described by several records (``MAL-2026-2144`` in ossf,
``PYSEC-2026-2`` in PyPA, a GHSA, and the curated embedded record), linked by ``aliases``.
Reporting each would count one incident three times in the score, so records that share an id
or alias and match the same pin become one finding: the ``MAL-`` id (or the curated record's
id) first, every other id in ``aliases``, "malicious" if any record says so.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from pathlib import Path

from blastradius.advisories.feed import load_sources
from blastradius.advisories.match import AdvisoryIndex, Match, build_index
from blastradius.advisories.model import KIND_MALICIOUS, Advisory, AdvisoryFinding
from blastradius.model import normalise_name

_SEVERITY_ORDER = {"critical": 4, "high": 3, "medium": 2, "low": 1, "none": 0}

Pin = tuple[str, str, str]  # (package key, name, version)


def index_for(extra_sources: Sequence[str | Path] = (), *, names: Collection[str] | None = None) -> AdvisoryIndex:
    """The embedded feed plus ``--advisories`` sources, indexed. Build once, reuse for the
    pins, the requirements and pip-audit cross-checks. ``names`` limits what is kept from
    the ``--advisories`` sources to the packages being checked (memory, not correctness:
    the embedded feed is always complete)."""
    return build_index([load_sources(extra_sources, names=names)])


def check_packages(
    pins: Iterable[Pin],
    *,
    extra_sources: Sequence[str | Path] = (),
    index: AdvisoryIndex | None = None,
) -> list[AdvisoryFinding]:
    """Every advisory that affects a pin, one merged finding per (pin, incident), sorted:
    compromised first, then by package, version and id."""
    pins = list(pins)
    idx = index if index is not None else index_for(extra_sources, names={n for _, n, _ in pins})
    findings: list[AdvisoryFinding] = []
    for key, name, version in pins:
        if not version:
            continue
        matches = idx.match(name, version)
        if matches:
            findings.extend(_merge(key, normalise_name(name), version, matches, idx))
    return sorted(set(findings), key=AdvisoryFinding.sort_key)


def _groups(matches: list[Match]) -> list[list[Match]]:
    """Connected components of matches linked by a shared id or alias."""
    groups: list[tuple[set[str], list[Match]]] = []
    for m in sorted(matches, key=lambda m: (m.advisory.id, m.advisory.origin)):
        ids = set(m.advisory.ids)
        joined = [g for g in groups if g[0] & ids]
        merged_ids, merged = set(ids), [m]
        for g in joined:
            merged_ids |= g[0]
            merged.extend(g[1])
            groups.remove(g)
        groups.append((merged_ids, merged))
    return [g[1] for g in groups]


def _primary(records: list[Advisory]) -> Advisory:
    def rank(a: Advisory) -> tuple[int, int, int, str]:
        return (
            0 if a.kind == KIND_MALICIOUS else 1,
            0 if a.id.upper().startswith("MAL-") else 1,
            0 if a.origin == "embedded" else 1,
            a.id,
        )

    return min(records, key=rank)


def _merge(key: str, name: str, version: str, matches: list[Match], idx: AdvisoryIndex) -> list[AdvisoryFinding]:
    out: list[AdvisoryFinding] = []
    for group in _groups(matches):
        records = [m.advisory for m in group]
        primary = _primary(records)
        ids: set[str] = set()
        for a in records:
            ids |= a.ids
        curated = next((a for a in records if a.rotate or a.what_it_did), None)
        kind = KIND_MALICIOUS if any(a.kind == KIND_MALICIOUS for a in records) else primary.kind
        severities = [a.severity for a in records if a.severity]
        severity = max(severities, key=lambda s: _SEVERITY_ORDER.get(s, -1)) if severities else None
        how = next((m.how for m in group if m.advisory is primary), group[0].how)
        iocs: dict[str, set[str]] = {}
        for a in records:
            for ioc_type, values in a.iocs:
                iocs.setdefault(ioc_type, set()).update(values)
        notes = _curated_disagreement(name, version, ids, records, idx)
        out.append(
            AdvisoryFinding(
                advisory_id=primary.id,
                aliases=tuple(sorted(ids - {primary.id})),
                package=name,
                version=version,
                summary=primary.summary or (curated.summary if curated else ""),
                kind=kind,
                severity=severity,
                fixed_versions=tuple(sorted({v for m in group for v in m.fixed})),
                source=primary.source or next((a.source for a in records if a.source), ""),
                rotate=curated.rotate if curated else (),
                package_key=key,
                what_it_did=curated.what_it_did if curated else "",
                unverified=tuple(sorted({u for a in records for u in a.unverified})),
                iocs=tuple(sorted((k, tuple(sorted(v))) for k, v in iocs.items())),
                affected=f"{version} ({how})",
                origins=tuple(sorted({a.origin for a in records})),
                notes=notes,
            )
        )
    return out


def _curated_disagreement(
    name: str, version: str, ids: set[str], records: list[Advisory], idx: AdvisoryIndex
) -> tuple[str, ...]:
    """The curated feed lists exact malicious releases; a published range can be wider
    (PYSEC-2024-154 also covers the clean ultralytics 8.3.43/8.3.44). Say so when a range
    matched a version the curated record for the same incident does not list."""
    if any(a.origin == "embedded" for a in records):
        return ()
    for c in idx.entries(name):
        if c.advisory.origin == "embedded" and c.advisory.ids & ids:
            listed = ", ".join(c.entry.versions)
            return (
                f"the curated record {c.advisory.id} lists only {listed} as malicious; "
                f"{version} is inside the published range",
            )
    return ()
