"""``poetry.lock`` (lock-version 1.1, 2.0, 2.1): edges are *constraints*, the root is not in it.

* ``[package.dependencies]`` maps a name (as the dependency declared it: normalise) to a
  constraint string, a table or a list of tables (one per marker branch). A constraint is not a
  pin: the edge goes to the locked entry of that name, and when a universal lock holds several
  entries of one name (``anyio 4.12.1`` for 3.9, ``4.16.0`` for >=3.10), to those the constraint
  admits and whose markers can hold together with the parent's.
* ``optional = true`` dependencies exist only under an extra of their parent: from the
  ``extra == '...'`` clause of their ``markers`` (2.x), else from ``[package.extras]`` (1.1).
* A dependency Poetry did not lock because its marker can never hold for the project's
  ``python-versions`` is skipped; any other dependency on a name the lock lacks is an error.
* The root comes from the ``pyproject.toml`` next to the lock: a synthetic root package with
  runtime edges, ``via_extra`` edges for extras and ``group`` edges for groups.
* 1.1 keeps hashes in ``[metadata.files]`` and the group in ``category``; 2.0 moved hashes to
  per-package ``files``; 2.1 adds per-package ``groups`` and ``markers``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from blastradius.errors import SourceError
from blastradius.model import Dependency, Location, Package, ResolvedProject, normalise_name
from blastradius.sources._io import display_path, strip_credentials_from_url
from blastradius.sources._lock_common import (
    open_package_lock,
    file_hashes,
    add_root_edges,
    and_markers,
    markers_compatible,
    python_range_marker,
    pick_candidates,
    poetry_specifier,
    split_extra_marker,
    strip_extra_marker,
)
from blastradius.sources._pyproject_roots import RootDeclaration, _python_marker, read_roots

KIND = "poetry.lock"
SUPPORTED_MAJORS = ("1", "2")


def _source(entry: dict[str, Any]) -> tuple[str, str | None]:
    source = entry.get("source")
    if not isinstance(source, dict) or not source.get("type"):
        return "registry", None
    kind = str(source["type"])
    url = strip_credentials_from_url(str(source.get("url") or "")) or None
    if kind == "git":
        commit = source.get("resolved_reference") or source.get("reference")
        if url and commit:
            url = f"{url}@{commit}"
        if url and source.get("subdirectory"):
            url = f"{url}#subdirectory={source['subdirectory']}"
        return "git", url
    if kind == "directory":
        return ("editable" if entry.get("develop") else "directory"), url
    if kind == "file":
        return "path", url
    if kind == "url":
        return "url", url
    if kind == "legacy":  # a private or secondary index: still a registry, but not the default one
        return "registry", url
    return "unknown", url


def _files_of_version(files: Any, version: str) -> Any:
    """1.1 keeps every version's files under one name in ``[metadata.files]``: keep the files
    whose name carries this version (all of them when none does)."""
    if not isinstance(files, list):
        return files
    tags = (f"-{version}-", f"-{version}.")
    mine = [f for f in files if isinstance(f, dict) and any(t in str(f.get("file", "")) for t in tags)]
    return mine or files


def _node_marker(markers: Any) -> str | None:
    """Poetry 2.1 ``markers``: a string, or a table of per-group markers (union over groups)."""
    if isinstance(markers, dict):
        values = [str(v) for v in markers.values() if v]
        if len(values) != len(markers) or not values:
            return None
        markers = values[0] if len(set(values)) == 1 else " or ".join(f"({v})" for v in sorted(set(values)))
    if not isinstance(markers, str):
        return None
    return strip_extra_marker(markers)


def _groups(entry: dict[str, Any]) -> tuple[str, ...]:
    groups = entry.get("groups")
    if isinstance(groups, list):
        return tuple(sorted(normalise_name(str(g)) for g in groups))
    category = entry.get("category")
    if isinstance(category, str):
        return (normalise_name(category),)
    return ()


def _extras_index(entry: dict[str, Any]) -> dict[str, list[str]]:
    """dependency name -> extras of this package that pull it in (from ``[package.extras]``)."""
    from packaging.requirements import InvalidRequirement
    from packaging.requirements import Requirement as Pep508

    index: dict[str, list[str]] = {}
    extras = entry.get("extras")
    if not isinstance(extras, dict):
        return index
    for extra, items in extras.items():
        for item in items or ():
            text = str(item)
            # Poetry writes "socksio (==1.*)" (legacy parenthesised form) or plain PEP 508.
            name = text.split("(")[0].split(";")[0].split("[")[0].strip()
            try:
                name = Pep508(text).name
            except InvalidRequirement:
                pass
            index.setdefault(normalise_name(name), []).append(normalise_name(extra))
    return index


def load(path: Path, project_dir: Path, options: object = None) -> ResolvedProject:
    shown = display_path(path, project_dir)
    data, text, metadata, entries, lines = open_package_lock(path, shown, "lock-version", SUPPORTED_MAJORS)
    legacy_files = metadata.get("files") if isinstance(metadata.get("files"), dict) else {}
    legacy_hashes = {normalise_name(k): v for k, v in legacy_files.items()}

    project = ResolvedProject(project_dir=str(project_dir), input_file=shown, input_kind=KIND)
    project.files_read.append(shown)
    by_name: dict[str, list[Package]] = {}
    parsed: list[tuple[Package, dict[str, Any], int | None]] = []

    for index, entry in enumerate(entries):
        line = lines[index] if index < len(lines) else None
        if not isinstance(entry, dict) or not entry.get("name"):
            raise SourceError("package entry without a `name`", shown, line)
        if entry.get("version") in (None, ""):
            raise SourceError(f"package {entry['name']!r} has no `version`", shown, line)
        kind, url = _source(entry)
        name = normalise_name(str(entry["name"]))
        files = entry.get("files") if "files" in entry else _files_of_version(legacy_hashes.get(name), str(entry["version"]))
        package = Package(
            name=name,
            version=str(entry["version"]),
            source=kind,
            source_url=url,
            hashes=file_hashes(files),
            marker=_node_marker(entry.get("markers")),
            declared_groups=_groups(entry),
            location=Location(shown, line),
            extras=tuple(sorted(normalise_name(e) for e in (entry.get("extras") or {}))),
        )
        project.add_package(package)
        by_name.setdefault(name, []).append(package)
        parsed.append((package, entry, line))

    python_range = python_range_marker(str(metadata.get("python-versions") or ""))
    skipped: list[str] = []

    def resolve(name: str, constraint: str | None, markers: list[str | None], owner: str, line: int | None,
                optional: bool) -> list[Package]:
        candidates = by_name.get(name)
        if not candidates:
            if optional or not markers_compatible(python_range, *markers):
                skipped.append(f"{owner} -> {name}")
                return []
            raise SourceError(f"{owner} depends on {name!r}, which is not in the lock", shown, line)
        return pick_candidates(
            candidates,
            [c.version for c in candidates],
            [c.marker for c in candidates],
            poetry_specifier(constraint),
            markers,
        )

    for package, entry, line in parsed:
        deps = entry.get("dependencies") or {}
        if not isinstance(deps, dict):
            raise SourceError(f"`dependencies` of {package.name} must be a table", shown, line)
        extras_of = _extras_index(entry)
        for raw_name, value in deps.items():
            name = normalise_name(raw_name)
            items = value if isinstance(value, list) else [value]
            for item in items:
                if isinstance(item, str):
                    item = {"version": item}
                if not isinstance(item, dict):
                    raise SourceError(f"malformed dependency {raw_name!r} of {package.name}", shown, line)
                marker = item.get("markers") if isinstance(item.get("markers"), str) else None
                if item.get("python"):
                    marker = and_markers(marker, _python_marker(str(item["python"])))
                if item.get("platform"):
                    marker = and_markers(marker, f'sys_platform == "{item["platform"]}"')
                base, per_extra = split_extra_marker(marker)
                optional = bool(item.get("optional"))
                branches: list[tuple[str | None, str | None]] = []  # (via_extra, marker)
                if per_extra or base is False:
                    if base is not False and not optional:
                        branches.append((None, base))
                    branches.extend(per_extra)
                elif optional:
                    branches.extend((extra, base) for extra in sorted(set(extras_of.get(name, []))))
                else:
                    branches.append((None, base))
                if not branches:
                    continue
                extras = tuple(sorted(normalise_name(e) for e in item.get("extras") or ()))
                # Resolve once per dependency (markers of all branches together).
                context = [package.marker, base if isinstance(base, str) else None]
                for child in resolve(name, item.get("version"), context, package.name, line, optional):
                    for via_extra, edge_marker in branches:
                        project.dependencies.append(
                            Dependency(
                                parent=package.key,
                                child=child.key,
                                marker=edge_marker if isinstance(edge_marker, str) else None,
                                extras=extras,
                                via_extra=via_extra,
                            )
                        )

    pyproject = path.parent / "pyproject.toml"
    if pyproject.is_file():
        declaration: RootDeclaration | None = read_roots(pyproject, project_dir)
        project.files_read.append(declaration.path)
        project.notes.extend(declaration.notes)
    else:
        declaration = None
    add_root_edges(project, declaration, by_name, path.parent, python_range, ("main",), "poetry.lock")

    if skipped:
        project.notes.append(
            f"{len(skipped)} dependencies not locked (optional, or markers never true for python "
            f"{metadata.get('python-versions') or 'any'}): " + ", ".join(sorted(set(skipped))[:10])
            + (" ..." if len(set(skipped)) > 10 else "")
        )
    project.notes.append(
        f"{len(entries)} lock entries (lock-version {metadata.get('lock-version') or 'unknown'}); edges are Poetry constraints "
        "resolved to locked entries by name, version and markers"
    )
    return project
