"""``uv.lock``: the richest input -- full edges with markers, extras, groups and workspaces.

Node identity is (name, version[, source]): a universal lock can hold two versions of one
package under different ``resolution-markers``; a dependency table then names the version (and
source) it means. uv writes ``version``/``source`` on a dependency only when the name alone is
ambiguous, so resolution is: by name when unique, else by version, else by source.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from blastradius.errors import SourceError
from blastradius.model import Dependency, Location, Package, Requirement, ResolvedProject, normalise_name
from blastradius.sources._io import display_path, header_lines, parse_toml, read_text, strip_credentials_from_url

KIND = "uv.lock"


def _source_kind(source: dict[str, Any] | None) -> tuple[str, str | None]:
    if not source:
        return "unknown", None
    for kind in ("registry", "git", "url", "path", "directory", "editable", "virtual"):
        if kind in source:
            return kind, strip_credentials_from_url(str(source[kind]))
    return "unknown", None


def _hashes(entry: dict[str, Any]) -> tuple[str, ...]:
    found: list[str] = []
    sdist = entry.get("sdist")
    if isinstance(sdist, dict) and sdist.get("hash"):
        found.append(str(sdist["hash"]))
    for wheel in entry.get("wheels") or ():
        if isinstance(wheel, dict) and wheel.get("hash"):
            found.append(str(wheel["hash"]))
    return tuple(sorted(set(found)))


def _marker_union(markers: list[str] | None) -> str | None:
    if not markers:
        return None
    if len(markers) == 1:
        return markers[0]
    return " or ".join(f"({m})" for m in markers)


_ARTIFACT_HASH = re.compile(r'hash = "([A-Za-z0-9]+:[0-9a-fA-F]+)"')


def _without_artifacts(text: str) -> tuple[str, list[set[str]]] | None:
    """The lock with its ``sdist``/``wheels`` lines blanked, and each package's artifact hashes.

    Those lines are most of a real lock (a package with native code lists a wheel per platform)
    and all blastradius needs from them is the hashes: parsing the rest is ~10x faster on the
    litellm proxy lock. Lines are blanked, not removed, so TOML errors keep their line numbers.
    ``None`` when the layout is not the one uv writes; the caller then parses everything.
    """
    out: list[str] = []
    hashes: list[set[str]] = []
    in_wheels = False
    for line in text.split("\n"):
        if in_wheels:
            hashes[-1].update(_ARTIFACT_HASH.findall(line))
            in_wheels = line.strip() != "]"
            out.append("")
            continue
        if line == "[[package]]":
            hashes.append(set())
        elif line.startswith(("sdist = {", "wheels = [")):
            if not hashes:
                return None
            hashes[-1].update(_ARTIFACT_HASH.findall(line))
            in_wheels = line.startswith("wheels = [") and not line.rstrip().endswith("]")
            out.append("")
            continue
        out.append(line)
    return None if in_wheels else ("\n".join(out), hashes)


def load(path: Path, project_dir: Path, options: object = None) -> ResolvedProject:
    shown = display_path(path, project_dir)
    text = read_text(path, shown)
    stripped = _without_artifacts(text)
    data = parse_toml(stripped[0] if stripped else text, shown)
    lines = header_lines(text, "[[package]]")
    entries = data.get("package")
    if entries is None:
        entries = []
    if not isinstance(entries, list):
        raise SourceError("`package` must be an array of tables", shown)
    artifact_hashes = stripped[1] if stripped and len(stripped[1]) == len(entries) else None
    if stripped and artifact_hashes is None:  # an unexpected layout: read the artifacts too
        data = parse_toml(text, shown)
        entries = data.get("package") or []
    version = data.get("version")
    if version is not None and version != 1:
        raise SourceError(f"unsupported uv.lock schema version {version!r} (this tool reads version 1)", shown)

    project = ResolvedProject(project_dir=str(project_dir), input_file=shown, input_kind=KIND)
    project.files_read.append(shown)
    by_name: dict[str, list[Package]] = {}
    raw_for_key: list[tuple[Package, dict[str, Any], int | None]] = []

    for index, entry in enumerate(entries):
        line = lines[index] if index < len(lines) else None
        if not isinstance(entry, dict) or not entry.get("name"):
            raise SourceError("package entry without a `name`", shown, line)
        kind, url = _source_kind(entry.get("source"))
        pkg_version = entry.get("version")
        if pkg_version is None and kind in ("registry", "unknown"):
            raise SourceError(f"package {entry['name']!r} has no `version`", shown, line)
        package = Package(
            name=str(entry["name"]),
            version=str(pkg_version) if pkg_version is not None else None,
            source=kind,
            source_url=url,
            hashes=tuple(sorted(artifact_hashes[index])) if artifact_hashes is not None else _hashes(entry),
            marker=_marker_union(entry.get("resolution-markers")),
            location=Location(shown, line),
            extras=tuple(sorted((entry.get("optional-dependencies") or {}).keys())),
        )
        project.add_package(package)
        by_name.setdefault(package.name, []).append(package)
        raw_for_key.append((package, entry, line))

    # `[tool.uv] conflicts`, as uv's marker labels (`extra-3-app-pyd1`), for the graph's views.
    project.conflicts = tuple(
        frozenset(
            f"{kind}-{len(name)}-{name}-{normalise_name(str(item[kind]))}"
            for item in conflict if isinstance(item, dict)
            for name in [normalise_name(str(item.get("package", "")))]
            for kind in ("extra", "group") if item.get(kind)
        )
        for conflict in data.get("conflicts") or () if isinstance(conflict, list)
    )
    members = {normalise_name(m) for m in (data.get("manifest") or {}).get("members", [])}
    for package, entry, _line in raw_for_key:
        is_local = package.source in ("editable", "virtual")
        local_at_root = is_local and package.source_url in (".", "./", "")
        if (members and package.name in members and is_local) or (not members and local_at_root):
            package.is_root = True
    if not any(p.is_root for p in project.packages.values()):
        # A lock of a project whose root is not "." (rare): every local package nobody depends on.
        depended = {normalise_name(d.get("name", "")) for _, e, _ in raw_for_key for d in e.get("dependencies") or ()}
        for package, _, _ in raw_for_key:
            if package.source in ("editable", "virtual") and package.name not in depended:
                package.is_root = True

    def resolve(dep: dict[str, Any], line: int | None, owner: str) -> str:
        name = normalise_name(str(dep.get("name", "")))
        candidates = by_name.get(name)
        if not candidates:
            raise SourceError(f"{owner} depends on {name!r}, which is not in the lock", shown, line)
        if len(candidates) == 1:
            return candidates[0].key
        wanted_version = dep.get("version")
        narrowed = [c for c in candidates if wanted_version is None or c.version == str(wanted_version)]
        if len(narrowed) > 1 and dep.get("source"):
            kind, url = _source_kind(dep["source"])
            narrowed = [c for c in narrowed if c.source == kind and c.source_url == url] or narrowed
        if not narrowed:
            raise SourceError(
                f"{owner} depends on {name} {wanted_version}, which is not in the lock", shown, line
            )
        return narrowed[0].key

    def edges_from(deps: Any, parent: Package, line: int | None, via_extra: str | None, group: str | None) -> None:
        for dep in deps or ():
            if not isinstance(dep, dict):
                raise SourceError(f"malformed dependency of {parent.name}", shown, line)
            extras = tuple(sorted(normalise_name(e) for e in dep.get("extra") or ()))
            project.dependencies.append(
                Dependency(
                    parent=parent.key,
                    child=resolve(dep, line, parent.name),
                    marker=dep.get("marker"),
                    extras=extras,
                    via_extra=via_extra,
                    group=group,
                )
            )

    for package, entry, line in raw_for_key:
        edges_from(entry.get("dependencies"), package, line, None, None)
        for extra, deps in sorted((entry.get("optional-dependencies") or {}).items()):
            edges_from(deps, package, line, normalise_name(extra), None)
        for group, deps in sorted((entry.get("dev-dependencies") or {}).items()):
            edges_from(deps, package, line, None, normalise_name(group))
        if package.is_root:
            _declared_requirements(project, package, entry.get("metadata") or {}, line, shown)

    _point_requirements_at_manifest(project, path.parent, project_dir)
    project.notes.append(f"{len(entries)} lock entries; edges, markers and extras as written by uv")
    return project


def _point_requirements_at_manifest(project: ResolvedProject, folder: Path, project_dir: Path) -> None:
    """A declared range is written in pyproject.toml, not in the lock: point range findings
    ("``litellm>=1.80`` admits 1.82.7") at the manifest line when the manifest is there."""
    manifest = folder / "pyproject.toml"
    if not project.requirements or not manifest.is_file():
        return
    from dataclasses import replace

    from blastradius.sources._pyproject_roots import read_roots

    try:
        declared = read_roots(manifest, project_dir).all_requirements()
    except SourceError:  # the lock is the input; a broken manifest only costs the better line
        return
    where = {}
    for requirement in declared:
        if requirement.location is not None and requirement.location.line is not None:
            where.setdefault((requirement.name, requirement.group), requirement.location)
            where.setdefault((requirement.name, None), requirement.location)
    project.requirements = [
        replace(r, location=where.get((r.name, r.group)) or where.get((r.name, None)) or r.location)
        for r in project.requirements
    ]


def _declared_requirements(
    project: ResolvedProject, root: Package, metadata: dict[str, Any], line: int | None, shown: str
) -> None:
    """The root's own declared ranges (``requires-dist``), kept for range-vs-advisory checks."""

    def add(items: Any, group: str | None) -> None:
        for item in items or ():
            if not isinstance(item, dict) or "name" not in item:
                continue
            url = item.get("url") or item.get("git") or item.get("path") or item.get("directory")
            project.requirements.append(
                Requirement(
                    name=normalise_name(str(item["name"])),
                    specifier=str(item.get("specifier") or ""),
                    extras=tuple(sorted(normalise_name(e) for e in item.get("extras") or ())),
                    marker=item.get("marker"),
                    group=group,
                    location=Location(shown, line),
                    url=strip_credentials_from_url(str(url)) if url else None,
                )
            )

    add(metadata.get("requires-dist"), None)
    for group, items in sorted((metadata.get("requires-dev") or {}).items()):
        add(items, normalise_name(group))
