"""The score on the docs' worked example and on real fixture projects."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from blastradius.capabilities.model import PackageAnalysis
from blastradius.credentials.model import Credential, CredentialInventory, CredentialLocation
from blastradius.graph import build_graph
from blastradius.model import Dependency, Location, Package, ResolvedProject
from blastradius.pipeline import ScanOptions, run_scan
from blastradius.scoring import Weights, build_units, score_project

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"


def worked_example() -> tuple[ResolvedProject, CredentialInventory]:
    """docs/scoring.md: 10 runtime packages, 4 more in the dev group, 4 runtime credentials and
    one CI secret."""
    project = ResolvedProject(project_dir=".", input_file="uv.lock", input_kind="uv.lock")
    project.add_package(Package("gateway", "1.0", is_root=True, source="virtual"))
    runtime = [f"lib{i}" for i in range(10)]
    dev = ["pytest", "pluggy", "iniconfig", "pygments"]
    for name in runtime + dev:
        project.add_package(Package(name, "1.0"))
    for i, name in enumerate(runtime):
        parent = "gateway==1.0" if i < 3 else f"lib{i % 3}==1.0"  # depth 1 and 2
        project.dependencies.append(Dependency(parent, f"{name}==1.0"))
    for name in dev:
        project.dependencies.append(Dependency("gateway==1.0", f"{name}==1.0", group="dev"))
    here = CredentialLocation(Location(".env", 1), "dotenv")
    credentials = (
        Credential("OPENAI_API_KEY", "openai", "OpenAI", "provider-key", (here,), ("runtime",)),
        Credential("ANTHROPIC_API_KEY", "anthropic", "Anthropic", "provider-key", (here,), ("runtime",)),
        Credential("LITELLM_MASTER_KEY", "litellm_master_key", "LiteLLM", "gateway-admin", (here,), ("runtime",)),
        Credential("LANGFUSE_SECRET_KEY", "langfuse", "Langfuse", "observability", (here,), ("runtime",)),
        Credential("PYPI_TOKEN", "", "", "other-secret", (CredentialLocation(Location(".github/workflows/release.yml", 20), "github secret", "ci:release.yml:publish"),), ("ci:release.yml:publish",)),
    )
    return project, CredentialInventory(credentials=credentials)


def test_worked_example_from_the_docs():
    project, inventory = worked_example()
    graph = build_graph(project)
    units = build_units(graph, inventory)
    assert [(u.name, len(u.packages), len(u.credentials)) for u in units] == [
        ("runtime", 10, 4),
        ("ci:release.yml:publish", 14, 1),
    ]
    result = score_project(graph, units, inventory)
    assert [(u.exposure_pairs, u.weighted_exposure) for u in result.units] == [(40, 32.5), (14, 7.0)]
    assert result.raw["weighted_exposure"] == 39.5
    assert result.score == 23
    text = "\n".join(result.explanation)
    assert "unit runtime: 10 packages × 4 credentials = 40 exposure pairs; weighted 10 × (1 + 0.25 + 1 + 1) = 32.5" in text
    assert "unit ci:release.yml:publish: 14 packages × 1 credentials = 14 exposure pairs; weighted 14 × (0.5) = 7" in text
    assert "R = 32.5 + 7 = 39.5" in text
    assert "score = round(100 × (1 − exp(−(39.5 / 240) ^ 0.75))) = round(22.77) = 23" in text
    # the document states the same numbers a reviewer recomputes by hand
    doc = (ROOT / "docs" / "scoring.md").read_text("utf-8")
    assert "R     = 32.5 + 7 = 39.5" in doc and "score = round(22.77) = 23" in doc
    weights = json.loads((ROOT / "src/blastradius/data/weights.json").read_text("utf-8"))
    assert f"`scale = {weights['scale']:g}`, `exponent = {weights['exponent']:g}`" in doc
    for kind, value in weights["kinds"].items():
        row = re.search(rf"\|\s*{re.escape(kind)}\s*\|\s*([0-9.]+)\s*\|", doc)
        assert row and float(row.group(1)) == value, kind

    # per package and per credential reach
    lib7 = next(p for p in result.packages if p.name == "lib7")
    assert lib7.depth == 2 and lib7.path == ("gateway", "lib1", "lib7")
    assert lib7.credentials == ("ANTHROPIC_API_KEY", "LANGFUSE_SECRET_KEY", "LITELLM_MASTER_KEY", "OPENAI_API_KEY", "PYPI_TOKEN")
    assert lib7.units == ("ci:release.yml:publish", "runtime")
    pytest_reach = next(p for p in result.packages if p.name == "pytest")
    assert pytest_reach.credentials == ("PYPI_TOKEN",) and pytest_reach.units == ("ci:release.yml:publish",)
    lib0 = next(p for p in result.packages if p.name == "lib0")
    assert lib0.dependents == 0 and lib0.depth == 1
    by_name = {c.name: c for c in result.credentials}
    assert by_name["OPENAI_API_KEY"].packages_reaching == 10
    assert by_name["PYPI_TOKEN"].packages_reaching == 14


def test_weights_override_changes_the_score_and_is_reported(tmp_path):
    from blastradius.config import load_config

    (tmp_path / "pyproject.toml").write_text(
        '[tool.blastradius.weights]\nscale = 480\nkinds = { other-secret = 0.0 }\n', "utf-8"
    )
    config = load_config(tmp_path)
    weights = Weights.load(config.weights)
    assert weights.overridden == ("kinds.other-secret", "scale")
    project, inventory = worked_example()
    graph = build_graph(project)
    result = score_project(graph, build_units(graph, inventory), inventory, weights=weights)
    assert result.raw["weighted_exposure"] == 32.5  # the CI secret now weighs nothing
    assert result.score < 23
    assert result.to_dict()["weights"]["scale"] == 480


def test_direct_reach_is_shown_but_does_not_change_the_score():
    project, inventory = worked_example()
    graph = build_graph(project)
    units = build_units(graph, inventory)
    without = score_project(graph, units, inventory)
    analyses = {
        "lib3": PackageAnalysis("lib3", "1.0", "lib3-1.0-py3-none-any.whl", None, ("env-read",), ("OPENAI_API_KEY", "HOME"), "info"),
        "lib4": PackageAnalysis("lib4", "1.0", "lib4-1.0-py3-none-any.whl", None, ("pth-exec",), (), "medium"),
    }
    with_caps = score_project(graph, units, inventory, capabilities=analyses)
    assert with_caps.score == without.score
    assert with_caps.raw["weighted_exposure"] == without.raw["weighted_exposure"]
    lib3 = next(p for p in with_caps.packages if p.name == "lib3")
    assert lib3.direct_reach == ("OPENAI_API_KEY",)  # HOME is not a credential of this project
    assert len(lib3.credentials) == 5  # ambient reach is everything its units hold
    assert next(p for p in with_caps.packages if p.name == "lib4").runs_at_start
    assert {c.name: c.direct_reach_packages for c in with_caps.credentials}["OPENAI_API_KEY"] == ("lib3==1.0",)
    assert with_caps.direct_reach_available and not without.direct_reach_available
    # a critical verdict is likelihood weight: it may raise the score, never lower it
    analyses["lib5"] = PackageAnalysis("lib5", "1.0", "x.whl", None, ("exec-decoded",), (), "critical")
    critical = score_project(graph, units, inventory, capabilities=analyses)
    assert critical.raw["weighted_exposure"] == without.raw["weighted_exposure"] + 2.0 * (3.25 + 0.5)


def test_ci_units_fall_back_to_the_runtime_set_without_groups():
    project, inventory = worked_example()
    project.dependencies = [d for d in project.dependencies if d.group is None]
    graph = build_graph(project)
    units = build_units(graph, inventory)
    assert [len(u.packages) for u in units] == [10, 10]


def test_declared_units_take_their_groups(tmp_path):
    from blastradius.credentials.model import UnitSpec

    project, inventory = worked_example()
    worker = Credential("REDIS_PASSWORD", "redis", "Redis", "datastore", (), ("worker",))
    inventory = CredentialInventory(credentials=inventory.credentials + (worker,))
    graph = build_graph(project)
    units = build_units(graph, inventory, [UnitSpec("worker", ("worker/**",), ("dev",))])
    worker_unit = next(u for u in units if u.name == "worker")
    assert worker_unit.kind == "declared" and len(worker_unit.packages) == 14
    assert worker_unit.credentials == ("REDIS_PASSWORD",)


@pytest.fixture(scope="module")
def gateway_and_single():
    litellm = run_scan(ScanOptions(path=FIXTURES / "litellm-proxy", target="python=3.12,platform=linux"))
    anthropic = run_scan(ScanOptions(path=FIXTURES / "anthropic-proxy", target="python=3.12,platform=linux"))
    return litellm, anthropic


def test_real_gateway_scores_above_its_single_provider_alternative(gateway_and_single):
    litellm, anthropic = gateway_and_single
    expected = json.loads((FIXTURES / "litellm-proxy" / "expected.json").read_text("utf-8"))
    runtime = litellm.score.unit("runtime")
    assert runtime.packages == expected["runtime_linux_py312"] == 104  # uv's own resolution
    assert litellm.score.score > anthropic.score.score
    assert len(runtime.credentials) > len(anthropic.score.unit("runtime").credentials) >= 1
    assert anthropic.score.unit("runtime").credentials == ("ANTHROPIC_API_KEY",)
    # each claim in the explanation carries its numbers
    first = litellm.score.explanation[0]
    assert f"{runtime.packages} packages × {len(runtime.credentials)} credentials = {runtime.exposure_pairs}" in first
