"""PEP 751 ``pylock.toml`` / ``pylock.<name>.toml``: an exact package set, edges optional.

The spec makes ``[[packages]].dependencies`` informational and optional, and uv's exporter never
writes it. Without it the lock still says exactly *which* packages get installed (and from
where, with which hashes) but not *why*: ``edges_complete`` is then False and a note says depth
and paths are unknown. Edges are never invented; the only edges added without ``dependencies``
are the root's declared ones, from a ``pyproject.toml`` next to the lock, which are real.

Packages may repeat a name under different markers (one per environment); each is its own node.
Markers may use PEP 751's set-valued ``extras`` / ``dependency_groups``: those clauses become
``declared_groups`` labels and the node keeps only the environment part of the marker.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from blastradius.errors import SourceError
from blastradius.model import Dependency, Location, Package, ResolvedProject, normalise_name
from blastradius.sources._io import display_path, header_lines, load_toml, strip_credentials_from_url
from blastradius.sources._lock_common import add_root_edges, pylock_marker_labels
from blastradius.sources._pyproject_roots import read_roots

KIND = "pylock.toml"
NO_EDGES_NOTE = "pylock.toml carries no dependency edges: depth and paths unknown; package set is exact"


def _line_of(text: str, key: str) -> int | None:
    for number, line in enumerate(text.splitlines(), start=1):
        if line.split("=")[0].strip() == key:
            return number
    return None


def _hash_list(table: Any) -> list[str]:
    if not isinstance(table, dict):
        return []
    hashes = table.get("hashes")
    if not isinstance(hashes, dict):
        return []
    return [f"{algo.lower()}:{value}" for algo, value in hashes.items() if value]


def _source(entry: dict[str, Any], shown: str, line: int | None) -> tuple[str, str | None, list[str]]:
    """(source kind, location, hashes) from the one source table a package carries."""
    vcs, directory, archive = entry.get("vcs"), entry.get("directory"), entry.get("archive")
    sdist, wheels = entry.get("sdist"), entry.get("wheels")
    kinds = [k for k, v in (("vcs", vcs), ("directory", directory), ("archive", archive)) if v is not None]
    if sdist is not None or wheels is not None:
        kinds.append("sdist/wheels")
    if len(kinds) > 1:
        raise SourceError(
            f"package {entry.get('name')!r} has more than one source ({', '.join(kinds)})", shown, line
        )
    if isinstance(vcs, dict):
        url = strip_credentials_from_url(str(vcs.get("url") or vcs.get("path") or ""))
        commit = vcs.get("commit-id") or vcs.get("requested-revision")
        where = f"{url}@{commit}" if url and commit else url
        if where and vcs.get("subdirectory"):
            where = f"{where}#subdirectory={vcs['subdirectory']}"
        return ("git" if str(vcs.get("type", "git")) == "git" else "url"), where or None, []
    if isinstance(directory, dict):
        path = str(directory.get("path") or ".")
        return ("editable" if directory.get("editable") else "directory"), path, []
    if isinstance(archive, dict):
        if archive.get("url"):
            return "url", strip_credentials_from_url(str(archive["url"])), _hash_list(archive)
        return "path", str(archive.get("path") or "") or None, _hash_list(archive)
    hashes: list[str] = []
    hashes += _hash_list(sdist)
    for wheel in wheels or ():
        hashes += _hash_list(wheel)
    index = entry.get("index")
    return "registry", strip_credentials_from_url(str(index)) if index else None, hashes


def load(path: Path, project_dir: Path, options: object = None) -> ResolvedProject:
    shown = display_path(path, project_dir)
    data, text = load_toml(path, shown)
    version = data.get("lock-version")
    if version is None:
        raise SourceError("missing `lock-version` (required by PEP 751)", shown)
    if str(version).split(".")[0] != "1":
        raise SourceError(
            f"unsupported pylock lock-version {version!r} (this tool reads 1.x)", shown, _line_of(text, "lock-version")
        )
    entries = data.get("packages")
    if entries is None:
        raise SourceError("missing `[[packages]]` (required by PEP 751)", shown)
    if not isinstance(entries, list):
        raise SourceError("`packages` must be an array of tables", shown)
    lines = header_lines(text, "[[packages]]")
    default_groups = tuple(str(g) for g in data.get("default-groups") or ())

    project = ResolvedProject(project_dir=str(project_dir), input_file=shown, input_kind=KIND)
    project.files_read.append(shown)
    by_name: dict[str, list[Package]] = {}
    parsed: list[tuple[Package, dict[str, Any], int | None]] = []
    with_edges = 0

    for index, entry in enumerate(entries):
        line = lines[index] if index < len(lines) else None
        if not isinstance(entry, dict) or not entry.get("name"):
            raise SourceError("package entry without a `name`", shown, line)
        kind, where, hashes = _source(entry, shown, line)
        pkg_version = entry.get("version")
        if pkg_version in (None, "") and kind == "registry":
            raise SourceError(f"package {entry['name']!r} has no `version`", shown, line)
        raw_marker = entry.get("marker") if isinstance(entry.get("marker"), str) else None
        env_marker, extras, groups, by_default = pylock_marker_labels(raw_marker, default_groups)
        declared = sorted({*(["main"] if by_default else []), *groups, *(f"extra:{e}" for e in extras)})
        package = Package(
            name=str(entry["name"]),
            version=str(pkg_version) if pkg_version not in (None, "") else None,
            source=kind,
            source_url=where,
            hashes=tuple(sorted(set(hashes))),
            marker=env_marker,
            declared_groups=tuple(declared),
            location=Location(shown, line),
            is_root=kind in ("editable", "directory") and where in (".", "./", ""),
        )
        project.add_package(package)
        by_name.setdefault(package.name, []).append(package)
        parsed.append((package, entry, line))
        if "dependencies" in entry:
            with_edges += 1

    def resolve(dep: Any, owner: Package, line: int | None) -> str:
        if not isinstance(dep, dict) or not dep.get("name"):
            raise SourceError(f"malformed dependency of {owner.name} (expected a table with `name`)", shown, line)
        name = normalise_name(str(dep["name"]))
        candidates = by_name.get(name)
        if not candidates:
            raise SourceError(f"{owner.name} depends on {name!r}, which is not in the lock", shown, line)
        if len(candidates) > 1 and dep.get("version") is not None:
            candidates = [c for c in candidates if c.version == str(dep["version"])] or candidates
        if len(candidates) > 1:
            for key in ("vcs", "directory", "archive"):
                if isinstance(dep.get(key), dict):
                    wanted = dep[key].get("url") or dep[key].get("path")
                    narrowed = [c for c in candidates if c.source_url and wanted and str(c.source_url).startswith(
                        strip_credentials_from_url(str(wanted)) or "")]
                    candidates = narrowed or candidates
        return candidates[0].key

    for package, entry, line in parsed:
        deps = entry.get("dependencies")
        if deps is None:
            continue
        if not isinstance(deps, list):
            raise SourceError(f"`dependencies` of {package.name} must be an array of tables", shown, line)
        for dep in deps:
            project.dependencies.append(Dependency(parent=package.key, child=resolve(dep, package, line)))

    if not entries or with_edges < len(entries):
        project.edges_complete = False
        if with_edges == 0:
            project.notes.append(NO_EDGES_NOTE)
        else:
            project.notes.append(
                f"pylock.toml gives dependency edges for {with_edges} of {len(entries)} packages: "
                "depth and paths of the others unknown; package set is exact"
            )

    pyproject = path.parent / "pyproject.toml"
    if pyproject.is_file():
        declaration = read_roots(pyproject, project_dir)
        roots = [p for p in project.packages.values() if p.is_root]
        if not roots or (declaration.name and roots[0].name == declaration.name):
            project.files_read.append(declaration.path)
            project.notes.extend(declaration.notes)
            add_root_edges(project, declaration, by_name, path.parent, None, ("main",), path.name,
                           root_package=roots[0] if roots else None)
            project.notes.append(f"root edges from {declaration.path} (declared, not from the lock)")

    created_by = data.get("created-by")
    project.notes.append(
        f"{len(entries)} lock entries (lock-version {version}, created by {created_by or 'unknown'})"
    )
    return project
