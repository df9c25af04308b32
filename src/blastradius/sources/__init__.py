"""Sources: one module per input format, each turning one input into a ResolvedProject.

Every format module exposes ``load(path: Path, project_dir: Path, options: LoadOptions) ->
ResolvedProject`` and reads without executing anything. This module decides *which* input of a
directory to use and says why: a lock file beats an installed environment beats a bare manifest,
because a lock states exactly what gets installed, an environment states what one machine has,
and a manifest only states ranges.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from blastradius.errors import SourceError
from blastradius.model import ResolvedProject

# kind -> module name under blastradius.sources
MODULES: dict[str, str] = {
    "uv.lock": "uv_lock",
    "poetry.lock": "poetry_lock",
    "pdm.lock": "pdm_lock",
    "pylock.toml": "pylock",
    "Pipfile.lock": "pipfile_lock",
    "requirements.txt": "requirements",
    "pyproject.toml": "pyproject",
    "environment": "environment",
}

# Lock files in order of preference when a directory holds several.
LOCK_PREFERENCE = ("uv.lock", "poetry.lock", "pdm.lock", "pylock.toml", "Pipfile.lock")

_PYLOCK_NAME = re.compile(r"^pylock\.([^.]+)\.toml$")
_PINNED_LINE = re.compile(r"^\s*[A-Za-z0-9][A-Za-z0-9._-]*(\[[^\]]*\])?\s*===?\s*[^\s;,#*]+\s*(;.*)?(\\)?\s*$")


@dataclass
class LoadOptions:
    """What the user asked for that changes how an input is read."""

    env_path: Path | None = None  # installed environment to take edges/metadata from
    offline: bool = False  # forbid the resolver (unlocked projects)
    python_version: str | None = None  # for the resolver, from --target
    platform: str | None = None
    extra: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Detected:
    path: Path
    kind: str
    reason: str
    ignored: tuple[str, ...] = ()


def kind_of(path: Path) -> str:
    """The input kind a file name (or directory) stands for; used by ``--input``."""
    name = path.name
    if path.is_dir():
        return "environment"
    if name == "uv.lock":
        return "uv.lock"
    if name == "poetry.lock":
        return "poetry.lock"
    if name == "pdm.lock":
        return "pdm.lock"
    if name == "pylock.toml" or _PYLOCK_NAME.match(name):
        return "pylock.toml"
    if name == "Pipfile.lock":
        return "Pipfile.lock"
    if name == "pyproject.toml":
        return "pyproject.toml"
    if name.endswith((".txt", ".in")):
        return "requirements.txt"
    raise SourceError(
        "unknown input format (expected uv.lock, poetry.lock, pdm.lock, pylock*.toml, "
        "Pipfile.lock, requirements*.txt, pyproject.toml or an environment directory)",
        path.as_posix(),
    )


def _requirements_files(project_dir: Path) -> list[Path]:
    found = sorted(project_dir.glob("requirements*.txt"))
    nested = project_dir / "requirements"
    if nested.is_dir():
        found += sorted(nested.glob("*.txt"))
    return found


def is_pinned_requirements(path: Path) -> bool:
    """A requirements file is a lock when every requirement line pins one version (``==``)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    requirement_lines = 0
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", "-", "--")):
            continue
        requirement_lines += 1
        if not _PINNED_LINE.match(line) and " @ " not in line:
            return False
    return requirement_lines > 0


def _find_environment(project_dir: Path) -> Path | None:
    for name in (".venv", "venv", "env"):
        candidate = project_dir / name
        if (candidate / "pyvenv.cfg").is_file():
            return candidate
    return None


def detect(project_dir: Path, env_path: Path | None = None) -> Detected:
    """Pick the input that states most exactly what runs, and say why."""
    if not project_dir.exists():
        raise SourceError("no such file or directory", project_dir.as_posix())
    if project_dir.is_file():
        return Detected(project_dir, kind_of(project_dir), "given as a file")
    locks: list[tuple[str, Path]] = []
    for kind in LOCK_PREFERENCE:
        if kind == "pylock.toml":
            for candidate in sorted(project_dir.glob("pylock*.toml")):
                if candidate.name == "pylock.toml" or _PYLOCK_NAME.match(candidate.name):
                    locks.append((kind, candidate))
            continue
        candidate = project_dir / kind
        if candidate.is_file():
            locks.append((kind, candidate))
    for candidate in _requirements_files(project_dir):
        if is_pinned_requirements(candidate):
            locks.append(("requirements.txt", candidate))
    if locks:
        kind, chosen = locks[0]
        ignored = tuple(p.name for _, p in locks[1:])
        reason = f"lock file {chosen.name} (a lock states exactly what is installed)"
        return Detected(chosen, kind, reason, ignored)
    env = env_path or _find_environment(project_dir)
    if env is not None:
        how = "given with --env" if env_path else f"found {env.name}/ with pyvenv.cfg"
        return Detected(env, "environment", f"installed environment ({how}); no lock file found")
    manifest = project_dir / "pyproject.toml"
    if manifest.is_file():
        return Detected(manifest, "pyproject.toml", "manifest only: no lock file or environment found")
    requirements = _requirements_files(project_dir)
    if requirements:
        return Detected(
            requirements[0], "requirements.txt", "unpinned requirements only: no lock file or environment found"
        )
    nested = _nested_projects(project_dir)
    hint = f"; subprojects with inputs: {', '.join(nested)} (scan one of them)" if nested else ""
    raise SourceError(
        "no dependency input found (looked for uv.lock, poetry.lock, pdm.lock, pylock*.toml, "
        f"Pipfile.lock, requirements*.txt, pyproject.toml, .venv); use --input FILE or --env PATH{hint}",
        project_dir.as_posix(),
    )


_SKIP_DIRS = {".git", "node_modules", ".venv", "venv", "__pycache__", ".tox", "build", "dist"}


def _nested_projects(project_dir: Path, depth: int = 3, limit: int = 8) -> list[str]:
    """Folders below ``project_dir`` (monorepo layouts like libs/aws/) that hold an input."""
    found: list[str] = []
    names = {"uv.lock", "poetry.lock", "pdm.lock", "Pipfile.lock", "pyproject.toml", "pylock.toml"}
    stack = [(project_dir, 0)]
    while stack and len(found) < limit:
        folder, level = stack.pop()
        try:
            children = sorted(folder.iterdir(), reverse=True)
        except OSError:
            continue
        for child in children:
            if not child.is_dir() or child.is_symlink() or child.name in _SKIP_DIRS or child.name.startswith("."):
                continue
            if any((child / name).is_file() for name in names):
                found.append(child.relative_to(project_dir).as_posix() + "/")
            elif level + 1 < depth:
                stack.append((child, level + 1))
    return sorted(found)[:limit]


def load_input(detected: Detected, project_dir: Path, options: LoadOptions | None = None) -> ResolvedProject:
    """Run the format module for a detected input."""
    options = options or LoadOptions()
    module_name = MODULES[detected.kind]
    try:
        module = importlib.import_module(f"blastradius.sources.{module_name}")
    except ModuleNotFoundError as exc:  # a format whose module has not landed yet
        raise SourceError(f"reading {detected.kind} is not supported yet", detected.path.as_posix()) from exc
    project: ResolvedProject = module.load(detected.path, project_dir, options)
    project.detection_reason = detected.reason
    if detected.ignored:
        project.notes.append("also found, not used: " + ", ".join(detected.ignored) + " (choose with --input)")
    return project


def load_project(
    target: Path, *, input_file: Path | None = None, options: LoadOptions | None = None
) -> ResolvedProject:
    """Front door for the CLI: detect (or take ``--input``) and load."""
    options = options or LoadOptions()
    project_dir = target if target.is_dir() else target.parent
    if input_file is not None:
        if not input_file.exists():
            raise SourceError("no such file or directory", input_file.as_posix())
        detected = Detected(input_file, kind_of(input_file), "forced with --input")
    else:
        detected = detect(target, options.env_path)
    return load_input(detected, project_dir, options)
