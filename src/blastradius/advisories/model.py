"""Plain data for the advisories stage: what a record says, and what matched what.

Why two kinds (``malicious`` / ``vulnerability``): a malicious release means the code already
ran with whatever the process held, so the gate always fails and the report says what to
rotate; a vulnerability is a weakness whose weight depends on its severity. Every dataclass is
frozen and has a deterministic ``to_dict()`` (sorted where order is not meaningful) so the JSON
report is byte-identical for the same input.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

KIND_MALICIOUS = "malicious"
KIND_VULNERABILITY = "vulnerability"
KINDS = (KIND_MALICIOUS, KIND_VULNERABILITY)

# OSV range types. Only ECOSYSTEM carries PEP 440 versions for PyPI; SEMVER and GIT ranges
# are kept (so a note can say they were ignored) but never evaluated for Python packages.
RANGE_ECOSYSTEM = "ECOSYSTEM"


@dataclass(frozen=True)
class VersionRange:
    """One OSV ``ranges[]`` entry: its type and its events in record order, each event a
    ``(kind, version)`` pair with kind one of introduced / fixed / last_affected / limit."""

    type: str
    events: tuple[tuple[str, str], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "events": [{kind: value} for kind, value in self.events]}

    def describe(self) -> str:
        """Human form, e.g. ``>=1.82.7, <=1.82.8`` or ``every version``."""
        parts: list[str] = []
        for kind, value in self.events:
            if kind == "introduced":
                if value != "0":
                    parts.append(f">={value}")
            elif kind == "fixed":
                parts.append(f"<{value}")
            elif kind == "last_affected":
                parts.append(f"<={value}")
            elif kind == "limit" and value != "*":
                parts.append(f"<{value} (limit)")
        return ", ".join(parts) if parts else "every version"


@dataclass(frozen=True)
class AffectedRange:
    """One OSV ``affected[]`` entry for one package. ``name`` is PEP 503 normalised for
    PyPI (npm names are kept as written: they are case-sensitive and scoped)."""

    ecosystem: str
    name: str
    versions: tuple[str, ...] = ()
    ranges: tuple[VersionRange, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "ecosystem": self.ecosystem,
            "name": self.name,
            "versions": list(self.versions),
            "ranges": [r.to_dict() for r in self.ranges],
        }

    def fixed_versions(self) -> tuple[str, ...]:
        """Fixed releases from ECOSYSTEM ranges (a GIT range's "fixed" is a commit id)."""
        return tuple(
            sorted({v for r in self.ranges if r.type == RANGE_ECOSYSTEM for k, v in r.events if k == "fixed"})
        )


@dataclass(frozen=True)
class Advisory:
    """One OSV record as blastradius uses it.

    ``source`` is the upstream reference (the record's own URL when known); ``origin`` says
    where this copy was read: ``embedded`` for the shipped feed, else the file or zip member
    (relative to the directory or archive given, never an absolute path).
    ``rotate`` and ``what_it_did`` come from the curated feed (``database_specific.blastradius``);
    ``unverified`` lists what the curated record could not confirm.
    """

    id: str
    aliases: tuple[str, ...] = ()
    summary: str = ""
    details: str = ""
    kind: str = KIND_VULNERABILITY
    severity: str | None = None
    affected: tuple[AffectedRange, ...] = ()
    source: str = ""
    published: str | None = None
    withdrawn: str | None = None
    rotate: tuple[str, ...] = ()
    unverified: tuple[str, ...] = ()
    iocs: tuple[tuple[str, tuple[str, ...]], ...] = ()
    what_it_did: str = ""
    cvss: str | None = None
    origin: str = "embedded"
    modified: str | None = None

    @property
    def ids(self) -> frozenset[str]:
        return frozenset((self.id, *self.aliases))

    @property
    def is_malicious(self) -> bool:
        return self.kind == KIND_MALICIOUS

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "aliases": sorted(self.aliases),
            "summary": self.summary,
            "details": self.details,
            "kind": self.kind,
            "severity": self.severity,
            "cvss": self.cvss,
            "affected": [a.to_dict() for a in self.affected],
            "source": self.source,
            "origin": self.origin,
            "published": self.published,
            "modified": self.modified,
            "withdrawn": self.withdrawn,
            "what_it_did": self.what_it_did,
            "rotate": list(self.rotate),
            "unverified": list(self.unverified),
            "iocs": {k: list(v) for k, v in sorted(self.iocs)},
        }


@dataclass(frozen=True)
class AdvisoryFinding:
    """A pinned package matched by an advisory.

    ``package_key`` is the node key in the dependency graph (``name==version``); the scan fills
    ``dependency_path`` (root → … → package keys) from the graph, because this stage does not
    see edges. ``aliases`` are the other ids of the same advisory across databases (records that
    share an id or alias are merged into one finding, the ``MAL-`` id first).
    ``affected`` says how the version matched (``listed`` or the range text).
    """

    advisory_id: str
    aliases: tuple[str, ...]
    package: str
    version: str
    summary: str
    kind: str
    severity: str | None
    fixed_versions: tuple[str, ...]
    source: str
    rotate: tuple[str, ...] = ()
    package_key: str = ""
    what_it_did: str = ""
    unverified: tuple[str, ...] = ()
    iocs: tuple[tuple[str, tuple[str, ...]], ...] = ()
    affected: str = ""
    origins: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    dependency_path: tuple[str, ...] = ()

    @property
    def compromised(self) -> bool:
        """A malicious release: the gate fails whatever the threshold."""
        return self.kind == KIND_MALICIOUS

    def sort_key(self) -> tuple[Any, ...]:
        return (0 if self.compromised else 1, self.package, self.version, self.package_key, self.advisory_id)

    def to_dict(self) -> dict[str, Any]:
        return {
            "advisory_id": self.advisory_id,
            "aliases": sorted(self.aliases),
            "package": self.package,
            "version": self.version,
            "package_key": self.package_key,
            "kind": self.kind,
            "compromised": self.compromised,
            "severity": self.severity,
            "summary": self.summary,
            "what_it_did": self.what_it_did,
            "affected": self.affected,
            "fixed_versions": list(self.fixed_versions),
            "source": self.source,
            "origins": sorted(self.origins),
            "rotate": list(self.rotate),
            "unverified": list(self.unverified),
            "iocs": {k: list(v) for k, v in sorted(self.iocs)},
            "notes": list(self.notes),
            "dependency_path": list(self.dependency_path),
        }


@dataclass(frozen=True)
class AdmissibleFinding:
    """A declared range that admits known-malicious releases (``litellm>=1.80`` admits
    1.82.7 and 1.82.8): how the LiteLLM payload reached people through unpinned ``uvx``
    installs. ``lock_avoids`` is ``None`` when there is no lock (or the lock does not pin the
    name), ``True`` when every locked version is clean, ``False`` when the lock pins one of
    the compromised versions. ``admitted_ranges`` covers malicious records that state only a
    range (``introduced: 0`` = every version)."""

    requirement: str
    specifier: str
    location: str | None
    compromised_versions: tuple[str, ...]
    advisory_ids: tuple[str, ...]
    locked_versions: tuple[str, ...] = ()
    lock_avoids: bool | None = None
    admitted_ranges: tuple[str, ...] = ()
    group: str | None = None
    marker: str | None = None
    rotate: tuple[str, ...] = ()

    @property
    def locked_version(self) -> str | None:
        return self.locked_versions[0] if self.locked_versions else None

    def sort_key(self) -> tuple[Any, ...]:
        return (self.requirement, self.location or "", self.specifier, self.group or "")

    def to_dict(self) -> dict[str, Any]:
        return {
            "requirement": self.requirement,
            "specifier": self.specifier,
            "marker": self.marker,
            "group": self.group,
            "location": self.location,
            "compromised_versions": list(self.compromised_versions),
            "admitted_ranges": list(self.admitted_ranges),
            "advisory_ids": list(self.advisory_ids),
            "locked_version": self.locked_version,
            "locked_versions": list(self.locked_versions),
            "lock_avoids": self.lock_avoids,
            "rotate": list(self.rotate),
        }


@dataclass(frozen=True)
class UnauditedPackage:
    """A pin nobody could check (pip-audit skipped it, failed, or is not installed). Reported
    as *unaudited* -- never as clean."""

    name: str
    version: str | None
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, "reason": self.reason}


@dataclass(frozen=True)
class PipAuditResult:
    """What an ``--online`` pip-audit run produced. ``error`` is set when pip-audit could not
    run or answer; its failures are reported, never fatal."""

    findings: tuple[AdvisoryFinding, ...] = ()
    unaudited: tuple[UnauditedPackage, ...] = ()
    error: str | None = None
    command: tuple[str, ...] = ()
    audited: int = 0
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "command": list(self.command),
            "error": self.error,
            "audited": self.audited,
            "findings": [f.to_dict() for f in self.findings],
            "unaudited": [u.to_dict() for u in self.unaudited],
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class AdvisorySourceInfo:
    """One advisory source that was read (for the report's "what data was used" section)."""

    label: str
    records: int
    skipped_withdrawn: int = 0
    skipped_empty_id: int = 0
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "records": self.records,
            "skipped_withdrawn": self.skipped_withdrawn,
            "skipped_empty_id": self.skipped_empty_id,
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class AdvisoryDatabase:
    """Advisories loaded from one or more sources, in a stable order."""

    advisories: tuple[Advisory, ...] = ()
    sources: tuple[AdvisorySourceInfo, ...] = ()

    def __add__(self, other: AdvisoryDatabase) -> AdvisoryDatabase:
        return AdvisoryDatabase(self.advisories + other.advisories, self.sources + other.sources)


@dataclass(frozen=True)
class AdvisoryReport:
    """Everything the advisories stage says about one project, for ``report/build.py``."""

    findings: tuple[AdvisoryFinding, ...] = ()
    admissible: tuple[AdmissibleFinding, ...] = ()
    unaudited: tuple[UnauditedPackage, ...] = ()
    sources: tuple[AdvisorySourceInfo, ...] = ()
    pip_audit: PipAuditResult | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def compromised(self) -> tuple[AdvisoryFinding, ...]:
        return tuple(f for f in self.findings if f.compromised)

    def to_dict(self) -> dict[str, Any]:
        return {
            "findings": [f.to_dict() for f in self.findings],
            "admissible_malicious": [a.to_dict() for a in self.admissible],
            "unaudited": [u.to_dict() for u in self.unaudited],
            "sources": [s.to_dict() for s in self.sources],
            "pip_audit": self.pip_audit.to_dict() if self.pip_audit else None,
            "notes": sorted(set(self.notes)),
        }
