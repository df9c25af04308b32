"""An installed environment (a venv root with ``pyvenv.cfg``, or a ``site-packages`` directory).

What one machine actually has: every ``*.dist-info`` / ``*.egg-info`` is read as data through
``importlib.metadata.distributions(path=[site_packages])`` -- nothing from the environment is
imported and its interpreter is never run (a compromised ``.pth`` would fire on start-up).

Edges come from ``Requires-Dist``: ``extra == 'x'`` clauses are taken apart structurally into
``via_extra`` (one edge per extra), every other marker stays a string on the edge. A requirement
whose target is not installed is skipped and counted: an environment holds one marker branch,
so "not installed" is the normal case for a Windows-only or extra-only dependency.

Roots: a synthetic root named after the project, with edges to what the project's pyproject
declares (when there is one), else to the dists pip/uv marked ``REQUESTED``. The venv seed
packages (pip, setuptools, wheel) are left out only when nothing requires them, and the notes
say so.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

from blastradius.errors import SourceError
from blastradius.model import Dependency, Location, Package, ResolvedProject, normalise_name
from blastradius.sources._io import display_path, strip_credentials_from_url

KIND = "environment"
SEED_PACKAGES = ("pip", "setuptools", "wheel")
_EXTRA_COMPARISON = re.compile(r"""extra\s*==\s*(['"])([^'"]*)\1|(['"])([^'"]*)\3\s*==\s*extra""")


# --- markers --------------------------------------------------------------------------------


def _serialise(items: list[Any]) -> str:
    parts: list[str] = []
    for item in items:
        if isinstance(item, str):
            parts.append(item)
        elif isinstance(item, list):
            parts.append("(" + _serialise(item) + ")")
        else:
            lhs, op, rhs = item
            parts.append(f"{lhs.serialize()} {op.serialize()} {rhs.serialize()}")
    return " ".join(parts)


def _is_extra_variable(node: Any) -> bool:
    return type(node).__name__ == "Variable" and getattr(node, "value", None) == "extra"


def _extras_of(item: Any) -> list[str] | None:
    """The extras an atom requires: ``extra == "x"`` -> [x]; ``(extra == "a" or extra == "b")``
    -> [a, b]; anything else -> None (an environment condition)."""
    if isinstance(item, tuple):
        lhs, op, rhs = item
        if op.serialize() != "==":
            return None
        if _is_extra_variable(lhs) and type(rhs).__name__ == "Value":
            return [normalise_name(rhs.value)]
        if _is_extra_variable(rhs) and type(lhs).__name__ == "Value":
            return [normalise_name(lhs.value)]
        return None
    if isinstance(item, list):
        found: list[str] = []
        for index, sub in enumerate(item):
            if index % 2 == 1:
                if sub != "or":
                    return None
                continue
            extras = _extras_of(sub)
            if extras is None:
                return None
            found.extend(extras)
        return found
    return None


def split_extra_marker(marker: str | None) -> list[tuple[str | None, str | None]]:
    """Split a Requires-Dist marker into ``(via_extra, remaining marker)`` pairs.

    ``python_version < "3.11" and extra == "socks"`` -> ``[("socks", 'python_version < "3.11"')]``;
    ``extra == "a" or extra == "b"`` -> one pair per extra; no extra -> ``[(None, marker)]``.
    """
    if not marker:
        return [(None, None)]
    from packaging.markers import InvalidMarker, Marker

    try:
        parsed = Marker(marker)
    except InvalidMarker:
        return [(None, marker)]
    items = getattr(parsed, "_markers", None)
    if not isinstance(items, list):  # packaging changed its internals: fall back to text
        return _split_extra_marker_text(str(parsed))
    disjuncts: list[list[Any]] = [[]]
    for item in items:
        if item == "or":
            disjuncts.append([])
        else:
            disjuncts[-1].append(item)
    by_extra: dict[str | None, list[str | None]] = {}
    for disjunct in disjuncts:
        atoms = [a for a in disjunct if a != "and"]
        extras: list[str] | None = None
        rest: list[Any] = []
        for atom in atoms:
            found = _extras_of(atom)
            if found is not None and extras is None:
                extras = found
            else:
                rest.append(atom)
        residual: str | None = None
        if rest:
            joined: list[Any] = []
            for atom in rest:
                if joined:
                    joined.append("and")
                joined.append(atom)
            residual = str(Marker(_serialise(joined)))
        for extra in extras or [None]:
            by_extra.setdefault(extra, []).append(residual)
    result: list[tuple[str | None, str | None]] = []
    for extra, residuals in by_extra.items():
        if any(r is None for r in residuals):
            result.append((extra, None))
        elif len(set(residuals)) == 1:
            result.append((extra, residuals[0]))
        else:
            unique = list(dict.fromkeys(residuals))
            result.append((extra, " or ".join(f"({r})" for r in unique)))
    return sorted(result, key=lambda pair: (pair[0] or "", pair[1] or ""))


def _split_extra_marker_text(marker: str) -> list[tuple[str | None, str | None]]:
    extras = [normalise_name(m.group(2) or m.group(4)) for m in _EXTRA_COMPARISON.finditer(marker)]
    if not extras:
        return [(None, marker)]
    residual = _EXTRA_COMPARISON.sub("", marker)
    residual = re.sub(r"\b(and|or)\s*(\b(and|or)\b\s*)+", r"\1 ", residual).strip()
    residual = re.sub(r"^(and|or)\s+|\s+(and|or)$", "", residual).strip() or None
    return [(extra, residual) for extra in sorted(set(extras))]


# --- reading site-packages ----------------------------------------------------------------


@dataclass
class InstalledDist:
    """One installed distribution, read as data."""

    name: str  # normalised
    raw_name: str
    version: str
    requires: list[str]
    metadata_dir: Path | None
    direct_url: dict[str, Any] | None = None
    installer: str | None = None
    requested: bool = False
    has_record: bool = False
    notes: list[str] = field(default_factory=list)


def site_packages_dirs(path: Path) -> list[Path]:
    """The site-packages directories of a venv root, or ``[path]`` for a site directory."""
    if not path.is_dir():
        raise SourceError("environment path is not a directory", path.as_posix())
    if (path / "pyvenv.cfg").is_file():
        found = sorted(path.glob("lib/python*/site-packages")) + sorted(path.glob("lib64/python*/site-packages"))
        found += sorted(path.glob("Lib/site-packages"))
        unique: dict[Path, Path] = {}
        for candidate in found:
            unique.setdefault(candidate.resolve(), candidate)
        if not unique:
            raise SourceError("virtual environment has no lib/python*/site-packages", path.as_posix())
        return sorted(unique.values())
    if any(path.glob("*.dist-info")) or any(path.glob("*.egg-info")) or path.name in ("site-packages", "dist-packages"):
        return [path]
    raise SourceError(
        "not an environment: expected a venv root with pyvenv.cfg or a site-packages directory", path.as_posix()
    )


def read_installed(site_packages: Path) -> list[InstalledDist]:
    """Every distribution under one site-packages directory, in a stable order."""
    found: list[InstalledDist] = []
    for dist in importlib_metadata.distributions(path=[str(site_packages)]):
        meta_dir: Path | None = getattr(dist, "_path", None)
        md = dist.metadata
        raw_name = md["Name"] if md is not None else None
        if not raw_name:
            continue  # a stray, empty dist-info: nothing we can name
        version = md["Version"] or ""
        requires = md.get_all("Requires-Dist")
        if requires is None and meta_dir is not None and meta_dir.name.endswith(".egg-info"):
            requires = dist.requires
        item = InstalledDist(
            name=normalise_name(raw_name),
            raw_name=str(raw_name),
            version=str(version),
            requires=[str(r) for r in requires or ()],
            metadata_dir=meta_dir,
        )
        direct = dist.read_text("direct_url.json")
        if direct:
            try:
                parsed = json.loads(direct)
                item.direct_url = parsed if isinstance(parsed, dict) else None
            except json.JSONDecodeError:
                item.notes.append("unreadable direct_url.json")
        installer = dist.read_text("INSTALLER")
        item.installer = installer.strip() if installer else None
        if meta_dir is not None:
            item.requested = (meta_dir / "REQUESTED").is_file()
            item.has_record = (meta_dir / "RECORD").is_file()
        else:  # pragma: no cover - non-path distributions
            item.requested = dist.read_text("REQUESTED") is not None
            item.has_record = dist.read_text("RECORD") is not None
        found.append(item)
    found.sort(key=lambda d: (d.name, d.version, str(d.metadata_dir)))
    return found


def read_requires(site_packages: Path) -> dict[str, tuple[str, list[str]]]:
    """``{normalised name: (version, Requires-Dist strings)}`` of one site-packages directory.

    For sources without edges (Pipfile.lock) that can borrow them from an installed environment.
    """
    return {d.name: (d.version, list(d.requires)) for d in read_installed(site_packages)}


def _direct_source(direct_url: dict[str, Any] | None, project_dir: Path) -> tuple[str, str | None, tuple[str, ...]]:
    """PEP 610 ``direct_url.json`` -> (source kind, shareable URL, hashes)."""
    if not direct_url:
        return "registry", None, ()
    url = str(direct_url.get("url") or "")
    shown = _shareable_url(url, project_dir)
    if "vcs_info" in direct_url:
        vcs = str((direct_url.get("vcs_info") or {}).get("vcs") or "git")
        commit = (direct_url.get("vcs_info") or {}).get("commit_id")
        if commit and shown and "@" not in shown.rsplit("/", 1)[-1]:
            shown = f"{shown}@{commit}"
        return ("git" if vcs == "git" else "url"), shown, ()
    if "dir_info" in direct_url:
        editable = bool((direct_url.get("dir_info") or {}).get("editable"))
        return ("editable" if editable else "directory"), shown, ()
    if "archive_info" in direct_url:
        info = direct_url.get("archive_info") or {}
        hashes = [f"{k}:{v}" for k, v in sorted((info.get("hashes") or {}).items())]
        if not hashes and info.get("hash"):
            hashes = [str(info["hash"]).replace("=", ":", 1)]
        return ("path" if url.startswith("file:") else "url"), shown, tuple(hashes)
    return "url", shown, ()


def _shareable_url(url: str, project_dir: Path) -> str | None:
    """Remote URLs without credentials; local ones relative to the project, else the last
    component only (no machine paths in reports)."""
    if not url:
        return None
    if url.startswith("file:"):
        from urllib.parse import unquote, urlparse

        local = Path(unquote(urlparse(url).path))
        shown = display_path(local, project_dir)
        if Path(shown).is_absolute():
            return "file:" + local.name
        return shown
    return strip_credentials_from_url(url)


def _shown_path(path: Path, project_dir: Path, env_root: Path) -> str:
    shown = display_path(path, project_dir)
    if Path(shown).is_absolute():
        try:
            return (Path(env_root.name) / path.resolve().relative_to(env_root.resolve())).as_posix()
        except ValueError:
            return path.name
    return shown


def _installed_extras(key: str, tally: dict[tuple[str, str], list[int]]) -> tuple[str, ...]:
    """Extras of a requested distribution whose every unconditional requirement is installed:
    the evidence that it was installed *with* them (REQUESTED does not record extras)."""
    return tuple(sorted(extra for (parent, extra), (want, have) in tally.items() if parent == key and want == have))


def _unreachable(root: str, edges: list[Dependency], project: ResolvedProject) -> set[str]:
    """Installed packages no path from the root reaches (any root extra or group; extras honoured
    below the root; markers ignored: the environment already evaluated them)."""
    out: dict[str, list[Dependency]] = {}
    for edge in edges:
        out.setdefault(edge.parent, []).append(edge)
    seen: set[tuple[str, tuple[str, ...]]] = set()
    reached: set[str] = set()
    stack: list[tuple[str, tuple[str, ...]]] = [(root, ())]
    while stack:
        key, extras = stack.pop()
        if (key, extras) in seen:
            continue
        seen.add((key, extras))
        reached.add(key)
        for edge in out.get(key, ()):
            # every extra and group the root declares counts as a path; below it, extras apply
            if key == root or (edge.group is None and (edge.via_extra is None or edge.via_extra in extras)):
                stack.append((edge.child, edge.extras))
    return {k for k, p in project.packages.items() if k not in reached and not p.is_root}


# --- load ---------------------------------------------------------------------------------


def load(path: Path, project_dir: Path, options: Any = None) -> ResolvedProject:
    dirs = site_packages_dirs(path)
    shown_env = _shown_path(path, project_dir, path)
    project = ResolvedProject(project_dir=str(project_dir), input_file=shown_env, input_kind=KIND)
    dists: list[InstalledDist] = []
    for site in dirs:
        dists.extend(read_installed(site))
        project.files_read.append(_shown_path(site, project_dir, path))
    cfg = path / "pyvenv.cfg"
    if cfg.is_file():
        text = cfg.read_text(encoding="utf-8", errors="replace")
        if re.search(r"^\s*include-system-site-packages\s*=\s*true\s*$", text, re.MULTILINE | re.IGNORECASE):
            project.notes.append("the venv also sees the system site-packages, which were not read")
    if not dists:
        raise SourceError("no installed distributions found", shown_env)

    from blastradius.sources.requirements import project_identity

    root_name, root_version, _ = project_identity(project_dir)
    root_norm = normalise_name(root_name)

    packages: dict[str, list[Package]] = {}
    by_dist: list[tuple[InstalledDist, Package]] = []
    own: Package | None = None
    for dist in dists:
        source, url, hashes = _direct_source(dist.direct_url, project_dir)
        location = None
        if dist.metadata_dir is not None:
            location = Location(_shown_path(dist.metadata_dir, project_dir, path))
        package = Package(
            name=dist.name,
            version=dist.version or None,
            source=source,
            source_url=url,
            hashes=hashes,
            location=location,
        )
        project.add_package(package)
        packages.setdefault(dist.name, []).append(package)
        by_dist.append((dist, package))
        if dist.name == root_norm and own is None:
            own = package
    duplicates = sorted(n for n, ps in packages.items() if len(ps) > 1)
    if duplicates:
        project.notes.append("installed more than once (stale metadata?): " + ", ".join(duplicates))

    # Edges from Requires-Dist.
    skipped = skipped_extra = malformed = 0
    from packaging.requirements import InvalidRequirement
    from packaging.requirements import Requirement as PackagingRequirement

    edges: list[Dependency] = []
    seen: set[Dependency] = set()
    extra_tally: dict[tuple[str, str], list[int]] = {}  # (package, extra) -> [required, installed]
    for dist, package in by_dist:
        for text in dist.requires:
            try:
                req = PackagingRequirement(text)
            except InvalidRequirement:
                malformed += 1
                continue
            pairs = split_extra_marker(str(req.marker) if req.marker is not None else None)
            targets = packages.get(normalise_name(req.name))
            for via_extra, marker in pairs:
                if via_extra is not None and marker is None:  # unconditional within the extra
                    tally = extra_tally.setdefault((package.key, via_extra), [0, 0])
                    tally[0] += 1
                    tally[1] += 1 if targets else 0
            if not targets:
                if all(extra is not None for extra, _ in pairs):
                    skipped_extra += 1
                else:
                    skipped += 1
                continue
            extras = tuple(sorted(normalise_name(e) for e in req.extras))
            for via_extra, marker in pairs:
                for target in targets:
                    dep = Dependency(package.key, target.key, marker=marker, extras=extras, via_extra=via_extra)
                    if dep not in seen:
                        seen.add(dep)
                        edges.append(dep)

    # Roots.
    root: Package
    declared: list[tuple[Any, str | None]] = []
    if (project_dir / "pyproject.toml").is_file():
        from blastradius.sources.pyproject import declared_pairs, read_declared

        declaration = read_declared(project_dir / "pyproject.toml", project_dir)
        declared = declared_pairs(declaration)
        project.requirements.extend(declaration.all_requirements())
        if declaration.dynamic_dependencies:
            project.notes.append("dependencies are dynamic (unknown) in pyproject.toml: roots taken from REQUESTED")
    if own is not None:
        own.is_root = True
        root = own
        project.notes.append(f"the project itself is installed ({own.label}, {own.source})")
    else:
        root = project.add_package(
            Package(name=root_name, version=root_version, key=f"{root_norm}@root", source="virtual", is_root=True)
        )
    has_root_edges = any(e.parent == root.key for e in edges)
    missing_declared: set[str] = set()
    missing_optional: set[str] = set()
    if declared:
        for requirement, via_extra in declared:
            if requirement.name == root.name:
                dep = Dependency(root.key, root.key, requirement.marker, requirement.extras, via_extra, requirement.group)
                if dep not in seen:
                    seen.add(dep)
                    edges.append(dep)
                continue
            targets = packages.get(requirement.name)
            if not targets:
                if via_extra is None and requirement.group is None:
                    missing_declared.add(requirement.name)
                else:
                    missing_optional.add(requirement.name)
                continue
            for target in targets:
                dep = Dependency(
                    root.key, target.key, requirement.marker, requirement.extras, via_extra, requirement.group
                )
                if own is not None and requirement.group is None and any(
                    e.parent == root.key and e.child == target.key and e.via_extra == via_extra for e in edges
                ):
                    continue  # already stated by the installed project's own Requires-Dist
                if dep not in seen:
                    seen.add(dep)
                    edges.append(dep)
        how = "from the pyproject's declared dependencies"
    elif has_root_edges:
        how = "from the installed project's Requires-Dist"
    else:
        requested = [p for d, p in by_dist if d.requested and p.key != root.key and p.name not in SEED_PACKAGES]
        if requested:
            how = "to the distributions marked REQUESTED (installed on request, not as a dependency)"
        else:
            required = {e.child for e in edges if e.parent != e.child}
            requested = [p for _, p in by_dist if p.key not in required and p.key != root.key and p.name not in SEED_PACKAGES]
            how = "to the distributions nothing else requires (no REQUESTED markers found)"
        for target in requested:
            dep = Dependency(root.key, target.key, extras=_installed_extras(target.key, extra_tally))
            if dep not in seen:
                seen.add(dep)
                edges.append(dep)
    project.notes.append(f"root edges {how}")
    if missing_declared:
        project.notes.append("declared but not installed: " + ", ".join(sorted(missing_declared)))
    if missing_optional:
        project.notes.append(
            f"{len(missing_optional)} requirements of extras/groups are not installed (those extras/groups "
            "are absent from this environment)"
        )

    # Seed packages nobody requires are venv furniture, not project dependencies.
    required_by_others = {e.child for e in edges if project.packages[e.parent].name not in SEED_PACKAGES or e.parent == root.key}
    dropped = [p for _, p in by_dist if p.name in SEED_PACKAGES and p.key not in required_by_others and not p.is_root]
    if dropped:
        dropped_keys = {p.key for p in dropped}
        for package in dropped:
            del project.packages[package.key]
        edges = [e for e in edges if e.parent not in dropped_keys and e.child not in dropped_keys]
        project.notes.append(
            "left out venv seed packages nothing requires: " + ", ".join(sorted(p.label for p in dropped))
        )
    orphans = _unreachable(root.key, edges, project)
    if orphans:
        project.edges_complete = False
        project.notes.append(
            f"{len(orphans)} installed distributions are not reachable from the roots (installed by hand, "
            "leftovers, or through extras nothing records); counted with unknown parents: "
            + ", ".join(sorted(project.packages[k].label for k in orphans))
        )
    project.dependencies.extend(sorted(edges, key=lambda e: (e.parent, e.child, e.via_extra or "", e.group or "", e.marker or "")))

    project.notes.append(f"{len(dists)} installed distributions read from {', '.join(project.files_read)}")
    if skipped or skipped_extra:
        project.notes.append(
            f"{skipped + skipped_extra} Requires-Dist entries skipped because the target is not installed "
            f"({skipped_extra} of them only behind an extra; an environment holds one marker branch)"
        )
    if malformed:
        project.notes.append(f"{malformed} malformed Requires-Dist entries skipped")
    no_record = sorted(d.name for d, p in by_dist if not d.has_record and p.key in project.packages)
    if no_record:
        project.notes.append("no RECORD (installed files cannot be attributed): " + ", ".join(no_record))
    installers: dict[str, int] = {}
    for dist, package in by_dist:
        if package.key in project.packages:
            installers[dist.installer or "unknown"] = installers.get(dist.installer or "unknown", 0) + 1
    project.notes.append("installed by: " + ", ".join(f"{k} ({v})" for k, v in sorted(installers.items())))
    for dist, _ in by_dist:
        for note in dist.notes:
            project.notes.append(f"{dist.name}: {note}")
    return project
