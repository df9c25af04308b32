"""The plain data every source produces and every later stage reads.

A source (``blastradius.sources.*``) turns one input -- a lock file, a manifest, an installed
environment -- into a :class:`ResolvedProject`: the packages it pins and the edges between them,
exactly as the input states them. Nothing is evaluated yet: markers stay strings, extras and
groups stay labels on edges. :mod:`blastradius.graph` later decides which of them are in view.

Why edges carry ``via_extra`` and ``group`` instead of being pre-filtered: the same lock answers
"what runs in production" (no extras, no dev groups), "what runs with ``[proxy]``" and "what
does CI install" -- and the graph must be able to answer all three from one parse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

_NORMALISE = re.compile(r"[-_.]+")


@lru_cache(maxsize=65536)
def normalise_name(name: str) -> str:
    """PEP 503 normalised project name (also used for extras and group names). Cached: a big
    lock names each package once per edge, tens of thousands of times."""
    return _NORMALISE.sub("-", name).lower().strip()


# Where a package comes from. "registry" is an index (PyPI or a mirror); the others are direct
# references that bypass the index (and its hashes / advisories), so reports call them out.
SOURCE_KINDS = ("registry", "git", "path", "directory", "editable", "virtual", "url", "unknown")


@dataclass(frozen=True, order=True)
class Location:
    """A place in the scanned project: a path relative to the project root (POSIX separators)
    and, when known, a 1-based line. Reports and SARIF point here."""

    path: str
    line: int | None = None

    def __str__(self) -> str:
        return self.path if self.line is None else f"{self.path}:{self.line}"


@dataclass
class Package:
    """One pinned package as the input states it.

    ``key`` identifies the node; it is ``name==version`` unless the same name and version
    appear twice with different sources, in which case the source disambiguates it.
    ``marker`` is the node's own environment condition (uv ``resolution-markers``, Poetry 2.1
    ``markers``, PDM ``marker``, pylock ``marker``); edges carry their own markers separately.
    ``declared_groups`` are group labels the input itself attaches to the package (Poetry
    ``groups``/``category``, PDM ``groups``, Pipfile sections). They are used only where the
    input has no edges, to decide what belongs to the runtime view without inventing edges.
    """

    name: str
    version: str | None
    key: str = ""
    source: str = "registry"
    source_url: str | None = None
    hashes: tuple[str, ...] = ()
    marker: str | None = None
    declared_groups: tuple[str, ...] = ()
    is_root: bool = False
    location: Location | None = None
    extras: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        self.name = normalise_name(self.name)
        if not self.key:
            self.key = f"{self.name}=={self.version}" if self.version else f"{self.name}@{self.source}"

    @property
    def label(self) -> str:
        """Human form used in tables and paths: ``name version``."""
        return f"{self.name} {self.version}" if self.version else self.name


@dataclass(frozen=True)
class Dependency:
    """An edge ``parent -> child`` between package keys.

    ``marker``    environment marker under which the edge exists (PEP 508 string, no ``extra``).
    ``extras``    extras requested on the child (activate the child's own ``via_extra`` edges).
    ``via_extra`` the edge exists only when the parent is installed with this extra.
    ``group``     the edge belongs to the parent's dependency group (PEP 735 / dev groups);
                  only roots have grouped edges. ``None`` means the runtime (``main``) set.
    """

    parent: str
    child: str
    marker: str | None = None
    extras: tuple[str, ...] = ()
    via_extra: str | None = None
    group: str | None = None


@dataclass(frozen=True)
class Requirement:
    """A direct requirement as declared (with its range), for range checks against advisories
    ("``litellm>=1.80`` admits 1.82.7") and for reporting unlocked projects."""

    name: str
    specifier: str = ""
    extras: tuple[str, ...] = ()
    marker: str | None = None
    group: str | None = None
    location: Location | None = None
    url: str | None = None


@dataclass(frozen=True)
class ResolverInfo:
    """Which external resolver produced the pins of an unlocked project, and how."""

    name: str
    version: str | None
    online: bool
    command: tuple[str, ...] = ()
    binary_only: bool = True


@dataclass
class ResolvedProject:
    """Output of every source: the packages and edges of one input, plus honest notes on what
    the input could not tell (edges, transitive set)."""

    project_dir: str
    input_file: str
    input_kind: str
    packages: dict[str, Package] = field(default_factory=dict)
    dependencies: list[Dependency] = field(default_factory=list)
    requirements: list[Requirement] = field(default_factory=list)
    edges_complete: bool = True
    transitive_known: bool = True
    detection_reason: str = ""
    resolver: ResolverInfo | None = None
    notes: list[str] = field(default_factory=list)
    files_read: list[str] = field(default_factory=list)
    # Sets of mutually exclusive extras/groups (uv ``conflicts``), as uv's marker labels such as
    # ``extra-3-app-pyd1``: a view selecting several members counts the union of allowed installs.
    conflicts: tuple[frozenset[str], ...] = ()

    @property
    def roots(self) -> list[str]:
        return sorted(k for k, p in self.packages.items() if p.is_root)

    def add_package(self, package: Package) -> Package:
        """Insert a package, disambiguating a duplicate key by its source (never silently
        overwriting: two entries for one name and version are both kept)."""
        key = package.key
        if key in self.packages:
            base = f"{key}@{package.source}"
            key, n = base, 2
            while key in self.packages:
                key, n = f"{base}#{n}", n + 1
            package.key = key
        self.packages[key] = package
        return package
