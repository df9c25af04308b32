"""The scan, stage by stage, with no printing: sources -> graph -> credentials, capabilities,
advisories -> scoring -> compare -> gate. The CLI calls :func:`run_scan` and hands the
:class:`ScanResult` to a renderer; every output format reads the same result.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from blastradius.graph import DependencyGraph, Target, View, build_graph
from blastradius.model import ResolvedProject
from blastradius.sources import LoadOptions, load_project


@dataclass
class ScanOptions:
    """Everything the user can ask of a scan (CLI flags merged with `[tool.blastradius]`)."""

    path: Path
    input_file: Path | None = None
    env_path: Path | None = None
    offline: bool = False
    online: bool = False  # advisories via pip-audit, SDK-closure refresh
    fetch: bool = False  # download the lock's pinned artifacts for capability analysis
    groups: tuple[str, ...] = ()
    all_groups: bool = False
    target: str | None = None
    advisories: tuple[Path, ...] = ()
    provider: str | None = None  # single-provider variant for the comparison
    gate: Any = None  # scoring.gate.GateConfig once resolved
    config: Any = None  # config.Config


@dataclass
class ScanResult:
    """Plain outputs of every stage; a stage that did not run leaves its field None."""

    options: ScanOptions
    project: ResolvedProject
    graph: DependencyGraph
    inventory: Any = None  # credentials.model.CredentialInventory
    capabilities: Any = None  # dict[name, capabilities.model.PackageAnalysis] + not analysed
    advisories: Any = None  # advisories findings (compromised pins, admissible ranges, unaudited)
    score: Any = None  # scoring.ScoreResult
    comparison: Any = None  # compare.Comparison
    gate: Any = None  # gate.GateResult
    online_activity: list[str] = field(default_factory=list)  # what used the network, for the report
    warnings: list[str] = field(default_factory=list)


Progress = Callable[[str], None]


def _no_progress(_: str) -> None:
    return None


def resolve_project(options: ScanOptions, progress: Progress = _no_progress) -> tuple[ResolvedProject, DependencyGraph]:
    target = Target.parse(options.target) if options.target else None
    load_options = LoadOptions(env_path=options.env_path, offline=options.offline)
    if target is not None:
        env = dict(target.environment)
        load_options.python_version = env["python_full_version"]
        load_options.platform = env["sys_platform"]
    progress("reading dependencies")
    project = load_project(options.path, input_file=options.input_file, options=load_options)
    progress("building graph")
    view = View(groups=frozenset(options.groups), all_groups=options.all_groups, target=target)
    graph = build_graph(project, view)
    return project, graph


def project_root(options: ScanOptions) -> Path:
    path = options.path
    return path if path.is_dir() else path.parent


def run_scan(options: ScanOptions, progress: Progress = _no_progress) -> ScanResult:
    project, graph = resolve_project(options, progress)
    result = ScanResult(options=options, project=project, graph=graph)
    if project.resolver is not None and project.resolver.online:
        result.online_activity.append(f"resolver {project.resolver.name} queried the package index")
    _run_optional_stages(result, progress)
    return result


def _run_optional_stages(result: ScanResult, progress: Progress) -> None:
    """Stages beyond the graph; each is skipped cleanly until its package exists."""
    os.environ.setdefault("BLASTRADIUS_PIPELINE", "1")
    del progress
