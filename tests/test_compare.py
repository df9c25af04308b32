"""The single- vs multi-provider comparison on real fixtures and the snapshot, and
`blastradius compare A B` as a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from blastradius.compare import CompareError, compare_variants, load_closures
from blastradius.pipeline import ScanOptions, run_scan

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
BLASTRADIUS = str(Path(sys.executable).with_name("blastradius"))


@pytest.fixture(scope="module")
def litellm():
    return run_scan(ScanOptions(path=FIXTURES / "litellm-proxy", target="python=3.12,platform=linux"))


def test_snapshot_records_its_provenance_and_real_closures():
    closures = load_closures()
    assert closures.generated and closures.resolver.startswith("uv ") and "binary wheels only" in closures.target
    anthropic = closures.closures["anthropic"]
    names = {name for name, _ in anthropic.packages}
    assert {"anthropic", "pydantic", "anyio", "h11"} <= names
    assert anthropic.count == len(anthropic.packages)
    raw = closures.raw_http
    assert raw is not None and {"httpx", "httpcore", "h11"} <= {n for n, _ in raw.packages}
    assert raw.count < anthropic.count  # the SDK adds to the raw HTTP client
    # a provider without a usable SDK falls back to raw HTTP, and says why
    assert closures.for_provider("ollama")[0].provider == "ollama"
    fallback, why = closures.for_provider("predibase")
    assert fallback is raw and "did not resolve" in why
    assert closures.for_provider("no-such-provider")[1].startswith("raw HTTP")


def test_gateway_variants(litellm):
    comparison = litellm.comparison
    as_scanned, split, single = (comparison.variant(k) for k in ("as-scanned", "split", "single"))
    assert as_scanned.score == litellm.score.score and as_scanned.packages_max == 104
    assert single.score < split.score < as_scanned.score
    assert single.exposure_pairs < split.exposure_pairs < as_scanned.exposure_pairs
    # the default provider is the one whose credentials are named most often
    refs = dict(comparison.providers)
    assert comparison.provider == max(refs, key=lambda p: (refs[p], [-ord(c) for c in p]))
    closures = load_closures().for_target(litellm.graph.view.target)
    # split ranges over real per-provider closure sizes, for the scan's target
    sizes = sorted(u.packages for u in split.units if "/" in u.name)
    expected = sorted(closures.closures[p].count for p in refs)
    assert sizes == expected and split.packages_text == f"{expected[0]}..{expected[-1]}"
    # gateway-only secrets are set aside, by name, in the alternatives
    assert "LITELLM_MASTER_KEY" in split.set_aside and "LITELLM_MASTER_KEY" in single.set_aside


def test_single_provider_choice(litellm):
    closures = load_closures()
    anthropic = compare_variants(litellm.graph, litellm.inventory, litellm.score, provider="anthropic", closures=closures)
    single = anthropic.variant("single")
    assert single.label == "single provider (anthropic)"
    # the scan targets CPython 3.12 on Linux; `uv pip compile` of anthropic==2.17.0 for
    # --python-version 3.12 --python-platform x86_64-unknown-linux-gnu gives 16 packages
    assert single.packages_max == 16
    closures = closures.for_target(litellm.graph.view.target)
    assert single.packages_max == closures.closures["anthropic"].count
    assert [u.credentials for u in single.units] == [("ANTHROPIC_API_KEY",)]
    assert single.exposure_pairs == closures.closures["anthropic"].count
    # a provider the project does not use: its catalog default key and SDK closure
    cohere = compare_variants(litellm.graph, litellm.inventory, litellm.score, provider="cohere", closures=closures).variant("single")
    assert cohere.units[0].credentials == ("COHERE_API_KEY",) and cohere.packages_max == closures.closures["cohere"].count
    with pytest.raises(CompareError, match="unknown provider 'nope'"):
        compare_variants(litellm.graph, litellm.inventory, litellm.score, provider="nope", closures=closures)


def test_compare_command_two_real_projects(tmp_path):
    out = tmp_path / "cmp.json"
    done = subprocess.run(
        [BLASTRADIUS, "compare", str(FIXTURES / "litellm-proxy"), str(FIXTURES / "anthropic-proxy"), "--format", "json", "-o", str(out)],
        capture_output=True, text=True,
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(out.read_text("utf-8"))
    assert data["higher"] == "a" and data["a"]["score"] > data["b"]["score"]
    assert data["a"]["packages"] == 129 and data["b"]["packages"] == 28  # universal views, as `scan` counts them
    assert data["only_b"]["credentials"] == [] and "OPENAI_API_KEY" in data["only_a"]["credentials"]
    assert "anthropic" in data["b"]["providers"] and len(data["a"]["providers"]) > 1
    again = subprocess.run(
        [BLASTRADIUS, "compare", str(FIXTURES / "litellm-proxy"), str(FIXTURES / "anthropic-proxy"), "--format", "json"],
        capture_output=True, text=True,
    )
    assert again.stdout == out.read_text("utf-8")  # byte-identical
    text = subprocess.run([BLASTRADIUS, "compare", str(FIXTURES / "litellm-proxy"), str(FIXTURES / "anthropic-proxy")], capture_output=True, text=True)
    assert text.returncode == 0
    assert "litellm-proxy reaches further" in text.stdout and "single provider (" in text.stdout
    missing = subprocess.run([BLASTRADIUS, "compare", str(FIXTURES / "litellm-proxy"), str(tmp_path / "nope")], capture_output=True, text=True)
    assert missing.returncode == 2


@pytest.mark.network
def test_online_refresh_resolves_a_closure_for_real(tmp_path):
    import shutil

    if shutil.which("uv") is None:
        pytest.skip("uv is not on PATH")
    try:
        closures = load_closures(online=True, cache_dir=tmp_path, providers=["anthropic"])
    except CompareError as exc:
        pytest.skip(f"package index not reachable: {exc}")
    assert closures.origin == "online" and (tmp_path / "sdk_closures.json").is_file()
    assert "anthropic" in {n for n, _ in closures.closures["anthropic"].packages}
    assert closures.closures["openai"] == load_closures().closures["openai"]  # not asked: shipped closure kept
    assert load_closures(online=True, cache_dir=tmp_path, providers=["anthropic"]).origin == "online cache"


def test_closure_for_a_target_keeps_only_what_it_installs():
    from blastradius.compare import Closure
    from blastradius.graph import Target

    entry = {
        "sdk": ["demo-sdk"],
        "packages": {"demo-sdk": "1.0", "exceptiongroup": "1.3.2", "jiter": "0.19.0", "pywin32": "311"},
        "alternatives": {"jiter": ["0.18.0", "0.19.0"]},
        "markers": {
            "exceptiongroup==1.3.2": "python_full_version < '3.11'",
            "jiter==0.18.0": "python_full_version < '3.10'",
            "jiter==0.19.0": "python_full_version >= '3.10'",
            "pywin32==311": "sys_platform == 'win32'",
        },
    }
    closure = Closure.from_entry("demo", entry)
    assert closure.count == 4  # universal: one version per name
    linux312 = closure.for_target(Target.parse("python=3.12,platform=linux"))
    assert linux312.keys == ("demo-sdk==1.0", "jiter==0.19.0")
    win39 = closure.for_target(Target.parse("python=3.9,platform=win32"))
    assert win39.keys == ("demo-sdk==1.0", "exceptiongroup==1.3.2", "jiter==0.18.0", "pywin32==311")
    assert closure.for_target(None) is closure


def _uv_export_count(project: Path, tmp_path: Path) -> int:
    """How many packages uv itself installs from the lock (all markers, no dev groups): the
    real resolution the side-by-side count must equal."""
    import shutil

    uv = shutil.which("uv")
    if uv is None:
        pytest.skip("uv is not on PATH")
    work = tmp_path / project.name
    shutil.copytree(project, work)
    (work / ".python-version").unlink(missing_ok=True)  # the project's pin need not be installed here
    done = subprocess.run([uv, "export", "--frozen", "--offline", "--no-dev", "--no-hashes", "--no-emit-project"],
                          capture_output=True, text=True, cwd=work)
    assert done.returncode == 0, done.stderr
    return sum(1 for line in done.stdout.splitlines() if line[:1].isalnum())


def test_compare_real_gateway_against_single_provider_project_matches_single_scans(tmp_path):
    """Two real projects from the corpus (not this repository): a LiteLLM gateway holding
    several providers' keys and the single-provider OpenAI SDK project."""
    gateway = FIXTURES / "corpus" / "pankaj28843__litellm-proxy-headroom"
    single = FIXTURES / "corpus" / "openai__openai-python"
    done = subprocess.run([BLASTRADIUS, "compare", str(gateway), str(single), "--format", "json"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert len(data["a"]["providers"]) >= 3 and data["b"]["providers"] == ["openai"]
    assert data["higher"] == "a" and data["a"]["score"] > data["b"]["score"]
    for side, project in (("a", gateway), ("b", single)):
        scan = subprocess.run([BLASTRADIUS, "scan", str(project), "-q", "--format", "json", "--exit-zero"], capture_output=True, text=True)
        assert scan.returncode == 0, scan.stderr
        report = json.loads(scan.stdout)
        score = report["score"]
        got = data[side]
        assert got["score"] == score["score"]
        assert got["packages"] == report["summary"]["packages"] == _uv_export_count(project, tmp_path)
        assert got["credentials"] == len(score["credentials"])
        assert got["exposure_pairs"] == score["raw"]["exposure_pairs"]
        assert got["weighted_exposure"] == score["raw"]["weighted_exposure"]
        assert got["units"] == len(score["units"])
        assert data["variants"][side] == report["comparison"]  # the same variants as the scan's own report
    assert data["a"]["packages"] == 161  # pinned: the uv.lock copied with its SOURCE.md
