"""Matching pins against OSV records with PEP 440 semantics.

The index maps a PEP 503 normalised name to the ``affected`` entries that name it, and compiles
an entry's versions and ranges only the first time that name is looked up: matching 10,000
pins against the whole PyPI ``all.zip`` then costs one dictionary lookup per pin plus the
handful of records that concern it, not a pass over every record per pin.

Range evaluation follows the OSV specification's algorithm for ECOSYSTEM ranges: events are
sorted by version (``introduced: "0"`` first); ``introduced`` turns "affected" on,
``fixed`` (``>=``) and ``last_affected`` (``>``) turn it off. SEMVER and GIT ranges do not
describe PEP 440 versions and are ignored (the loader records a note).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from packaging.version import InvalidVersion, Version

from blastradius.advisories.model import RANGE_ECOSYSTEM, Advisory, AdvisoryDatabase, AffectedRange, VersionRange
from blastradius.model import normalise_name

_ZERO = "0"
_ZERO_VERSION = Version("0")


@lru_cache(maxsize=65536)
def parse_version(text: str) -> Version | None:
    """Cached: a package's records repeat the same version lists (PyPA lists every affected
    release in each record), so the whole PyPI archive has far fewer distinct strings."""
    try:
        return Version(text)
    except InvalidVersion:
        return None


@dataclass
class _CompiledRange:
    events: list[tuple[str, Version | None]]  # None = introduced "0"
    text: str


@dataclass
class _CompiledEntry:
    advisory: Advisory
    entry: AffectedRange
    raw_versions: frozenset[str] = frozenset()
    versions: frozenset[Version] = frozenset()
    ranges: list[_CompiledRange] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Match:
    """One record affecting one version: ``how`` is ``listed`` (explicit ``versions``) or
    ``range <text>``; ``fixed`` are the entry's fixed versions."""

    advisory: Advisory
    how: str
    fixed: tuple[str, ...]


def _compile(advisory: Advisory, entry: AffectedRange) -> _CompiledEntry:
    compiled = _CompiledEntry(advisory, entry, raw_versions=frozenset(entry.versions))
    parsed = {parse_version(v) for v in entry.versions}
    compiled.versions = frozenset(v for v in parsed if v is not None)
    for r in entry.ranges:
        if r.type != RANGE_ECOSYSTEM:
            continue
        cr = _compile_range(r)
        if cr is None:
            compiled.notes.append(f"{advisory.id}: range '{r.describe()}' has a non-PEP 440 version; not evaluated")
        else:
            compiled.ranges.append(cr)
    return compiled


def _compile_range(r: VersionRange) -> _CompiledRange | None:
    events: list[tuple[str, Version | None]] = []
    for kind, value in r.events:
        if kind == "limit":
            continue
        if kind == "introduced" and value == _ZERO:
            events.append((kind, None))
            continue
        version = parse_version(value)
        if version is None:
            return None
        events.append((kind, version))
    # stable sort: "0" first, then by version; record order breaks ties
    events.sort(key=lambda e: (e[1] is not None, e[1] or _ZERO_VERSION))
    return _CompiledRange(events, r.describe())


def in_range(version: Version, compiled: _CompiledRange) -> bool:
    affected = False
    for kind, bound in compiled.events:
        if kind == "introduced":
            if bound is None or version >= bound:
                affected = True
        elif kind == "fixed":
            if bound is not None and version >= bound:
                affected = False
        elif kind == "last_affected":
            if bound is not None and version > bound:
                affected = False
    return affected


def range_is_everything(compiled: _CompiledRange) -> bool:
    """``introduced: "0"`` with no fixed / last_affected: every version is affected."""
    return all(kind == "introduced" for kind, _ in compiled.events) and any(b is None for _, b in compiled.events)


class AdvisoryIndex:
    """Advisories indexed by (ecosystem, name). Build once per scan; look up per pin."""

    def __init__(self, db: AdvisoryDatabase) -> None:
        self.db = db
        self._raw: dict[tuple[str, str], list[tuple[Advisory, AffectedRange]]] = defaultdict(list)
        self._compiled: dict[tuple[str, str], list[_CompiledEntry]] = {}
        self.notes: set[str] = set()
        for advisory in db.advisories:
            for entry in advisory.affected:
                self._raw[(entry.ecosystem, entry.name)].append((advisory, entry))

    @property
    def advisories(self) -> tuple[Advisory, ...]:
        return self.db.advisories

    def entries(self, name: str, ecosystem: str = "PyPI") -> list[_CompiledEntry]:
        key = (ecosystem, normalise_name(name) if ecosystem == "PyPI" else name)
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = [_compile(a, e) for a, e in self._raw.get(key, ())]
            for c in compiled:
                self.notes.update(c.notes)
            self._compiled[key] = compiled
        return compiled

    def names(self, ecosystem: str = "PyPI") -> list[str]:
        return sorted(n for e, n in self._raw if e == ecosystem)

    def match(self, name: str, version: str, ecosystem: str = "PyPI") -> list[Match]:
        """Every record that affects ``name`` at ``version``."""
        entries = self.entries(name, ecosystem)
        if not entries:
            return []
        parsed = parse_version(version)
        if parsed is None:
            self.notes.add(f"{normalise_name(name)} {version}: not a PEP 440 version; matched against listed versions only")
        out: list[Match] = []
        for c in entries:
            how = _how(c, version, parsed)
            if how is not None:
                out.append(Match(c.advisory, how, c.entry.fixed_versions()))
        return out


def _how(c: _CompiledEntry, raw: str, version: Version | None) -> str | None:
    if raw in c.raw_versions or (version is not None and version in c.versions):
        return "listed"
    if version is not None:
        for r in c.ranges:
            if in_range(version, r):
                return f"range {r.text}"
    return None


def build_index(databases: Iterable[AdvisoryDatabase]) -> AdvisoryIndex:
    total = AdvisoryDatabase()
    for db in databases:
        total = total + db
    return AdvisoryIndex(total)
