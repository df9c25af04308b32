"""What a project's own ``pyproject.toml`` declares: the root of every lock that does not list
the project itself (poetry.lock, pdm.lock) and the whole input of an unlocked project.

One reader for every dialect, because real projects mix them: PEP 621 ``[project]`` with
``[project.optional-dependencies]``, PEP 735 ``[dependency-groups]`` (``{include-group = ...}``),
Poetry ``[tool.poetry.dependencies]`` / ``[tool.poetry.group.<g>.dependencies]`` / legacy
``dev-dependencies`` and ``[tool.poetry.extras]``, PDM ``[tool.pdm.dev-dependencies]`` and uv
``[tool.uv] dev-dependencies``. Poetry 2 rule [verified-run]: when ``[project].dependencies``
is present, ``[tool.poetry.dependencies]`` only *enriches* those names (path/git source); it
declares the runtime set only when ``[project]`` does not.

Ranges are kept as PEP 440 specifier text (Poetry ``^``/``~`` converted) with the line they were
declared on, for range-vs-advisory checks and for SARIF.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from blastradius.errors import SourceError
from blastradius.model import Location, Requirement, normalise_name
from blastradius.sources._io import display_path, load_toml, strip_credentials_from_url
from blastradius.sources._lock_common import and_markers, poetry_specifier


@dataclass
class RootDeclaration:
    """A project's declared (unresolved) dependencies.

    ``requirements``  runtime set (``group`` None).
    ``extras``        extra name (normalised) -> requirements it adds (``group`` None).
    ``groups``        group name (normalised) -> requirements (``group`` = that name); PEP 735,
                      Poetry groups (``dev-dependencies`` -> ``dev``), PDM / uv dev groups.
    ``dynamic_dependencies``  the runtime set is computed by the build backend and no tool table
                      states it: "unknown", not "none".
    ``optional_groups``  Poetry groups marked ``optional = true`` (not installed by default).
    """

    name: str | None
    version: str | None
    requirements: list[Requirement] = field(default_factory=list)
    extras: dict[str, list[Requirement]] = field(default_factory=dict)
    groups: dict[str, list[Requirement]] = field(default_factory=dict)
    dynamic_dependencies: bool = False
    path: str = "pyproject.toml"
    line: int | None = None
    optional_groups: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list)

    def all_requirements(self) -> list[Requirement]:
        """Every declaration as one flat list for ``ResolvedProject.requirements``: extras carry
        ``extra == "<name>"`` in their marker (as in wheel metadata), groups carry ``group``."""
        out = list(self.requirements)
        for extra, reqs in sorted(self.extras.items()):
            for req in reqs:
                out.append(
                    Requirement(
                        name=req.name,
                        specifier=req.specifier,
                        extras=req.extras,
                        marker=and_markers(req.marker, f'extra == "{extra}"'),
                        group=None,
                        location=req.location,
                        url=req.url,
                    )
                )
        for group in sorted(self.groups):
            out.extend(self.groups[group])
        return out


# ---------------------------------------------------------------------------------------------
# Line lookup: the line a declaration sits on, for reports. Cheap and approximate by design:
# search forward from the section header for the declaration's text.

_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")


class _Lines:
    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.headers: dict[str, int] = {}
        for number, line in enumerate(self.lines, start=1):
            match = _HEADER.match(line)
            if match:
                key = re.sub(r"\s*\.\s*", ".", match.group(1)).replace('"', "").replace("'", "")
                self.headers.setdefault(key, number)

    def header(self, key: str) -> int | None:
        return self.headers.get(key)

    def find(self, start: int | None, needles: list[str], stop_at_header: bool = True) -> int | None:
        if start is None:
            return None
        for number in range(start + 1, len(self.lines) + 1):
            line = self.lines[number - 1]
            if stop_at_header and _HEADER.match(line):
                break
            if any(n in line for n in needles):
                return number
        return None

    def key_line(self, start: int | None, key: str) -> int | None:
        """Line of ``key = ...`` (bare or quoted) inside the table starting at ``start``."""
        if start is None:
            return None
        pattern = re.compile(r"^\s*(?:" + re.escape(key) + r"|\"" + re.escape(key) + r"\"|'" + re.escape(key) + r"')\s*=")
        for number in range(start + 1, len(self.lines) + 1):
            line = self.lines[number - 1]
            if _HEADER.match(line):
                break
            if pattern.match(line):
                return number
        return None


# ---------------------------------------------------------------------------------------------


def _pep508(
    text: Any, group: str | None, shown: str, line: int | None, what: str
) -> Requirement:
    from packaging.requirements import InvalidRequirement
    from packaging.requirements import Requirement as Pep508

    if not isinstance(text, str):
        raise SourceError(f"{what}: expected a PEP 508 string, got {type(text).__name__}", shown, line)
    try:
        parsed = Pep508(text)
    except InvalidRequirement as exc:
        first = str(exc).splitlines()[0] if str(exc) else "invalid requirement"
        raise SourceError(f"{what}: invalid requirement {text!r}: {first}", shown, line) from None
    return Requirement(
        name=normalise_name(parsed.name),
        specifier=str(parsed.specifier),
        extras=tuple(sorted(normalise_name(e) for e in parsed.extras)),
        marker=str(parsed.marker) if parsed.marker else None,
        group=group,
        location=Location(shown, line),
        url=strip_credentials_from_url(parsed.url) if parsed.url else None,
    )


_EGG = re.compile(r"[#&]egg=([A-Za-z0-9][A-Za-z0-9._-]*)")


def _pdm_entry(text: Any, group: str, shown: str, line: int | None) -> Requirement:
    """PDM dev-dependency strings may be ``-e <path-or-url>`` lines (pip syntax)."""
    if isinstance(text, str) and text.lstrip().startswith("-e"):
        target = text.lstrip()[2:].strip()
        egg = _EGG.search(target)
        name = egg.group(1) if egg else target.rstrip("/").split("#")[0].rsplit("/", 1)[-1]
        return Requirement(
            name=normalise_name(name),
            group=group,
            location=Location(shown, line),
            url=strip_credentials_from_url(target.split("#")[0]),
        )
    return _pep508(text, group, shown, line, f"[tool.pdm.dev-dependencies] {group}")


def _python_marker(constraint: str) -> str | None:
    branches = poetry_specifier(constraint)
    if not branches:
        return None
    from packaging.specifiers import SpecifierSet

    parts = []
    for branch in branches:
        clauses = [f'python_version {s.operator} "{s.version}"' for s in sorted(SpecifierSet(branch), key=str)]
        parts.append(" and ".join(clauses))
    if len(parts) == 1:
        return parts[0]
    return " or ".join(f"({p})" for p in parts)


def poetry_requirements(
    name: str, value: Any, group: str | None, shown: str, line: int | None
) -> list[tuple[Requirement, bool]]:
    """A Poetry dependency declaration (string, table or list of tables) as requirements,
    each with its ``optional`` flag."""
    out: list[tuple[Requirement, bool]] = []
    items = value if isinstance(value, list) else [value]
    for item in items:
        if isinstance(item, str):
            item = {"version": item}
        if not isinstance(item, dict):
            raise SourceError(f"dependency {name!r}: expected a string or a table", shown, line)
        constraint = item.get("version")
        if constraint is not None and not isinstance(constraint, str):
            raise SourceError(f"dependency {name!r}: `version` must be a string", shown, line)
        branches = poetry_specifier(constraint)
        if branches is None:
            specifier = str(constraint or "")
        else:
            specifier = " || ".join(branches)
        marker = item.get("markers")
        if item.get("python"):
            marker = and_markers(marker, _python_marker(str(item["python"])))
        if item.get("platform"):
            marker = and_markers(marker, f'sys_platform == "{item["platform"]}"')
        url = None
        for key in ("git", "url", "path", "file"):
            if item.get(key):
                url = str(item[key])
                if key == "git":
                    ref = item.get("rev") or item.get("tag") or item.get("branch")
                    url = "git+" + url + (f"@{ref}" if ref else "")
                break
        out.append(
            (
                Requirement(
                    name=normalise_name(name),
                    specifier=specifier,
                    extras=tuple(sorted(normalise_name(e) for e in item.get("extras") or ())),
                    marker=marker or None,
                    group=group,
                    location=Location(shown, line),
                    url=strip_credentials_from_url(url) if url else None,
                ),
                bool(item.get("optional")),
            )
        )
    return out


def _table(data: Any, shown: str, what: str) -> dict[str, Any]:
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise SourceError(f"`{what}` must be a table", shown)
    return data


def _list(data: Any, shown: str, what: str, line: int | None) -> list[Any]:
    if data is None:
        return []
    if not isinstance(data, list):
        raise SourceError(f"`{what}` must be an array", shown, line)
    return data


def _dependency_groups(
    groups: dict[str, Any], lines: _Lines, shown: str
) -> dict[str, list[Requirement]]:
    """PEP 735 groups with ``{include-group = "..."}`` expanded (cycles are an error)."""
    header = lines.header("dependency-groups")
    normalised: dict[str, tuple[str, list[Any]]] = {}
    for raw_name, items in groups.items():
        line = lines.key_line(header, raw_name)
        normalised[normalise_name(raw_name)] = (raw_name, _list(items, shown, f"dependency-groups.{raw_name}", line))
    resolved: dict[str, list[Requirement]] = {}

    def expand(group: str, stack: tuple[str, ...]) -> list[Requirement]:
        if group in resolved:
            return resolved[group]
        raw_name, items = normalised[group]
        group_line = lines.key_line(header, raw_name)
        out: list[Requirement] = []
        for item in items:
            if isinstance(item, dict):
                include = item.get("include-group")
                if not isinstance(include, str) or set(item) != {"include-group"}:
                    raise SourceError(
                        f"dependency group {raw_name!r}: tables must be {{include-group = \"name\"}}",
                        shown,
                        group_line,
                    )
                target = normalise_name(include)
                if target not in normalised:
                    raise SourceError(
                        f"dependency group {raw_name!r} includes unknown group {include!r}", shown, group_line
                    )
                if target in stack or target == group:
                    raise SourceError(
                        f"dependency group {raw_name!r}: include-group cycle via {include!r}", shown, group_line
                    )
                for req in expand(target, stack + (group,)):
                    out.append(Requirement(req.name, req.specifier, req.extras, req.marker, group, req.location, req.url))
                continue
            line = lines.find(header, [f'"{item}"', f"'{item}'"]) if isinstance(item, str) else None
            out.append(_pep508(item, group, shown, line or group_line, f"dependency group {raw_name!r}"))
        resolved[group] = out
        return out

    for group in normalised:
        expand(group, ())
    return resolved


def read_roots(pyproject_path: Path, project_dir: Path) -> RootDeclaration:
    """Read every dependency declaration of one ``pyproject.toml``."""
    shown = display_path(pyproject_path, project_dir)
    data, text = load_toml(pyproject_path, shown)
    lines = _Lines(text)
    project = _table(data.get("project"), shown, "project")
    tool = _table(data.get("tool"), shown, "tool")
    poetry = _table(tool.get("poetry"), shown, "tool.poetry")
    pdm = _table(tool.get("pdm"), shown, "tool.pdm")
    uv = _table(tool.get("uv"), shown, "tool.uv")

    name = project.get("name") or poetry.get("name")
    version = project.get("version") or poetry.get("version")
    header_line = lines.header("project") if project else lines.header("tool.poetry")
    root = RootDeclaration(
        name=normalise_name(str(name)) if name else None,
        version=str(version) if version is not None else None,
        path=shown,
        line=header_line,
    )
    dynamic = {str(d) for d in _list(project.get("dynamic"), shown, "project.dynamic", header_line)}

    # --- PEP 621 ------------------------------------------------------------------------------
    project_header = lines.header("project")
    has_pep621_deps = "dependencies" in project
    for item in _list(project.get("dependencies"), shown, "project.dependencies", project_header):
        line = lines.find(project_header, [f'"{item}"', f"'{item}'"]) if isinstance(item, str) else None
        root.requirements.append(_pep508(item, None, shown, line or project_header, "project.dependencies"))
    optional_header = lines.header("project.optional-dependencies")
    for extra, items in sorted(_table(project.get("optional-dependencies"), shown, "project.optional-dependencies").items()):
        extra_line = lines.key_line(optional_header, extra) if optional_header else lines.find(project_header, [extra])
        reqs = []
        for item in _list(items, shown, f"project.optional-dependencies.{extra}", extra_line):
            line = lines.find(extra_line or optional_header, [f'"{item}"', f"'{item}'"], stop_at_header=True) if isinstance(item, str) else None
            reqs.append(_pep508(item, None, shown, line or extra_line, f"optional dependency {extra!r}"))
        root.extras[normalise_name(extra)] = reqs

    # --- Poetry -------------------------------------------------------------------------------
    poetry_deps = _table(poetry.get("dependencies"), shown, "tool.poetry.dependencies")
    poetry_header = lines.header("tool.poetry.dependencies")
    if poetry_deps:
        declared: list[tuple[Requirement, bool]] = []
        for dep_name, value in poetry_deps.items():
            if dep_name.lower() == "python":
                continue
            declared.extend(
                poetry_requirements(dep_name, value, None, shown, lines.key_line(poetry_header, dep_name) or poetry_header)
            )
        if has_pep621_deps:
            # Poetry 2: [tool.poetry.dependencies] only enriches names [project] declares.
            by_name = {req.name: req for req, _ in declared}
            for index, req in enumerate(root.requirements):
                extra_info = by_name.get(req.name)
                if extra_info is not None and extra_info.url and not req.url:
                    root.requirements[index] = Requirement(
                        req.name, req.specifier, req.extras, req.marker, req.group, req.location, extra_info.url
                    )
        else:
            optional: dict[str, list[Requirement]] = {}
            for req, is_optional in declared:
                if is_optional:
                    optional.setdefault(req.name, []).append(req)
                else:
                    root.requirements.append(req)
            extras_header = lines.header("tool.poetry.extras")
            for extra, names in sorted(_table(poetry.get("extras"), shown, "tool.poetry.extras").items()):
                reqs = []
                for member in _list(names, shown, f"tool.poetry.extras.{extra}", lines.key_line(extras_header, extra)):
                    wanted = normalise_name(str(member))
                    matched = optional.get(wanted, [])
                    if not matched:
                        root.notes.append(f"[tool.poetry.extras] {extra} names {member!r}, which is not an optional dependency")
                    reqs.extend(matched)
                root.extras.setdefault(normalise_name(extra), []).extend(reqs)

    optional_groups: list[str] = []
    for group_name, group_table in sorted(_table(poetry.get("group"), shown, "tool.poetry.group").items()):
        group = normalise_name(group_name)
        group_table = _table(group_table, shown, f"tool.poetry.group.{group_name}")
        if group_table.get("optional"):
            optional_groups.append(group)
        header = lines.header(f"tool.poetry.group.{group_name}.dependencies")
        reqs = root.groups.setdefault(group, [])
        for dep_name, value in _table(group_table.get("dependencies"), shown, f"tool.poetry.group.{group_name}.dependencies").items():
            if dep_name.lower() == "python":
                continue
            line = lines.key_line(header, dep_name) or header
            reqs.extend(req for req, _ in poetry_requirements(dep_name, value, group, shown, line))
    legacy_dev = _table(poetry.get("dev-dependencies"), shown, "tool.poetry.dev-dependencies")
    if legacy_dev:
        header = lines.header("tool.poetry.dev-dependencies")
        reqs = root.groups.setdefault("dev", [])
        for dep_name, value in legacy_dev.items():
            line = lines.key_line(header, dep_name) or header
            reqs.extend(req for req, _ in poetry_requirements(dep_name, value, "dev", shown, line))
    root.optional_groups = tuple(optional_groups)

    # --- PEP 735 ------------------------------------------------------------------------------
    for group, reqs in _dependency_groups(_table(data.get("dependency-groups"), shown, "dependency-groups"), lines, shown).items():
        root.groups.setdefault(group, []).extend(reqs)

    # --- PDM / uv legacy dev groups -----------------------------------------------------------
    pdm_header = lines.header("tool.pdm.dev-dependencies")
    for group_name, items in sorted(_table(pdm.get("dev-dependencies"), shown, "tool.pdm.dev-dependencies").items()):
        group = normalise_name(group_name)
        group_line = lines.key_line(pdm_header, group_name) or pdm_header
        reqs = root.groups.setdefault(group, [])
        for item in _list(items, shown, f"tool.pdm.dev-dependencies.{group_name}", group_line):
            line = lines.find(pdm_header, [f'"{item}"', f"'{item}'"]) if isinstance(item, str) else None
            reqs.append(_pdm_entry(item, group, shown, line or group_line))
    uv_header = lines.header("tool.uv")
    uv_dev = _list(uv.get("dev-dependencies"), shown, "tool.uv.dev-dependencies", uv_header)
    if uv_dev:
        reqs = root.groups.setdefault("dev", [])
        for item in uv_dev:
            line = lines.find(uv_header, [f'"{item}"', f"'{item}'"]) if isinstance(item, str) else None
            reqs.append(_pep508(item, "dev", shown, line or uv_header, "tool.uv.dev-dependencies"))

    root.dynamic_dependencies = "dependencies" in dynamic and not poetry_deps
    if root.dynamic_dependencies:
        root.notes.append(f"{shown}: [project] dependencies are dynamic (computed by the build backend): runtime set unknown")
    root.groups = {g: r for g, r in root.groups.items() if r or g in optional_groups}
    return root
