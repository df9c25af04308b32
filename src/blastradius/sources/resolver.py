"""Resolution for unlocked projects (a pyproject without a lock, an unpinned requirements file).

A manifest states ranges; to know which ~100 packages would actually be installed an existing
resolver has to choose versions. blastradius never resolves by itself and never builds:

* ``uv pip compile --universal --only-binary :all:`` when ``uv`` is on PATH -- universal, so the
  result holds every marker branch like a uv.lock does; its ``# via`` annotations give the edges
  (parsed by :mod:`blastradius.sources.requirements`).
* else ``pip install --dry-run --ignore-installed --report - --only-binary=:all:`` of the running
  interpreter's pip -- single-environment; ``install[].metadata.requires_dist`` gives the edges.

Both run in a scratch directory holding only a generated ``requirements.in`` (the declared
requirements, nothing else from the project), so no project file, ``--index-url`` line or build
backend is ever handed to them. The index is whatever the user's pip/uv configuration says.
``options.offline`` forbids all of this: the direct requirements are shown alone and
``transitive_known`` is False. The resolver used, its command and whether it ran online are
recorded on ``ResolvedProject.resolver`` so the report can say so.

Limit: uv's annotations name parents but not the extra through which a parent pulled a child,
so edges between two resolved packages carry no ``via_extra``; the root's own extras and groups
are labelled exactly (from the declaration).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

from blastradius.errors import ResolverError
from blastradius.model import Dependency, Package, Requirement, ResolvedProject, ResolverInfo, normalise_name

DEFAULT_TIMEOUT = 600.0
OFFLINE_NOTE = "transitive set unknown (offline): showing direct requirements only"
_UV_PLATFORMS = {"win32": "windows", "darwin": "macos", "macosx": "macos", "osx": "macos"}
_BUILD_HINTS = ("no usable wheels", "building from source is disabled", "--no-build", "only-binary")


@dataclass(frozen=True)
class DirectRequirement:
    """A root requirement handed to the resolver: the declaration, the root extra it belongs to
    (``None`` = not behind an extra) and, for requirements files, the parsed line."""

    requirement: Requirement
    via_extra: str | None = None
    entry: Any = None  # requirements.ReqEntry when the requirement came from a requirements line


@dataclass
class Resolution:
    """What a resolver chose: pinned packages and edges between them by parent *name* (uv names
    parents, not versions) to a child index in ``packages``."""

    packages: list[Package] = field(default_factory=list)
    edges: list[tuple[str, int, str | None, str | None]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# --- output parsers (pure, tested offline on recorded output) -----------------------------


def parse_uv_output(text: str) -> Resolution:
    """``uv pip compile`` stdout (annotated, ``--universal`` or not) -> packages and edges."""
    from blastradius.sources.requirements import classify_via, parse_text

    parsed = parse_text(text, "uv pip compile output")
    resolution = Resolution()
    for entry in parsed.entries:
        resolution.packages.append(
            Package(
                name=entry.name,
                version=entry.version,
                source=entry.source,
                source_url=entry.url if entry.source != "registry" else None,
                hashes=tuple(sorted(set(entry.hashes))),
                marker=entry.marker,
                extras=entry.extras,
            )
        )
    names = {p.name for p in resolution.packages}
    missing: set[str] = set()
    for index, entry in enumerate(parsed.entries):
        for via in entry.via:
            kind, parent, _group = classify_via(via)
            if kind != "package" or not parent:
                continue
            if parent not in names:
                missing.add(parent)
                continue
            resolution.edges.append((parent, index, None, None))
    if missing:
        resolution.notes.append("resolver output names parents it does not pin: " + ", ".join(sorted(missing)))
    return resolution


def parse_pip_report(data: Any) -> Resolution:
    """A pip ``--report`` (version 1) -> packages and edges from ``requires_dist``."""
    from packaging.requirements import InvalidRequirement
    from packaging.requirements import Requirement as PackagingRequirement

    from blastradius.sources.environment import split_extra_marker

    if not isinstance(data, dict) or not isinstance(data.get("install"), list):
        raise ResolverError("pip --report output has no `install` list")
    if str(data.get("version")) != "1":
        raise ResolverError(f"unsupported pip --report version {data.get('version')!r} (this tool reads 1)")
    resolution = Resolution()
    requires: list[list[str]] = []
    for item in data["install"]:
        metadata = item.get("metadata") or {}
        name, version = metadata.get("name"), metadata.get("version")
        if not name:
            raise ResolverError("pip --report entry without metadata.name")
        source, url, hashes = _pip_download_info(item.get("download_info") or {})
        resolution.packages.append(
            Package(
                name=str(name),
                version=str(version) if version else None,
                source=source,
                source_url=url,
                hashes=hashes,
                extras=tuple(sorted(normalise_name(e) for e in item.get("requested_extras") or ())),
            )
        )
        requires.append([str(r) for r in metadata.get("requires_dist") or ()])
    index_of = {p.name: i for i, p in enumerate(resolution.packages)}
    bad = 0
    for parent, reqs in zip(resolution.packages, requires):
        for text in reqs:
            try:
                req = PackagingRequirement(text)
            except InvalidRequirement:
                bad += 1
                continue
            child = index_of.get(normalise_name(req.name))
            if child is None:
                continue  # not installed in this environment (marker false or extra not requested)
            for via_extra, marker in split_extra_marker(str(req.marker) if req.marker else None):
                resolution.edges.append((parent.name, child, marker, via_extra))
    if bad:
        resolution.notes.append(f"{bad} malformed Requires-Dist entries in resolved metadata were skipped")
    return resolution


def _pip_download_info(info: dict[str, Any]) -> tuple[str, str | None, tuple[str, ...]]:
    from blastradius.sources._io import strip_credentials_from_url

    hashes: list[str] = []
    archive = info.get("archive_info")
    if isinstance(archive, dict):
        for algo, digest in sorted((archive.get("hashes") or {}).items()):
            hashes.append(f"{algo}:{digest}")
        if not hashes and archive.get("hash"):
            hashes.append(str(archive["hash"]).replace("=", ":", 1))
    if "vcs_info" in info:
        return "git", strip_credentials_from_url(info.get("url")), tuple(hashes)
    if "dir_info" in info:
        kind = "editable" if (info.get("dir_info") or {}).get("editable") else "directory"
        return kind, None, tuple(hashes)
    return "registry", None, tuple(sorted(hashes))


# --- running a resolver -------------------------------------------------------------------


def _lower_python_bound(requires_python: str | None) -> str | None:
    """``>=3.10`` -> ``3.10``: the lowest Python a universal resolution must cover."""
    if not requires_python:
        return None
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        specs = SpecifierSet(requires_python)
    except InvalidSpecifier:
        return None
    lows = []
    for spec in specs:
        if spec.operator in (">=", "~=", "==") and re.match(r"^\d+\.\d+", spec.version):
            lows.append(tuple(int(x) for x in spec.version.split(".")[:2]))
        elif spec.operator == ">" and re.match(r"^\d+\.\d+", spec.version):
            major, minor = (int(x) for x in spec.version.split(".")[:2])
            lows.append((major, minor + 1))
    if not lows:
        return None
    major, minor = max(lows)
    return f"{major}.{minor}"


def _last_error_line(stderr: str) -> str:
    """The resolver's concluding sentence, without derivation, hints or warnings."""
    lines = [re.sub(r"^[\s×╰─▶│]+", "", line).strip() for line in stderr.splitlines()]
    lines = [
        line
        for line in lines
        if line and not line.lower().startswith(("warning:", "hint:", "traceback", "note:"))
    ]
    errors = [line for line in lines if line.startswith("ERROR:")]
    if errors:
        line = errors[-1][len("ERROR:") :].strip()
    elif lines:
        line = lines[-1]
        for prefix in ("error:", "cause:", "And because ", "and because "):
            if line.startswith(prefix):
                line = line[len(prefix) :].strip()
    else:
        line = "no error output"
    return line[:400]


def _binary_only_hint(stderr: str) -> str:
    low = stderr.lower()
    needing = sorted(set(re.findall(r"Wheels are required for `([^`]+)`", stderr)))
    if needing:
        return (
            f" -- no wheel for {', '.join(needing)}: it would have to be built from an sdist, which "
            "blastradius never does (resolution is binary-only)"
        )
    if any(h in low for h in _BUILD_HINTS) or "from versions: none" in low:
        return (
            " (resolution is binary-only: a package published only as an sdist would have to be "
            "built, which blastradius never does)"
        )
    return ""


@dataclass
class _Run:
    name: str
    version: str | None
    command: tuple[str, ...]
    resolution: Resolution


def _run(command: list[str], cwd: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.update({"NO_COLOR": "1", "PIP_NO_INPUT": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PYTHONIOENCODING": "utf-8"})
    try:
        return subprocess.run(
            command,
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        raise ResolverError(f"resolver {Path(command[0]).name} timed out after {timeout:.0f} s") from None
    except OSError as exc:
        raise ResolverError(f"cannot run resolver {Path(command[0]).name}: {exc.strerror}") from None


def _shown_command(command: list[str], scratch: Path) -> tuple[str, ...]:
    """The command as reported: scratch paths and the executable's location removed."""
    shown = []
    for index, part in enumerate(command):
        if index == 0:
            part = Path(part).name
        elif part == sys.executable:
            part = "python"
        part = part.replace(str(scratch) + os.sep, "").replace(str(scratch), ".")
        shown.append(part)
    return tuple(shown)


@lru_cache(maxsize=8)
def _uv_version(uv: str) -> str | None:
    probe = _run([uv, "--version"], Path(tempfile.gettempdir()), 30)
    match = re.search(r"(\d+\.\d+[^\s]*)", probe.stdout or "")
    return match.group(1) if match else None


def _resolve_with_uv(
    uv: str, scratch: Path, python_version: str | None, platform: str | None, timeout: float
) -> _Run:
    command = [uv, "pip", "compile", str(scratch / "requirements.in")]
    if platform:
        # uv refuses --universal together with a platform: resolve for that platform only.
        command += ["--python-platform", _UV_PLATFORMS.get(platform.lower(), platform)]
    else:
        command.append("--universal")
    # --no-python-downloads: a --python-version uv has no interpreter for is still resolvable
    # (metadata only); without it uv spends seconds trying to download that Python.
    command += ["--only-binary", ":all:", "--no-header", "--annotation-style", "split", "--no-python-downloads"]
    if (scratch / "constraints.txt").is_file():
        command += ["--constraint", str(scratch / "constraints.txt")]
    if python_version:
        command += ["--python-version", python_version]
    done = _run(command, scratch, timeout)
    if done.returncode != 0:
        raise ResolverError(
            f"uv pip compile failed: {_last_error_line(done.stderr)}{_binary_only_hint(done.stderr)}"
        )
    return _Run("uv", _uv_version(uv), _shown_command(command, scratch), parse_uv_output(done.stdout))


def _resolve_with_pip(scratch: Path, python_version: str | None, platform: str | None, timeout: float) -> _Run:
    command = [
        sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--report", "-",
        "--only-binary=:all:", "--quiet", "--no-input", "-r", str(scratch / "requirements.in"),
    ]  # fmt: skip
    if (scratch / "constraints.txt").is_file():
        command += ["-c", str(scratch / "constraints.txt")]
    if python_version or platform:
        command += ["--target", str(scratch / "target")]  # pip allows target options only with --target
        if python_version:
            command += ["--python-version", python_version]
        if platform:
            command += ["--platform", platform]
    done = _run(command, scratch, timeout)
    if done.returncode != 0:
        if "No module named pip" in done.stderr:
            raise ResolverError("no resolver available: neither `uv` on PATH nor pip in this Python")
        raise ResolverError(f"pip failed: {_last_error_line(done.stderr)}{_binary_only_hint(done.stderr)}")
    try:
        data = json.loads(done.stdout)
    except json.JSONDecodeError:
        raise ResolverError("pip --report did not print JSON (is pip older than 22.2?)") from None
    resolution = parse_pip_report(data)
    return _Run("pip", str(data.get("pip_version") or "") or None, _shown_command(command, scratch), resolution)


def _requirement_line(direct: DirectRequirement) -> str:
    req = direct.requirement
    text = req.name
    if req.extras:
        text += "[" + ",".join(req.extras) + "]"
    if req.url:
        text += f" @ {req.url}"
    elif "||" not in req.specifier:  # Poetry alternatives have no PEP 440 form: resolve unbounded
        text += req.specifier
    if req.marker:
        text += f" ; {req.marker}"
    return text


def _needs_build(direct: DirectRequirement) -> bool:
    """A direct reference other than a wheel can only be resolved by building it."""
    url = direct.requirement.url
    if not url:
        return False
    if not url.split("#")[0].split("?")[0].endswith(".whl"):
        return True
    entry = direct.entry
    if entry is not None and entry.source == "path":
        return not (entry.local_path is not None and Path(entry.local_path).is_file())
    return False


def _resolver_input(direct: DirectRequirement) -> str:
    """The line written into the scratch ``requirements.in``; local wheels by absolute path."""
    entry = direct.entry
    if entry is not None and entry.local_path is not None and Path(entry.local_path).is_file():
        req = direct.requirement
        text = req.name + (("[" + ",".join(req.extras) + "]") if req.extras else "")
        text += " @ " + Path(entry.local_path).as_uri()
        return text + (f" ; {req.marker}" if req.marker else "")
    return _requirement_line(direct)


def resolve_into(
    project: ResolvedProject,
    root: Package,
    direct: Sequence[DirectRequirement],
    options: Any = None,
    *,
    constraints: Sequence[str] = (),
    requires_python: str | None = None,
) -> None:
    """Fill ``project`` with what the direct requirements of ``root`` resolve to."""
    offline = bool(getattr(options, "offline", False))
    python_version = getattr(options, "python_version", None) or None
    platform = getattr(options, "platform", None) or None
    extra_options = getattr(options, "extra", None) or {}
    timeout = float(extra_options.get("resolver_timeout", DEFAULT_TIMEOUT))

    resolvable: list[DirectRequirement] = []
    unbuilt: list[DirectRequirement] = []
    for item in direct:
        if item.requirement.name == root.name:
            project.dependencies.append(
                Dependency(
                    root.key,
                    root.key,
                    marker=item.requirement.marker,
                    extras=item.requirement.extras,
                    via_extra=item.via_extra,
                    group=item.requirement.group,
                )
            )
        elif _needs_build(item):
            unbuilt.append(item)
        else:
            resolvable.append(item)

    for item in unbuilt:
        _direct_package(project, root, item, _direct_source(item), version_of=_entry_version(item))
    if unbuilt:
        project.transitive_known = False
        project.notes.append(
            "dependencies of direct references not resolved (it would need a build): "
            + ", ".join(sorted({i.requirement.name for i in unbuilt}))
        )

    if offline:
        for item in resolvable:
            _direct_package(project, root, item, "unknown", version_of=_entry_version(item))
        project.transitive_known = False
        project.resolver = ResolverInfo(name="none", version=None, online=False, command=(), binary_only=True)
        project.notes.append(OFFLINE_NOTE)
        return
    if not resolvable:
        project.resolver = ResolverInfo(name="none", version=None, online=False, command=(), binary_only=True)
        project.notes.append("nothing to resolve: no registry requirements declared")
        return

    alternatives = sorted({i.requirement.name for i in resolvable if "||" in i.requirement.specifier})
    if alternatives:
        project.notes.append(
            "Poetry `||` ranges cannot be given to a PEP 440 resolver; resolved without a range: "
            + ", ".join(alternatives)
        )
    universal_floor = python_version or _lower_python_bound(requires_python)
    uv = shutil.which("uv")

    def attempt(items: list[DirectRequirement]) -> _Run:
        with tempfile.TemporaryDirectory(prefix="blastradius-resolve-") as tmp:
            scratch = Path(tmp)
            lines = sorted({_resolver_input(i) for i in items})
            (scratch / "requirements.in").write_text("\n".join(lines) + "\n", encoding="utf-8")
            if constraints:
                (scratch / "constraints.txt").write_text("\n".join(sorted(set(constraints))) + "\n", encoding="utf-8")
            if uv:
                floor = universal_floor if not platform else python_version
                return _resolve_with_uv(uv, scratch, floor, platform, timeout)
            return _resolve_with_pip(scratch, python_version, platform, timeout)

    run, used, rejected, untested = _resolve_largest(resolvable, attempt, int(extra_options.get("resolver_attempts", 12)))
    if rejected or untested:
        project.transitive_known = False
        for label, message in rejected:
            project.notes.append(f"{label} could not be resolved and is shown unresolved: {message}")
        if untested:
            project.notes.append(
                "not resolved (attempt budget used up), shown unresolved: " + ", ".join(sorted(untested))
            )

    _apply(project, root, used, run.resolution)
    used_ids = {id(i) for i in used}
    for item in resolvable:
        if id(item) not in used_ids:
            _direct_package(project, root, item, "unknown", version_of=_entry_version(item))
    project.resolver = ResolverInfo(name=run.name, version=run.version, online=True, command=run.command, binary_only=True)
    how = "universal (all marker branches)" if (run.name == "uv" and not platform) else "for one environment"
    target = []
    if universal_floor and run.name == "uv" and not platform:
        target.append(f"Python >= {universal_floor}")
    elif python_version:
        target.append(f"Python {python_version}")
    if platform:
        target.append(f"platform {platform}")
    project.notes.append(
        f"resolved by {run.name}{(' ' + run.version) if run.version else ''}, online, binary-only, {how}"
        + (f" ({', '.join(target)})" if target else "")
        + f": {len(run.resolution.packages)} packages"
    )
    if run.name == "pip" and not (python_version or platform):
        project.notes.append("pip resolves for the running interpreter only: packages behind other markers are absent")
    project.notes.extend(run.resolution.notes)


def _unit_label(item: DirectRequirement) -> str | None:
    if item.requirement.group:
        return f"group {item.requirement.group}"
    if item.via_extra:
        return f"extra {item.via_extra}"
    return None


def _resolve_largest(
    resolvable: list[DirectRequirement], attempt: Any, budget: int
) -> tuple[_Run, list[DirectRequirement], list[tuple[str, str]], list[str]]:
    """Resolve everything if possible; else the runtime set plus as many extras/groups as
    resolve with it (bisecting, so one sdist-only extra does not hide the other fifty).

    Returns the run, the requirements it covered, rejected units with the resolver's reason,
    and units left untested when the attempt budget ran out. The runtime set must resolve:
    when it does not, that is the error.
    """
    main = [i for i in resolvable if _unit_label(i) is None]
    units: dict[str, list[DirectRequirement]] = {}
    for item in resolvable:
        label = _unit_label(item)
        if label is not None:
            units.setdefault(label, []).append(item)
    try:
        return attempt(resolvable), resolvable, [], []
    except ResolverError as exc:
        if not units:
            raise
        first_error = exc
    run = attempt(main) if main else None  # the runtime set failing alone is the real error
    accepted: list[str] = []
    rejected: list[tuple[str, str]] = []
    untested: list[str] = []
    labels = sorted(units)
    middle = len(labels) // 2
    queue: list[list[str]] = [labels[:middle], labels[middle:]] if len(labels) > 1 else [labels]
    attempts = 2
    while queue:
        chunk = queue.pop(0)
        if not chunk:
            continue
        if attempts >= budget:
            untested.extend(chunk)
            continue
        items = main + [i for label in accepted + chunk for i in units[label]]
        attempts += 1
        try:
            run = attempt(items)
            accepted.extend(chunk)
        except ResolverError as exc:
            if len(chunk) == 1:
                rejected.append((chunk[0], exc.message))
            else:
                half = len(chunk) // 2
                queue[0:0] = [chunk[:half], chunk[half:]]
    if run is None:
        raise first_error
    used = main + [i for label in accepted for i in units[label]]
    return run, used, rejected, untested


def _entry_version(item: DirectRequirement) -> str | None:
    entry = item.entry
    if entry is not None and entry.version:
        return str(entry.version)
    spec = item.requirement.specifier
    match = re.fullmatch(r"===?\s*([^,*\s]+)", spec or "")
    return match.group(1) if match else None


def _direct_source(item: DirectRequirement) -> str:
    entry = item.entry
    if entry is not None:
        return str(entry.source)
    url = item.requirement.url or ""
    if url.startswith("git+"):
        return "git"
    if url.startswith("file:") or url.startswith((".", "/")):
        return "directory"
    return "url"


def _direct_package(
    project: ResolvedProject, root: Package, item: DirectRequirement, source: str, version_of: str | None
) -> None:
    """A direct requirement shown without resolution (offline, unbuildable, or unresolvable)."""
    req = item.requirement
    existing = [p for p in project.packages.values() if p.name == req.name and not p.is_root]
    if existing:
        package = existing[0]
    else:
        package = project.add_package(
            Package(
                name=req.name,
                version=version_of,
                source=source,
                source_url=req.url,
                location=req.location,
                extras=req.extras,
            )
        )
    project.dependencies.append(
        Dependency(
            root.key,
            package.key,
            marker=req.marker,
            extras=req.extras,
            via_extra=item.via_extra,
            group=req.group,
        )
    )


def _apply(project: ResolvedProject, root: Package, direct: Sequence[DirectRequirement], resolution: Resolution) -> None:
    by_name: dict[str, list[Package]] = {}
    for package in resolution.packages:
        project.add_package(package)
        by_name.setdefault(package.name, []).append(package)
    seen: set[Dependency] = set()
    for parent_name, child_index, marker, via_extra in resolution.edges:
        child = resolution.packages[child_index]
        for parent in by_name.get(parent_name, ()):
            dep = Dependency(parent.key, child.key, marker=marker, via_extra=via_extra)
            if dep not in seen:
                seen.add(dep)
                project.dependencies.append(dep)
    absent: set[str] = set()
    for item in direct:
        req = item.requirement
        targets = by_name.get(req.name)
        if not targets:
            absent.add(req.name)
            continue
        for package in targets:
            if package.location is None and req.location is not None:
                package.location = req.location
            dep = Dependency(
                root.key, package.key, marker=req.marker, extras=req.extras, via_extra=item.via_extra, group=req.group
            )
            if dep not in seen:
                seen.add(dep)
                project.dependencies.append(dep)
    if absent:
        project.notes.append(
            "declared but not in the resolution (their markers exclude every resolved environment): "
            + ", ".join(sorted(absent))
        )
