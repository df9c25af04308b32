"""The scan, stage by stage, with no printing: sources -> graph -> credentials, capabilities,
advisories -> scoring -> compare -> gate. The CLI calls :func:`run_scan` and hands the
:class:`ScanResult` to a renderer; every output format reads the same result.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from blastradius.graph import DependencyGraph, Target, View, build_graph
from blastradius.model import Package, ResolvedProject
from blastradius.sources import LoadOptions, load_project

if TYPE_CHECKING:  # the stages are imported lazily at run time (start-up cost)
    from blastradius.advisories.model import AdvisoryReport
    from blastradius.capabilities.model import FetchResult
    from blastradius.compare import Comparison
    from blastradius.config import Config
    from blastradius.credentials.model import CredentialInventory
    from blastradius.gate import GateConfig, GateResult
    from blastradius.scoring import ScoreResult


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
    gate: GateConfig | None = None  # resolved from flags and config by the command
    config: Config | None = None


@dataclass
class ScanResult:
    """Plain outputs of every stage; a stage that did not run leaves its field None."""

    options: ScanOptions
    project: ResolvedProject
    graph: DependencyGraph
    inventory: CredentialInventory | None = None
    capabilities: FetchResult | None = None  # analyses per package + what was not analysed, and why
    advisories: AdvisoryReport | None = None  # compromised pins, admissible ranges, unaudited
    score: ScoreResult | None = None
    comparison: Comparison | None = None
    gate: GateResult | None = None
    online_activity: list[str] = field(default_factory=list)  # what used the network, for the report
    warnings: list[str] = field(default_factory=list)


Progress = Callable[[str], None]

# The stages in the order run_scan reports them; the terminal progress bar counts these.
STAGES = (
    "reading dependencies",
    "building graph",
    "finding credentials",
    "analysing package code",
    "matching advisories",
    "scoring",
)

# Key under which capability analysis reports start-up files (.pth, .start) no RECORD owns.
UNOWNED = "<unowned>"


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


def run_scan(options: ScanOptions, progress: Progress = _no_progress, today: _dt.date | None = None) -> ScanResult:
    """Every stage in order. Stages never print; their notes end up in the report."""
    from blastradius.config import load_config

    root = project_root(options)
    if options.config is None:
        options.config = load_config(root)
    project, graph = resolve_project(options, progress)
    result = ScanResult(options=options, project=project, graph=graph)
    if project.resolver is not None and project.resolver.online:
        result.online_activity.append(f"resolver {project.resolver.name} queried the package index (binary-only metadata)")

    progress("finding credentials")
    result.inventory = _credentials(result, root)
    progress("analysing package code")
    result.capabilities = _capabilities(result, progress)
    progress("matching advisories")
    result.advisories = _advisories(result)
    progress("scoring")
    _score_and_gate(result, today)
    return result


def _installed(graph: DependencyGraph) -> list[Package]:
    return [graph.nodes[key].package for key in graph.packages]


def _credentials(result: ScanResult, root: Path) -> Any:
    from blastradius.credentials import find_credentials

    names = sorted({p.name for p in _installed(result.graph)})
    return find_credentials(root, names, result.options.config.credential_config())


def _capabilities(result: ScanResult, progress: Progress) -> Any:
    """What each package's code can do: from an installed environment (--env) or the lock's
    pinned artifacts (--fetch); otherwise the report lists every package as not analysed."""
    from blastradius.capabilities.model import FetchResult

    options = result.options
    packages = _installed(result.graph)
    if options.fetch:
        from blastradius.capabilities import fetch_and_analyse

        # the lock's own registry is tried after the user's configured indexes
        pins = [(p.name, p.version, p.hashes, p.source_url) for p in packages if p.version and p.source == "registry"]
        fetched = fetch_and_analyse(pins)
        not_analysed = dict(fetched.not_analysed)
        for p in packages:
            if p.source != "registry" and p.name not in fetched.analyses:
                not_analysed.setdefault(p.name, f"{p.source} source: nothing to download from an index")
        result.online_activity.append(f"--fetch downloaded pinned artifacts ({len(fetched.analyses)} analysed)")
        return FetchResult(analyses=dict(fetched.analyses), not_analysed=not_analysed, hash_mismatches=list(fetched.hash_mismatches))
    env_path = options.env_path
    if env_path is None and result.project.input_kind == "environment":
        env_path = project_root(options) / result.project.input_file
    if env_path is not None:
        from blastradius.capabilities import analyse_environment

        analyses = analyse_environment(env_path)
        unowned = analyses.get(UNOWNED)
        if unowned is not None and unowned.verdict in ("high", "critical"):
            for evidence in unowned.evidence:
                result.warnings.append(
                    f"start-up file owned by no installed package: {evidence.path}:{evidence.line or 1} "
                    f"({evidence.rule_id}, {evidence.severity}): {evidence.message}"
                )
        not_analysed = {
            p.name: "not installed in the environment" for p in packages if p.name not in analyses
        }
        return FetchResult(analyses=dict(analyses), not_analysed=not_analysed)
    reason = "no code available offline (use --env PATH or --fetch)"
    return FetchResult(analyses={}, not_analysed={p.name: reason for p in packages})


def _advisories(result: ScanResult) -> Any:
    from dataclasses import replace

    from blastradius.advisories import assess, attach_paths

    graph = result.graph
    pins = [(p.key, p.name, p.version, p.hashes) for p in _installed(graph)]
    locked = result.project.input_kind not in ("pyproject.toml",) and result.project.transitive_known
    report = assess(
        pins,
        result.project.requirements,
        locked=locked,
        extra_sources=result.options.advisories,
        online=result.options.online,
    )
    if result.options.online:
        result.online_activity.append("pip-audit queried its vulnerability service")
    paths = {key: graph.shortest_path(key) for key in graph.packages}
    return replace(report, findings=tuple(attach_paths(report.findings, paths)))


def _score_and_gate(result: ScanResult, today: _dt.date | None) -> None:
    from blastradius.compare import compare_variants, load_closures
    from blastradius.gate import GateConfig, run_gate
    from blastradius.scoring import Weights, score_scan

    config = result.options.config
    weights = Weights.load(config.weights) if config.weights else None
    result.score = score_scan(result, weights, result.options.config.credential_config())
    providers = sorted(getattr(result.inventory, "provider_ids", ()) or ()) if result.options.online else None
    closures = load_closures(online=result.options.online, providers=providers)
    if result.options.online:
        result.online_activity.append("SDK closures refreshed with the resolver")
    result.comparison = compare_variants(
        result.graph,
        result.inventory,
        result.score,
        provider=result.options.provider or config.provider,
        closures=closures,
        weights=weights,
        advisories=result.advisories,
    )
    gate_config = result.options.gate or GateConfig.resolve({}, config)
    result.gate = run_gate(result, gate_config, today)
    unowned = (getattr(result.capabilities, "analyses", None) or {}).get(UNOWNED)
    if unowned is not None and unowned.verdict == "critical" and "critical-capability" in gate_config.fail_on:
        from dataclasses import replace

        reason = "critical capability verdict: a start-up file owned by no installed package (see warnings)"
        result.gate = replace(result.gate, passed=False, reasons=(*result.gate.reasons, reason))
