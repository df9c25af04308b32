"""Known-compromised pins fail the gate offline, in every lock format, with the advisory ids,
what the payload did and what to rotate; ranges that admit them are reported."""

from __future__ import annotations

import json

import pytest

from conftest import FIXTURES, run_cli

ADVISORIES = FIXTURES / "advisories"


@pytest.mark.parametrize(
    ("project", "expected"),
    [
        ("uv-project", ["litellm 1.82.8: COMPROMISED — MAL-2026-2144", "telnyx 4.87.1: COMPROMISED — MAL-2026-2254"]),
        ("requirements-project", ["litellm 1.82.7: COMPROMISED — MAL-2026-2144", "mistralai 2.4.6: COMPROMISED — MAL-2026-3608"]),
        ("poetry-project", ["lightning 2.6.3: COMPROMISED — MAL-2026-3201", "elementary-data 0.23.3: COMPROMISED — MAL-2026-3083"]),
        ("pylock-project", ["mrmustard 0.7.4: COMPROMISED", "gpsea 0.9.14: COMPROMISED"]),
    ],
)
def test_compromised_pin_fails_offline_in_every_format(project, expected):
    """Several incidents, four lock formats, no network."""
    result = run_cli("scan", str(ADVISORIES / project), "--offline")
    assert result.returncode == 1, result.stderr
    out = result.stdout
    assert "Blast radius: 100/100 (FAIL" in out
    for line in expected:
        assert line in out
    assert out.count("what it did:") >= len(expected)
    assert out.count("rotate:") >= len(expected)


def test_json_carries_ids_paths_and_gate_reason():
    result = run_cli("scan", str(ADVISORIES / "uv-project"), "--format", "json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    finding = [f for f in report["advisories"]["findings"] if f["package"] == "litellm"][0]
    assert finding["dependency_path"] == ["mcp-router==0.1.0", "litellm==1.82.8"]
    assert finding["kind"] == "malicious" and finding["compromised"] is True
    assert report["score"]["score"] == 100
    assert report["gate"]["passed"] is False
    assert any("MAL-2026-2144" in reason for reason in report["gate"]["reasons"])


def test_known_compromised_cannot_be_waived_or_thresholded(tmp_path):
    result = run_cli("scan", str(ADVISORIES / "uv-project"), "--fail-above", "100")
    assert result.returncode == 1


def test_lock_that_avoids_the_bad_releases_passes_but_reports_the_range():
    result = run_cli("scan", str(ADVISORIES / "uv-project-avoids"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "litellm>=1.80 at pyproject.toml:6 admits 1.82.7, 1.82.8 (MAL-2026-2144); the lock avoids them" in result.stdout


def test_unlocked_range_warns_offline():
    result = run_cli("scan", str(ADVISORIES / "unlocked-mcp"), "--offline")
    assert result.returncode == 0
    assert "litellm>=1.80 at pyproject.toml:" in result.stdout
    assert "an unpinned install can pick one of them" in result.stdout
    assert "the transitive set is unknown" in result.stdout


def test_extra_osv_directory(tmp_path):
    result = run_cli("scan", str(ADVISORIES / "uv-project"), "--advisories", str(ADVISORIES / "osv"), "--format", "json")
    report = json.loads(result.stdout)
    sources = {s["label"]: s for s in report["advisories"]["sources"]}
    assert sources["osv/"]["records"] == 7
    assert sources["osv/"]["skipped_withdrawn"] == 1
    assert "embedded:incidents.osv.json" in sources


def test_bad_advisory_file_is_one_line(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"id": "X", "affected": [')
    result = run_cli("scan", str(ADVISORIES / "uv-project"), "--advisories", str(bad))
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "bad.json" in result.stderr
