"""``Pipfile.lock`` (JSON): an exact, flat package set per category -- and no edges at all.

``default`` is the runtime set (``declared_groups = ("main",)``), ``develop`` the dev set; newer
pipenv also writes custom categories, kept under their own name. The only real edges available
without guessing are:

* the root's declared ones, from the ``Pipfile`` next to the lock (``[packages]`` ->
  runtime, ``[dev-packages]`` -> group ``dev``, other categories -> that group);
* with ``LoadOptions.env_path``, every package's ``Requires-Dist`` read as metadata from that
  installed environment (nothing is imported; ``extra == ...`` becomes ``via_extra``).

Otherwise ``edges_complete`` is False and a note says so. An entry a platform left unresolved
(``"version": "*"`` and no hashes) is kept with version None and noted.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from blastradius.errors import SourceError
from blastradius.model import Dependency, Location, Package, Requirement, ResolvedProject, normalise_name
from blastradius.sources._io import display_path, load_json, load_toml, strip_credentials_from_url
from blastradius.sources._lock_common import pick_candidates, split_extra_marker, strip_extra_marker

KIND = "Pipfile.lock"
SECTION_GROUP = {"default": "main", "develop": "dev"}
PIPFILE_SECTION = {"packages": "default", "dev-packages": "develop"}
_PIPFILE_NON_PACKAGE = {"source", "requires", "scripts", "pipenv", "packages", "dev-packages"}
_KEY_LINE = re.compile(r'^(\s*)"((?:[^"\\]|\\.)*)"\s*:\s*\{')
_MARKER_KEYS = (
    "os_name", "sys_platform", "platform_machine", "platform_python_implementation", "platform_release",
    "platform_system", "platform_version", "python_version", "python_full_version", "implementation_name",
    "implementation_version",
)


def _entry_lines(text: str) -> dict[tuple[str, str], int]:
    """(section, raw name) -> line of ``"name": {`` in the JSON text (pipenv's 4-space layout,
    but any indentation works: the section is the last key seen one level up)."""
    found: dict[tuple[str, str], int] = {}
    section_indent: int | None = None
    section = ""
    for number, line in enumerate(text.splitlines(), start=1):
        match = _KEY_LINE.match(line)
        if not match:
            continue
        indent = len(match.group(1))
        if section_indent is None or indent <= section_indent:
            section_indent, section = indent, match.group(2)
        elif indent > section_indent:
            found.setdefault((section, match.group(2)), number)
    return found


def _version(entry: dict[str, Any]) -> str | None:
    raw = entry.get("version")
    if raw in (None, "", "*"):
        return None
    text = str(raw).strip()
    for prefix in ("===", "=="):
        if text.startswith(prefix):
            return text[len(prefix):].strip()
    return text


def _source(entry: dict[str, Any], indexes: dict[str, str]) -> tuple[str, str | None]:
    if entry.get("git"):
        url = strip_credentials_from_url(str(entry["git"]))
        ref = entry.get("ref")
        return "git", f"{url}@{ref}" if url and ref else url
    for key in ("path", "file"):
        if entry.get(key):
            where = str(entry[key])
            if entry.get("editable"):
                return "editable", where
            if "://" in where and not where.startswith("file:"):
                return "url", strip_credentials_from_url(where)
            if where.endswith((".whl", ".tar.gz", ".zip", ".tgz", ".tar.bz2")):
                return "path", where
            return "directory", where
    index = entry.get("index")
    return "registry", indexes.get(str(index)) if index else None


def _site_packages(env_path: Path) -> list[Path]:
    """Site directories of a venv root, or the directory itself when it holds dist-infos."""
    if not env_path.is_dir():
        raise SourceError("environment path is not a directory", env_path.as_posix())
    if (env_path / "pyvenv.cfg").is_file():
        found = sorted(env_path.glob("lib/python*/site-packages")) + sorted(env_path.glob("Lib/site-packages"))
        if not found:
            raise SourceError("virtual environment has no site-packages", env_path.as_posix())
        return found
    return [env_path]


def _installed_requires(env_path: Path) -> dict[str, tuple[str, list[str]]]:
    """``{name: (version, Requires-Dist)}`` read as metadata only -- nothing is imported."""
    from importlib import metadata as importlib_metadata

    found: dict[str, tuple[str, list[str]]] = {}
    for site in _site_packages(env_path):
        for dist in importlib_metadata.distributions(path=[str(site)]):
            name = dist.metadata["Name"] if dist.metadata is not None else None
            if not name:
                continue
            found.setdefault(normalise_name(str(name)), (str(dist.metadata["Version"] or ""), list(dist.requires or ())))
    return found


def _pipfile_requirements(
    pipfile: Path, project_dir: Path
) -> tuple[list[tuple[str, Requirement]], str]:
    """(lock section, Requirement) for every package the Pipfile declares."""
    shown = display_path(pipfile, project_dir)
    data, text = load_toml(pipfile, shown)
    lines = text.splitlines()
    header_at: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        match = re.match(r"^\s*\[([^\[\]]+)\]\s*$", line)
        if match:
            header_at.setdefault(match.group(1).strip(), number)
    out: list[tuple[str, Requirement]] = []
    for table_name, table in data.items():
        if table_name in _PIPFILE_NON_PACKAGE - {"packages", "dev-packages"} or not isinstance(table, dict):
            continue
        section = PIPFILE_SECTION.get(table_name, table_name)
        group = None if section == "default" else SECTION_GROUP.get(section, normalise_name(table_name))
        start = header_at.get(table_name)
        for raw_name, value in table.items():
            line = start
            if start is not None:
                for number in range(start + 1, len(lines) + 1):
                    if lines[number - 1].lstrip().startswith("["):
                        break
                    if re.match(r'^\s*"?' + re.escape(raw_name) + r'"?\s*=', lines[number - 1]):
                        line = number
                        break
            spec, extras, marker, url = "", (), None, None
            if isinstance(value, str):
                spec = "" if value.strip() == "*" else value.strip()
            elif isinstance(value, dict):
                version = value.get("version")
                spec = "" if version in (None, "*") else str(version)
                extras = tuple(sorted(normalise_name(e) for e in value.get("extras") or ()))
                parts = [str(value["markers"])] if value.get("markers") else []
                parts += [f"{k} {v}" if str(v)[:1] in "<>=!~" else f'{k} == "{v}"' for k, v in value.items() if k in _MARKER_KEYS]
                marker = " and ".join(f"({p})" if len(parts) > 1 else p for p in parts) or None
                for key in ("git", "path", "file"):
                    if value.get(key):
                        url = strip_credentials_from_url(str(value[key]))
                        break
            else:
                raise SourceError(f"[{table_name}] {raw_name}: expected a string or a table", shown, line)
            out.append(
                (
                    section,
                    Requirement(
                        name=normalise_name(raw_name),
                        specifier=spec,
                        extras=extras,
                        marker=marker,
                        group=group,
                        location=Location(shown, line),
                        url=url,
                    ),
                )
            )
    return out, shown


def load(path: Path, project_dir: Path, options: Any = None) -> ResolvedProject:
    shown = display_path(path, project_dir)
    data, text = load_json(path, shown)
    if not isinstance(data, dict):
        raise SourceError("expected a JSON object with `default` / `develop` sections", shown, 1)
    meta = data.get("_meta") if isinstance(data.get("_meta"), dict) else {}
    spec = meta.get("pipfile-spec")
    if spec is not None and spec != 6:
        raise SourceError(f"unsupported pipfile-spec {spec!r} (this tool reads 6)", shown)
    indexes = {
        str(s.get("name")): strip_credentials_from_url(str(s.get("url"))) or ""
        for s in meta.get("sources") or ()
        if isinstance(s, dict) and s.get("name") and s.get("url")
    }
    lines = _entry_lines(text)

    project = ResolvedProject(project_dir=str(project_dir), input_file=shown, input_kind=KIND)
    project.files_read.append(shown)
    by_name: dict[str, list[Package]] = {}
    by_section: dict[tuple[str, str], Package] = {}
    unresolved: list[str] = []

    sections = [k for k in data if k != "_meta"]
    sections.sort(key=lambda k: (k not in SECTION_GROUP, k != "default", k))
    for section in sections:
        table = data[section]
        if not isinstance(table, dict):
            raise SourceError(f"section {section!r} must be an object", shown, lines.get(("", section)))
        group = SECTION_GROUP.get(section, normalise_name(section))
        for raw_name, entry in table.items():
            line = lines.get((section, raw_name))
            if not isinstance(entry, dict):
                raise SourceError(f"{section}: entry {raw_name!r} must be an object", shown, line)
            kind, where = _source(entry, indexes)
            version = _version(entry)
            if "version" not in entry and kind == "registry":
                raise SourceError(f"{section}: package {raw_name!r} has no `version`", shown, line)
            name = normalise_name(raw_name)
            if version is None and kind == "registry":
                unresolved.append(name)
            existing = next(
                (p for p in by_name.get(name, ()) if p.version == version and p.source == kind and p.source_url == where),
                None,
            )
            if existing is not None:  # same pin in default and develop: one node, both groups
                existing.declared_groups = tuple(sorted(set(existing.declared_groups) | {group}))
                by_section[(section, name)] = existing
                continue
            marker = entry.get("markers") if isinstance(entry.get("markers"), str) else None
            package = Package(
                name=name,
                version=version,
                source=kind,
                source_url=where,
                hashes=tuple(sorted({str(h) for h in entry.get("hashes") or ()})),
                marker=strip_extra_marker(marker),
                declared_groups=(group,),
                location=Location(shown, line),
                extras=tuple(sorted(normalise_name(e) for e in entry.get("extras") or ())),
            )
            project.add_package(package)
            by_name.setdefault(name, []).append(package)
            by_section[(section, name)] = package

    if unresolved:
        project.notes.append(
            f"{len(unresolved)} entries unresolved for the platform that locked (version \"*\", no hashes): "
            + ", ".join(sorted(unresolved))
        )

    # Root edges: the Pipfile's declarations are real edges.
    pipfile = path.parent / "Pipfile"
    root = Package(name=normalise_name(project_dir.resolve().name or "project"), version=None, source="virtual", is_root=True)
    if pipfile.is_file():
        declared, pipfile_shown = _pipfile_requirements(pipfile, project_dir)
        project.files_read.append(pipfile_shown)
        root.location = Location(pipfile_shown, 1)
        project.add_package(root)
        missing: list[str] = []
        for section, req in declared:
            project.requirements.append(req)
            child = by_section.get((section, req.name))
            targets = [child] if child is not None else by_name.get(req.name, [])
            if not targets:
                missing.append(req.name)
                continue
            base, _ = split_extra_marker(req.marker)
            for target in targets:
                project.dependencies.append(
                    Dependency(
                        parent=root.key,
                        child=target.key,
                        marker=base if isinstance(base, str) else None,
                        extras=req.extras,
                        group=req.group,
                    )
                )
        if missing:
            project.notes.append(
                f"{pipfile_shown} declares {', '.join(sorted(set(missing)))} but {shown} has no entry for it "
                "(lock out of date?)"
            )
    else:
        project.add_package(root)
        project.notes.append(f"no Pipfile next to {shown}: the root's direct dependencies are unknown")

    env_path = getattr(options, "env_path", None) if options is not None else None
    if env_path is not None:
        _edges_from_environment(project, Path(env_path), by_name, root)
    else:
        project.edges_complete = False
        project.notes.append(
            "Pipfile.lock has no dependency edges: edges unknown beyond the Pipfile's direct dependencies "
            "(give the installed environment with --env to read them from Requires-Dist); package set is exact"
        )
    project.notes.append(f"{sum(len(v) for v in by_name.values())} lock entries in {len(sections)} sections")
    return project


def _edges_from_environment(
    project: ResolvedProject, env_path: Path, by_name: dict[str, list[Package]], root: Package
) -> None:
    """Fill package -> package edges from an installed environment's ``Requires-Dist``."""
    from packaging.requirements import InvalidRequirement
    from packaging.requirements import Requirement as Pep508

    installed = _installed_requires(env_path)
    not_installed: list[str] = []
    other_version: list[str] = []
    seen: set[Dependency] = set()
    for name in sorted(by_name):
        for package in by_name[name]:
            found = installed.get(name)
            if found is None:
                not_installed.append(package.name)
                continue
            version, requires = found
            if package.version is not None and version != package.version:
                other_version.append(f"{package.name} {package.version} (installed {version})")
            for text in requires:
                try:
                    req = Pep508(text)
                except InvalidRequirement:
                    continue
                child_name = normalise_name(req.name)
                candidates = by_name.get(child_name)
                if not candidates:
                    continue  # another platform's or an unrequested extra's dependency
                base, per_extra = split_extra_marker(str(req.marker) if req.marker else None)
                branches = ([(None, base)] if base is not False else []) + list(per_extra)
                constraint = (str(req.specifier),) if str(req.specifier) else ()
                chosen = pick_candidates(
                    candidates, [c.version for c in candidates], [c.marker for c in candidates], constraint,
                    [package.marker],
                )
                for child in chosen:
                    for via_extra, marker in branches:
                        edge = Dependency(
                            parent=package.key,
                            child=child.key,
                            marker=marker if isinstance(marker, str) else None,
                            extras=tuple(sorted(normalise_name(e) for e in req.extras)),
                            via_extra=via_extra,
                        )
                        if edge not in seen:
                            seen.add(edge)
                            project.dependencies.append(edge)
    shown_env = env_path.name or env_path.as_posix()
    if not_installed:
        project.edges_complete = False
        project.notes.append(
            f"edges from installed metadata in {shown_env} (Requires-Dist), not from the lock; "
            f"{len(not_installed)} locked packages are not installed there, their edges unknown: "
            + ", ".join(sorted(not_installed)[:10]) + (" ..." if len(not_installed) > 10 else "")
        )
    else:
        project.notes.append(f"edges from installed metadata in {shown_env} (Requires-Dist), not from the lock")
    if other_version:
        project.notes.append(
            "installed version differs from the lock for: " + ", ".join(sorted(other_version)[:10])
            + (" ..." if len(other_version) > 10 else "")
        )
