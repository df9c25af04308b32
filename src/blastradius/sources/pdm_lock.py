"""``pdm.lock`` (lock_version 3.x / 4.x): edges are PEP 508 strings, extras are separate entries.

PDM writes ``httpx[socks]`` as its own ``[[package]]`` (``extras = ["socks"]``) whose
dependencies are a self-edge ``httpx==0.28.1`` plus what the extra adds. One package is one
node here, so such entries are merged into their base: the extra's dependencies become
``via_extra`` edges of the base node, and a parent asking for ``httpx[socks]`` gets an edge to
the base with ``extras = ("socks",)``. An entry for several extras at once
(``extras = ["brotli", "socks"]``) cannot say which extra pulls which dependency; a dependency
also listed by a single-extra entry is attributed to that extra, any other to each extra of the
combination (over-reports for a subset request, never under-reports).

The root is not in the lock: it comes from the ``pyproject.toml`` next to it. ``groups`` per
package become ``declared_groups`` (``default`` = runtime; extras are groups too in PDM).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from blastradius.errors import SourceError
from blastradius.model import Dependency, Location, Package, ResolvedProject, normalise_name
from blastradius.sources._io import display_path, strip_credentials_from_url
from blastradius.sources._lock_common import (
    open_package_lock,
    file_hashes,
    add_root_edges,
    markers_compatible,
    pick_candidates,
    split_extra_marker,
    strip_extra_marker,
)
from blastradius.sources._pyproject_roots import read_roots

KIND = "pdm.lock"
SUPPORTED_MAJORS = ("3", "4")


class _Req:
    """The parts of a PEP 508 string this reader uses (``packaging``'s Requirement is ~30x
    slower and a 10,000-package lock holds ~50,000 of them)."""

    __slots__ = ("name", "extras", "specifier", "marker")

    def __init__(self, name: str, extras: set[str], specifier: str, marker: str | None) -> None:
        self.name, self.extras, self.specifier, self.marker = name, extras, specifier, marker


_SIMPLE = re.compile(
    r"^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[([^\]]*)\])?\s*"
    r"((?:(?:===|==|!=|<=|>=|~=|<|>)\s*[A-Za-z0-9.*+!_-]+\s*,?\s*)*)\s*(?:;\s*(.+?))?\s*$"
)


@lru_cache(maxsize=65536)
def _parse(text: str) -> _Req | None:
    match = _SIMPLE.match(text)
    if match and _specifier_ok(match.group(3)):
        extras = {e.strip() for e in (match.group(2) or "").split(",") if e.strip()}
        spec = re.sub(r"\s+", "", match.group(3) or "").rstrip(",")
        return _Req(match.group(1), extras, spec, match.group(4) or None)
    from packaging.requirements import InvalidRequirement
    from packaging.requirements import Requirement as Pep508

    try:
        parsed = Pep508(text)
    except InvalidRequirement:
        return None
    return _Req(parsed.name, set(parsed.extras), str(parsed.specifier), str(parsed.marker) if parsed.marker else None)


@lru_cache(maxsize=16384)
def _specifier_ok(spec: str | None) -> bool:
    if not spec or not spec.strip():
        return True
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        SpecifierSet(spec)
        return True
    except InvalidSpecifier:
        return False


def _source(entry: dict[str, Any]) -> tuple[str, str | None]:
    if entry.get("git"):
        url = strip_credentials_from_url(str(entry["git"]))
        rev = entry.get("revision") or entry.get("ref")
        return "git", f"{url}@{rev}" if rev else url
    if entry.get("path"):
        path = str(entry["path"])
        if entry.get("editable"):
            return "editable", path
        if path.endswith((".whl", ".tar.gz", ".zip", ".tar.bz2", ".tgz")):
            return "path", path
        return "directory", path
    if entry.get("url"):
        return "url", strip_credentials_from_url(str(entry["url"]))
    return "registry", None


def _python_range(metadata: dict[str, Any]) -> tuple[str | None, bool]:
    """Python range the lock targets, and whether its targets also restrict the platform."""
    from blastradius.sources._lock_common import python_range_marker

    targets = metadata.get("targets") if isinstance(metadata.get("targets"), list) else []
    restricted = any(isinstance(t, dict) and (t.get("platform") or t.get("implementation")) for t in targets)
    ranges = [str(t.get("requires_python")) for t in targets if isinstance(t, dict) and t.get("requires_python")]
    if not ranges and metadata.get("requires_python"):
        ranges = [str(metadata["requires_python"])]
    markers = [python_range_marker(r) for r in ranges]
    if not markers or any(m is None for m in markers):
        return None, restricted
    if len(markers) == 1:
        return markers[0], restricted
    return " or ".join(f"({m})" for m in markers), restricted


def load(path: Path, project_dir: Path, options: object = None) -> ResolvedProject:
    shown = display_path(path, project_dir)
    data, text, metadata, entries, lines = open_package_lock(path, shown, "lock_version", SUPPORTED_MAJORS)
    legacy_files = metadata.get("files") if isinstance(metadata.get("files"), dict) else {}

    project = ResolvedProject(project_dir=str(project_dir), input_file=shown, input_kind=KIND)
    project.files_read.append(shown)
    by_name: dict[str, list[Package]] = {}
    base_of: dict[tuple[str, str | None, str, str | None], Package] = {}
    extra_entries: list[tuple[tuple[str, str | None, str, str | None], tuple[str, ...], dict[str, Any], int | None]] = []
    parsed: list[tuple[Package, dict[str, Any], int | None]] = []

    for index, entry in enumerate(entries):
        line = lines[index] if index < len(lines) else None
        if not isinstance(entry, dict) or not entry.get("name"):
            raise SourceError("package entry without a `name`", shown, line)
        kind, url = _source(entry)
        version = entry.get("version")
        if version in (None, "") and kind == "registry":
            raise SourceError(f"package {entry['name']!r} has no `version`", shown, line)
        name = normalise_name(str(entry["name"]))
        identity = (name, str(version) if version is not None else None, kind, url)
        extras = tuple(sorted(normalise_name(e) for e in entry.get("extras") or ()))
        if extras:
            extra_entries.append((identity, extras, entry, line))
            continue
        files = entry.get("files") if "files" in entry else legacy_files.get(f"{entry['name']} {version}")
        package = Package(
            name=name,
            version=identity[1],
            source=kind,
            source_url=url,
            hashes=file_hashes(files),
            marker=strip_extra_marker(entry.get("marker")) if isinstance(entry.get("marker"), str) else None,
            declared_groups=tuple(sorted(normalise_name(str(g)) for g in entry.get("groups") or ())),
            location=Location(shown, line),
        )
        project.add_package(package)
        by_name.setdefault(name, []).append(package)
        base_of[identity] = package
        parsed.append((package, entry, line))

    # Extras entries: attach to their base (create the base from the extra entry if PDM did not
    # write one, which older locks sometimes do).
    single_extra_deps: dict[tuple[str, str | None, str, str | None], dict[str, set[str]]] = {}
    for identity, extras, entry, line in extra_entries:
        base = base_of.get(identity)
        if base is None:
            base = Package(
                name=identity[0],
                version=identity[1],
                source=identity[2],
                source_url=identity[3],
                hashes=file_hashes(entry.get("files")),
                marker=strip_extra_marker(entry.get("marker")) if isinstance(entry.get("marker"), str) else None,
                declared_groups=tuple(sorted(normalise_name(str(g)) for g in entry.get("groups") or ())),
                location=Location(shown, line),
            )
            project.add_package(base)
            by_name.setdefault(identity[0], []).append(base)
            base_of[identity] = base
        base.extras = tuple(sorted(set(base.extras) | set(extras)))
        if len(extras) == 1:
            for dep in entry.get("dependencies") or ():
                parsed_dep = _parse(str(dep))
                if parsed_dep is not None:
                    single_extra_deps.setdefault(identity, {}).setdefault(normalise_name(parsed_dep.name), set()).add(extras[0])

    python_range, platform_restricted = _python_range(metadata)
    skipped: list[str] = []
    seen_edges: set[Dependency] = set()

    def add_edges(parent: Package, deps: Any, line: int | None, extra_of: tuple[str, ...],
                  identity: tuple[str, str | None, str, str | None] | None) -> None:
        if deps is None:
            return
        if not isinstance(deps, list):
            raise SourceError(f"`dependencies` of {parent.name} must be an array", shown, line)
        for raw in deps:
            req = _parse(str(raw))
            if req is None:
                raise SourceError(f"{parent.name}: invalid dependency {raw!r}", shown, line)
            name = normalise_name(req.name)
            if extra_of and name == parent.name:
                continue  # the self-edge of an extras entry
            base, per_extra = split_extra_marker(req.marker)
            branches: list[tuple[str | None, str | None]] = []
            if base is not False:
                branches.append((None, base))
            branches.extend(per_extra)
            if extra_of:
                if len(extra_of) == 1:
                    owners = [extra_of[0]]
                else:
                    known = single_extra_deps.get(identity, {}).get(name) if identity else None
                    owners = sorted(known & set(extra_of)) if known and known & set(extra_of) else list(extra_of)
                branches = [(owner, m) for owner in owners for via, m in branches if via is None]
            if not branches:
                continue
            candidates = by_name.get(name)
            context = [parent.marker, base if isinstance(base, str) else None]
            if not candidates:
                if platform_restricted or not markers_compatible(python_range, *context):
                    skipped.append(f"{parent.name} -> {name}")
                    continue
                raise SourceError(f"{parent.name} depends on {name!r}, which is not in the lock", shown, line)
            constraint = (req.specifier,) if req.specifier else ()
            chosen = pick_candidates(
                candidates, [c.version for c in candidates], [c.marker for c in candidates], constraint, context
            )
            extras = tuple(sorted(normalise_name(e) for e in req.extras))
            for child in chosen:
                for via_extra, marker in branches:
                    edge = Dependency(
                        parent=parent.key,
                        child=child.key,
                        marker=marker if isinstance(marker, str) else None,
                        extras=extras,
                        via_extra=via_extra,
                    )
                    if edge not in seen_edges:
                        seen_edges.add(edge)
                        project.dependencies.append(edge)

    for package, entry, line in parsed:
        add_edges(package, entry.get("dependencies"), line, (), None)
    for identity, extras, entry, line in extra_entries:
        add_edges(base_of[identity], entry.get("dependencies"), line, extras, identity)

    pyproject = path.parent / "pyproject.toml"
    declaration = None
    if pyproject.is_file():
        declaration = read_roots(pyproject, project_dir)
        project.files_read.append(declaration.path)
        project.notes.extend(declaration.notes)
        locked_groups = {normalise_name(str(g)) for g in metadata.get("groups") or ()}
        if locked_groups:
            unlocked = sorted(
                g for g in [*declaration.groups, *declaration.extras] if g not in locked_groups
            )
            if unlocked:
                project.notes.append(
                    "groups/extras declared but not locked (pdm lock without -G): " + ", ".join(unlocked)
                )
    add_root_edges(project, declaration, by_name, path.parent, python_range, ("default",), "pdm.lock")

    if skipped:
        project.notes.append(
            f"{len(set(skipped))} dependencies not locked (markers never true for the lock's targets): "
            + ", ".join(sorted(set(skipped))[:10])
            + (" ..." if len(set(skipped)) > 10 else "")
        )
    project.notes.append(
        f"{len(entries)} lock entries ({len(extra_entries)} extras entries merged into their base package; "
        f"lock_version {metadata.get('lock_version') or 'unknown'})"
    )
    return project
