"""The file walk: which files the finders read, and every skip counted by reason.

Only files some finder understands are opened (by name, before any read), each exactly once.
Directories that never hold the project's own configuration -- VCS data, virtualenvs,
``node_modules``, build output, caches -- are pruned without descending into them.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path

MAX_FILE_SIZE = 2 * 1024 * 1024

SKIP_DIRS = {
    ".git": "vcs directory", ".hg": "vcs directory", ".svn": "vcs directory",
    "node_modules": "node_modules",
    ".venv": "virtualenv", "venv": "virtualenv", "site-packages": "virtualenv",
    "build": "build output", "dist": "build output", ".eggs": "build output",
    "__pycache__": "cache", ".tox": "cache", ".nox": "cache", ".mypy_cache": "cache",
    ".pytest_cache": "cache", ".ruff_cache": "cache", ".cache": "cache",
}

# Which finder reads which file, decided on the name alone.
_YAML = (".yml", ".yaml")
_SHELL = (".sh", ".bash", ".zsh", ".ksh")


def file_kinds(rel: str) -> tuple[str, ...]:
    """The finder families interested in a project-relative POSIX path."""
    name = rel.rsplit("/", 1)[-1]
    lower = name.lower()
    kinds: list[str] = []
    if lower.endswith(".py") or lower.endswith(".pyi"):
        kinds.append("python")
    if is_dotenv_name(name):
        kinds.append("dotenv")
    if lower.endswith(_YAML):
        kinds.append("github" if _is_workflow(rel) else "yaml")
    if lower in ("dockerfile", "containerfile") or lower.startswith(("dockerfile.", "containerfile."))\
            or lower.endswith(".dockerfile"):
        kinds.append("dockerfile")
    if lower.endswith(_SHELL) or lower in (".envrc", ".profile", ".bashrc"):
        kinds.append("shell")
    return tuple(kinds)


def is_dotenv_name(name: str) -> bool:
    lower = name.lower()
    if lower == ".envrc":
        return False
    return (
        lower == ".env"
        or lower.startswith(".env.")
        or lower.endswith(".env")
        or lower in ("env.example", "env.sample", "env.template", "env.dist")
    )


def _is_workflow(rel: str) -> bool:
    parts = rel.split("/")
    return len(parts) >= 3 and parts[-3] == ".github" and parts[-2] == "workflows"


@dataclass
class ProjectFile:
    rel: str
    path: Path
    kinds: tuple[str, ...]


@dataclass
class WalkResult:
    files: list[ProjectFile] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)


def _inside(root: Path, target: str) -> bool:
    try:
        resolved = Path(os.path.realpath(target))
    except OSError:
        return False
    return resolved == root or root in resolved.parents


def walk(project_dir: Path, ignore: tuple[str, ...] = ()) -> WalkResult:
    """Candidate files under ``project_dir`` (sorted), pruning skipped directories."""
    root = Path(os.path.realpath(project_dir))
    result = WalkResult()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        rel_dir = os.path.relpath(dirpath, root).replace(os.sep, "/")
        rel_dir = "" if rel_dir == "." else rel_dir + "/"
        keep = []
        for name in sorted(dirnames):
            full = os.path.join(dirpath, name)
            reason = SKIP_DIRS.get(name)
            if reason is None and name.endswith(".egg-info"):
                reason = "build output"
            if reason is None and os.path.islink(full):
                # never followed; a link leaving the project is counted, one inside is a duplicate
                reason = "symlink outside project" if not _inside(root, full) else "symlinked directory"
            if reason is None and os.path.isfile(os.path.join(full, "pyvenv.cfg")):
                reason = "virtualenv"
            if reason is None and any(fnmatch(rel_dir + name, pat) for pat in ignore):
                reason = "ignored"
            if reason is not None:
                result.skipped[reason] += 1
            else:
                keep.append(name)
        dirnames[:] = keep
        for name in sorted(filenames):
            rel = rel_dir + name
            kinds = file_kinds(rel)
            if not kinds:
                continue
            full = os.path.join(dirpath, name)
            if os.path.islink(full) and not _inside(root, full):
                result.skipped["symlink outside project"] += 1
                continue
            result.files.append(ProjectFile(rel=rel, path=Path(full), kinds=kinds))
    result.files.sort(key=lambda f: f.rel)
    return result


def read_text(file: ProjectFile, skipped: Counter[str], max_size: int = MAX_FILE_SIZE) -> str | None:
    """The file's text, or ``None`` (and the skip counted) when too large, binary or unreadable."""
    try:
        size = file.path.stat().st_size
        if size > max_size:
            skipped["too large"] += 1
            return None
        data = file.path.read_bytes()
    except OSError:
        skipped["unreadable"] += 1
        return None
    if b"\x00" in data[:8192]:
        skipped["binary"] += 1
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")
