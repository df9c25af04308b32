"""The gate from the command line (real `blastradius` subprocesses on real fixtures) and
evaluate_gate's rules."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from blastradius.config import Config, Waiver
from blastradius.gate import GateConfig, evaluate_gate
from blastradius.graph import build_graph
from blastradius.scoring import build_units, score_project

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
BLASTRADIUS = str(Path(sys.executable).with_name("blastradius"))


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([BLASTRADIUS, *args], capture_output=True, text=True, cwd=cwd)


@pytest.fixture()
def project(tmp_path):
    """A private copy of the single-provider fixture (ANTHROPIC_API_KEY only)."""
    target = tmp_path / "proj"
    shutil.copytree(FIXTURES / "anthropic-proxy", target)
    return target


@pytest.fixture(scope="module")
def litellm_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("reports") / "litellm.json"
    done = run("scan", str(FIXTURES / "litellm-proxy"), "--format", "json", "-o", str(out), "-q")
    assert done.returncode == 0, done.stderr
    return json.loads(out.read_text("utf-8")), out


def test_threshold_exit_codes(litellm_report):
    report, _ = litellm_report
    score = report["score"]["score"]
    assert 60 < score < 100
    passed = run("scan", str(FIXTURES / "litellm-proxy"), "--fail-above", str(score), "-q")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    failed = run("scan", str(FIXTURES / "litellm-proxy"), "--fail-above", "60", "-q")
    assert failed.returncode == 1
    assert f"score {score} is above the threshold 60" in failed.stdout
    zero = run("scan", str(FIXTURES / "litellm-proxy"), "--fail-above", "60", "--exit-zero", "-q")
    assert zero.returncode == 0
    limits = run("scan", str(FIXTURES / "litellm-proxy"), "--max-credentials-per-unit", "1", "--max-packages", "50", "-q")
    assert limits.returncode == 1
    assert "unit runtime holds" in limits.stdout and "(max-credentials-per-unit)" in limits.stdout
    assert "more than 50 (max-packages)" in limits.stdout
    usage = run("scan", str(FIXTURES / "litellm-proxy"), "--fail-above", "101")
    assert usage.returncode == 2


def test_thresholds_from_configuration_and_cli_beats_config(project):
    with (project / "pyproject.toml").open("a", encoding="utf-8") as handle:
        handle.write("\n[tool.blastradius]\nfail-above = 0\n")
    assert run("scan", str(project), "-q").returncode == 1
    assert run("scan", str(project), "-q", "--fail-above", "100").returncode == 0


def test_expired_waiver_fails_and_says_so(project):
    with (project / "pyproject.toml").open("a", encoding="utf-8") as handle:
        handle.write(
            "\n[[tool.blastradius.waivers]]\nid = \"ANTHROPIC_API_KEY\"\nreason = \"only key\"\nexpires = 2020-01-31\n"
        )
    done = run("scan", str(project), "-q")
    assert done.returncode == 1
    assert "expired waiver: waiver ANTHROPIC_API_KEY expired on 2020-01-31 (reason was: only key)" in done.stdout


def test_known_compromised_fails_whatever_the_threshold():
    done = run("scan", str(FIXTURES / "advisories" / "uv-project"), "--fail-above", "100", "--format", "json", "-q")
    assert done.returncode == 1
    report = json.loads(done.stdout)
    assert report["score"]["score"] == 100
    assert any(r.startswith("known-compromised: litellm 1.82.8 (MAL-2026-2144)") for r in report["gate"]["reasons"])
    assert run("scan", str(FIXTURES / "advisories" / "uv-project-avoids"), "--fail-above", "100", "-q").returncode == 0


def test_baseline_passes_on_no_growth_and_prints_exactly_what_grew(project, tmp_path):
    base = tmp_path / "base.json"
    assert run("scan", str(project), "--format", "json", "-o", str(base), "-q").returncode == 0
    same = run("scan", str(project), "--baseline", str(base), "--fail-above", "0", "-q", "--format", "json")
    assert same.returncode == 0, same.stdout
    gate = json.loads(same.stdout)["gate"]
    assert gate["passed"] and gate["growth"]["grew"] is False and gate["reasons"] == []
    assert any(n.startswith("baseline mode, not failing on: score") for n in gate["notes"])

    # The PR adds a provider: a new key in the service's environment file.
    with (project / ".env.example").open("a", encoding="utf-8") as handle:
        handle.write("OPENAI_API_KEY=\n")
    grown = run("scan", str(project), "--baseline", str(base), "-q")
    assert grown.returncode == 1
    assert "new credential: OPENAI_API_KEY (openai, provider-key) in runtime; 28 packages can reach it" in grown.stdout
    assert "new package" not in grown.stdout

    # An older baseline that lacked a package: that package (and the path that brought it) grew.
    old = json.loads(base.read_text("utf-8"))
    old["score"]["packages"] = [p for p in old["score"]["packages"] if p["name"] != "anyio"]
    old["score"]["score"] -= 1
    older = tmp_path / "older.json"
    older.write_text(json.dumps(old), "utf-8")
    with (project / ".env.example").open("w", encoding="utf-8") as handle:
        handle.write("ANTHROPIC_API_KEY=\n")
    done = run("scan", str(project), "--baseline", str(older), "-q", "--format", "json")
    assert done.returncode == 1
    growth = [line.strip() for line in json.loads(done.stdout)["gate"]["reasons"][1:]]
    assert any(line.startswith("new package: anyio ") and "(via anthropic-proxy" in line for line in growth), growth
    assert any(line.startswith("score ") and "(+1)" in line for line in growth), growth
    assert not any(line.startswith("new credential") for line in growth)


def test_bad_baseline_is_an_input_error(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", "utf-8")
    done = run("scan", str(FIXTURES / "anthropic-proxy"), "--baseline", str(bad))
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "bad.json:1: baseline is not JSON" in done.stderr
    other = tmp_path / "other.json"
    other.write_text("[1, 2]", "utf-8")
    assert run("scan", str(FIXTURES / "anthropic-proxy"), "--baseline", str(other)).returncode == 2


# ----- evaluate_gate directly ----------------------------------------------------------------------
def _score():
    from tests.test_scoring import worked_example

    project, inventory = worked_example()
    graph = build_graph(project)
    return score_project(graph, build_units(graph, inventory), inventory), inventory


def test_resolve_cli_beats_config_and_known_compromised_is_always_on():
    config = Config(source="pyproject.toml", fail_above=50, max_packages=10, fail_on=("vulnerability",))
    resolved = GateConfig.resolve({"fail_above": 70, "fail_on": ()}, config)
    assert resolved.fail_above == 70 and resolved.max_packages == 10
    assert resolved.fail_on == ("known-compromised", "vulnerability")
    assert dict(resolved.origin) == {"fail_above": "command line", "max_packages": "pyproject.toml", "fail_on": "pyproject.toml"}
    assert GateConfig.resolve({"fail_on": ("plaintext-secret",)}, config).fail_on == ("known-compromised", "plaintext-secret")


def test_waivers_count_only_until_they_expire():
    result, _ = _score()
    today = dt.date(2026, 6, 1)
    strict = GateConfig(max_credentials_per_unit=3)
    assert not evaluate_gate(result, (), strict, None, today).passed  # runtime holds 4
    waiver = Waiver("LANGFUSE_SECRET_KEY", "tracing only", dt.date(2026, 6, 1))
    waived = evaluate_gate(result, (), GateConfig(max_credentials_per_unit=3, waivers=(waiver,)), None, today)
    assert waived.passed, waived.reasons
    later = evaluate_gate(result, (), GateConfig(max_credentials_per_unit=3, waivers=(waiver,)), None, dt.date(2026, 6, 2))
    assert not later.passed
    assert any("expired on 2026-06-01" in r for r in later.reasons)
    assert any("unit runtime holds 4 credentials" in r for r in later.reasons)
    package_waiver = Waiver("lib1", "vendored", dt.date(2027, 1, 1), "package")
    assert not evaluate_gate(result, (), GateConfig(max_packages=9), None, today).passed
    assert evaluate_gate(result, (), GateConfig(max_packages=9, waivers=(package_waiver,)), None, today).passed


# ----- baseline on a real project not in this repository (copied to a temp dir) -----------------
HEADROOM = FIXTURES / "corpus" / "pankaj28843__litellm-proxy-headroom"  # LiteLLM proxy, uv.lock, see SOURCE.md


@pytest.fixture(scope="module")
def headroom(tmp_path_factory):
    """A private copy of a real LiteLLM gateway and its own baseline report."""
    root = tmp_path_factory.mktemp("headroom")
    target = root / "proj"
    shutil.copytree(HEADROOM, target)
    base = root / "base.json"
    done = run("scan", str(target), "--format", "json", "-o", str(base), "-q")
    assert done.returncode == 0, done.stderr
    return target, base


def _gate_json(*args: str) -> tuple[int, dict]:
    done = run("scan", *args, "-q", "--format", "json")
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, json.loads(done.stdout)["gate"]


def test_baseline_on_a_real_gateway_lock_edit_names_the_new_packages(headroom, tmp_path):
    project, base = headroom
    work = tmp_path / "proj"
    shutil.copytree(project, work)
    lock = work / "uv.lock"
    text = lock.read_text("utf-8")
    # A PR adds a heavy direct dependency (two new packages, one existing one reused).
    edge = '    { name = "httpx" },\n    { name = "jinja2" },\n'  # in the root's dependencies
    assert text.count(edge) == 1
    text = text.replace(edge, edge + '    { name = "heavyml" },\n', 1)
    text += (
        '\n[[package]]\nname = "heavyml"\nversion = "2.0.0"\nsource = { registry = "https://index.example/simple" }\n'
        'dependencies = [\n    { name = "heavyml-kernels" },\n    { name = "requests" },\n]\n'
        '\n[[package]]\nname = "heavyml-kernels"\nversion = "2.0.0"\nsource = { registry = "https://index.example/simple" }\n'
    )
    lock.write_text(text, "utf-8")
    code, gate = _gate_json(str(work), "--baseline", str(base))
    assert code == 1 and not gate["passed"]
    growth = gate["growth"]
    assert [line.split(" (via")[0] for line in growth["new_packages"]] == ["heavyml 2.0.0", "heavyml-kernels 2.0.0"]
    assert growth["new_packages"][1].startswith("heavyml-kernels 2.0.0 (via litellm-proxy-headroom -> heavyml -> heavyml-kernels)")
    assert growth["new_credentials"] == [] and growth["new_holdings"] == []
    assert growth["packages_after"] == growth["packages_before"] + 2
    # requests was already there: it is reached by a new path, which is listed but is not growth
    assert any(p.startswith("requests: litellm-proxy-headroom -> heavyml -> requests") for p in growth["changed_paths"])
    assert gate["reasons"][0] == "grew since the baseline (2 change(s)):"


def test_baseline_dropping_a_direct_dependency_is_not_growth(headroom, tmp_path):
    """httpx stays installed through litellm: paths change, nothing is added, the gate passes."""
    project, base = headroom
    work = tmp_path / "proj"
    shutil.copytree(project, work)
    lock = work / "uv.lock"
    text = lock.read_text("utf-8")
    direct = '    { name = "httpx" },\n    { name = "jinja2" },\n'
    assert direct in text
    lock.write_text(text.replace(direct, '    { name = "jinja2" },\n', 1), "utf-8")
    code, gate = _gate_json(str(work), "--baseline", str(base))
    assert code == 0 and gate["passed"], gate["reasons"]
    assert gate["growth"]["grew"] is False
    assert any(p.startswith("httpx: litellm-proxy-headroom -> litellm -> httpx") for p in gate["growth"]["changed_paths"])
    # ... and the same report with no change at all passes with nothing listed.
    code, gate = _gate_json(str(project), "--baseline", str(base), "--fail-above", "0", "--max-credentials-per-unit", "0")
    assert code == 0 and gate["growth"]["changed_paths"] == [] and gate["growth"]["new_packages"] == []
    assert sum(n.startswith("baseline mode, not failing on:") for n in gate["notes"]) == 2


def test_baseline_new_provider_key_on_a_real_gateway(headroom, tmp_path):
    project, base = headroom
    work = tmp_path / "proj"
    shutil.copytree(project, work)
    with (work / ".env.example").open("a", encoding="utf-8") as handle:
        handle.write("ANTHROPIC_API_KEY=\n")
    done = run("scan", str(work), "--baseline", str(base), "-q")
    assert done.returncode == 1
    # the score was already saturated (99): growth is found by name, not by score
    assert "score 99 -> " not in done.stdout
    assert "new credential: ANTHROPIC_API_KEY (anthropic, provider-key) in runtime; 161 packages can reach it" in done.stdout
    assert "new package" not in done.stdout


def test_baseline_from_another_project_says_so(headroom, tmp_path):
    project, _ = headroom
    other = tmp_path / "other.json"
    assert run("scan", str(FIXTURES / "anthropic-proxy"), "--format", "json", "-o", str(other), "-q").returncode == 0
    code, gate = _gate_json(str(project), "--baseline", str(other))
    assert code == 1
    assert "the baseline is a report on anthropic-proxy, this scan is litellm-proxy-headroom: " \
           "everything the two do not share counts as growth" in gate["notes"]
    own = json.loads(run("scan", str(project), "--baseline", str(headroom[1]), "-q", "--format", "json").stdout)["gate"]
    assert not any("baseline is a report on" in n for n in own["notes"])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"score": 5, ', "baseline is not JSON"),
        ("[1, 2]", "baseline is not a blastradius JSON report"),
        ('{"score": {"score": "x", "packages": 3}}', "baseline 'score' is not a blastradius score"),
        ('{"score": {"score": 12}}', "baseline 'score' is not a blastradius score"),
        ('{"score": true, "packages": []}', "baseline 'score' is not an integer"),
        ('{"packages": {"a": 1}}', "baseline 'packages' is not a list"),
    ],
)
def test_corrupt_baseline_is_one_line_and_exit_2(tmp_path, content, message):
    bad = tmp_path / "bad.json"
    bad.write_text(content, "utf-8")
    done = run("scan", str(FIXTURES / "anthropic-proxy"), "--baseline", str(bad), "-q")
    assert done.returncode == 2, done.stdout
    assert done.stderr.count("\n") == 1 and message in done.stderr and "Traceback" not in done.stderr
    assert done.stdout == ""
