"""``pyproject.toml`` alone (no lock): the declared roots, then a resolver for the rest.

The declarations (PEP 621 dependencies and optional-dependencies, PEP 735 groups, Poetry
dependencies and groups) are read by :mod:`blastradius.sources._pyproject_roots`; this module
turns them into a root with labelled edges (``via_extra`` for extras, ``group`` for groups) and
asks :mod:`blastradius.sources.resolver` what they resolve to -- or, offline, shows the direct
requirements alone and says the transitive set is unknown.

``dynamic = ["dependencies"]`` means the build backend computes the list: that is "unknown", not
"none". The one dynamic form that is plain data -- setuptools' ``[tool.setuptools.dynamic]
dependencies = { file = [...] }`` -- is followed by reading those requirements files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement
from packaging.requirements import Requirement as PackagingRequirement

from blastradius.errors import SourceError
from blastradius.model import Location, Package, Requirement, ResolvedProject, normalise_name
from blastradius.sources._io import display_path, load_toml, read_text
from blastradius.sources._pyproject_roots import RootDeclaration, read_roots

KIND = "pyproject.toml"
DYNAMIC_NOTE = "dependencies are dynamic (unknown)"


def read_declared(pyproject: Path, project_dir: Path) -> RootDeclaration:
    """The project's declarations (shared with the requirements and environment sources)."""
    return read_roots(pyproject, project_dir)


def declared_pairs(declaration: RootDeclaration) -> list[tuple[Requirement, str | None]]:
    """Every declared requirement with the root extra it sits behind (None = not an extra).
    Groups are on ``Requirement.group``."""
    pairs: list[tuple[Requirement, str | None]] = [(r, None) for r in declaration.requirements]
    for extra in sorted(declaration.extras):
        pairs.extend((r, extra) for r in declaration.extras[extra])
    for group in sorted(declaration.groups):
        pairs.extend((r, None) for r in declaration.groups[group])
    return pairs


def _dynamic_files(data: dict[str, Any], key: str) -> list[str] | None:
    """``[tool.setuptools.dynamic] <key> = { file = ... }`` -> the file list (None when absent)."""
    dynamic = ((data.get("tool") or {}).get("setuptools") or {}).get("dynamic") or {}
    spec = dynamic.get(key)
    if not isinstance(spec, dict) or "file" not in spec:
        return None
    files = spec["file"]
    if isinstance(files, str):
        return [files]
    if isinstance(files, list) and all(isinstance(f, str) for f in files):
        return list(files)
    return None


def _read_dynamic_requirements(
    files: list[str], project_dir: Path, shown: str, group: str | None
) -> tuple[list[Any], list[str]]:
    """Requirements named by setuptools' dynamic ``file`` list, parsed as requirements files."""
    from blastradius.sources.requirements import parse_file

    entries: list[Any] = []
    read: list[str] = []
    root = project_dir.resolve()
    for name in files:
        candidate = (project_dir / name).resolve()
        try:
            candidate.relative_to(root)
        except ValueError:
            raise SourceError(f"[tool.setuptools.dynamic] file {name!r} is outside the project", shown) from None
        if not candidate.is_file():
            raise SourceError(f"[tool.setuptools.dynamic] file {name!r} not found", shown)
        parsed = parse_file(candidate, project_dir)
        entries.extend(parsed.entries)
        read.extend(parsed.files_read)
    return entries, read


def load(path: Path, project_dir: Path, options: Any = None) -> ResolvedProject:
    from blastradius.sources.resolver import DirectRequirement, resolve_into

    shown = display_path(path, project_dir)
    declaration = read_declared(path, project_dir)
    data, _ = load_toml(path, shown)
    project = ResolvedProject(project_dir=str(project_dir), input_file=shown, input_kind=KIND)
    project.files_read.append(shown)
    follows_dynamic = declaration.dynamic_dependencies and _dynamic_files(data, "dependencies")
    project.notes.extend(n for n in declaration.notes if not (follows_dynamic and "dynamic" in n))

    name = declaration.name or project_dir.resolve().name or "project"
    root = project.add_package(
        Package(
            name=name,
            version=declaration.version,
            key=f"{normalise_name(name)}@root",
            source="virtual",
            is_root=True,
            location=Location(shown, declaration.line),
        )
    )
    project.requirements.extend(declaration.all_requirements())
    direct = [DirectRequirement(req, via_extra) for req, via_extra in declared_pairs(declaration)]

    if declaration.dynamic_dependencies:
        files = _dynamic_files(data, "dependencies")
        if files:
            entries, read = _read_dynamic_requirements(files, project_dir, shown, None)
            project.files_read.extend(read)
            for entry in entries:
                requirement = entry.as_requirement()
                project.requirements.append(requirement)
                direct.append(DirectRequirement(requirement, None, entry))
            project.notes.append(
                f"{DYNAMIC_NOTE} in [project]; read from {', '.join(files)} as [tool.setuptools.dynamic] says"
            )
        else:
            project.transitive_known = False
            project.notes.append(f"{DYNAMIC_NOTE}: the build backend computes them and blastradius never runs it")
    dynamic = {str(d) for d in (data.get("project") or {}).get("dynamic") or ()}
    if "optional-dependencies" in dynamic:
        optional = ((data.get("tool") or {}).get("setuptools") or {}).get("dynamic", {}).get("optional-dependencies")
        if isinstance(optional, dict):
            for extra, spec in sorted(optional.items()):
                files = spec.get("file") if isinstance(spec, dict) else None
                files = [files] if isinstance(files, str) else files
                if not isinstance(files, list):
                    continue
                entries, read = _read_dynamic_requirements(files, project_dir, shown, None)
                project.files_read.extend(f for f in read if f not in project.files_read)
                for entry in entries:
                    direct.append(DirectRequirement(entry.as_requirement(), normalise_name(extra), entry))
        else:
            project.notes.append("optional-dependencies are dynamic (unknown)")

    if "project" not in data and not declaration.requirements and not declaration.extras:
        _legacy_setuptools(project, path.parent, project_dir, direct)

    runtime = sum(1 for d in direct if d.via_extra is None and d.requirement.group is None)
    extras = {d.via_extra for d in direct if d.via_extra}
    project.notes.append(
        f"manifest only: {runtime} runtime requirements, {len(extras)} extras, "
        f"{len(declaration.groups)} groups declared"
    )
    requires_python = (data.get("project") or {}).get("requires-python")
    if not isinstance(requires_python, str):
        poetry_python = (((data.get("tool") or {}).get("poetry") or {}).get("dependencies") or {}).get("python")
        requires_python = _poetry_python(poetry_python)
    resolve_into(project, root, direct, options, requires_python=requires_python)
    return project


def _poetry_python(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    from blastradius.sources._lock_common import poetry_specifier

    branches = poetry_specifier(value)
    if not branches:
        return None
    return branches[0]


def _legacy_setuptools(project: ResolvedProject, folder: Path, project_dir: Path, direct: list[Any]) -> None:
    """A pyproject without ``[project]`` (build-system and tool tables only) declares its
    dependencies the setuptools way: statically in ``setup.cfg`` (read here, as INI, never run)
    or in ``setup.py`` (code: never run, so the runtime set is unknown)."""
    import configparser

    from blastradius.sources.resolver import DirectRequirement

    setup_cfg = folder / "setup.cfg"
    if setup_cfg.is_file():
        shown = display_path(setup_cfg, project_dir)
        text = read_text(setup_cfg, shown)
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read_string(text, source=shown)
        except configparser.Error as exc:
            line = getattr(exc, "lineno", None)
            raise SourceError(f"invalid setup.cfg: {type(exc).__name__}", shown, line) from None
        lines = text.splitlines()

        def line_of(value: str) -> int | None:
            for number, raw in enumerate(lines, start=1):
                if raw.strip() == value or raw.strip().startswith(value + " ") or raw.strip().endswith("= " + value):
                    return number
            return None

        sections = [("options", "install_requires", None)]
        if parser.has_section("options.extras_require"):
            sections += [("options.extras_require", key, normalise_name(key)) for key in parser.options("options.extras_require")]
        found = 0
        for section, key, extra in sections:
            if not parser.has_option(section, key):
                continue
            for item in parser.get(section, key).splitlines():
                item = item.split("#", 1)[0].strip()
                if not item:
                    continue
                try:
                    parsed = PackagingRequirement(item)
                except InvalidRequirement:
                    raise SourceError(f"invalid requirement in [{section}] {key}", shown, line_of(item)) from None
                requirement = Requirement(
                    name=normalise_name(parsed.name),
                    specifier=str(parsed.specifier),
                    extras=tuple(sorted(normalise_name(e) for e in parsed.extras)),
                    marker=str(parsed.marker) if parsed.marker else None,
                    location=Location(shown, line_of(item)),
                    url=parsed.url,
                )
                project.requirements.append(requirement)
                direct.append(DirectRequirement(requirement, extra))
                found += 1
        project.files_read.append(shown)
        project.notes.append(f"no [project] table: {found} requirements read from setup.cfg (static, never run)")
        return
    if (folder / "setup.py").is_file():
        project.transitive_known = False
        project.notes.append(
            "no [project] table: dependencies are declared in setup.py, which blastradius never runs: runtime set unknown"
        )
