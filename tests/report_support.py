"""The report objects the report tests render: the real report of the multi-provider fixture
(``fixtures/litellm-proxy``), produced by the installed ``blastradius`` command, with a gate
threshold it fails; and the same report with a hostile package injected (compromised, flagged,
with markup in its name and summary). Tests assert against what the report object says."""

from __future__ import annotations

import copy
import functools
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
FIXTURE = REPO / "fixtures" / "litellm-proxy"
FAIL_ABOVE = 50
HOSTILE = "<script>alert(1)</script>"
HOSTILE_SUMMARY = 'Evil | `rm -rf` <img src=x onerror=alert(2)> [click](javascript:alert(3)) & "quotes" @octocat'


def blastradius_command() -> list[str]:
    exe = Path(sys.executable).with_name("blastradius")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("blastradius")
    return [found] if found else [sys.executable, "-m", "blastradius"]


def run_cli(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, NO_COLOR="1")
    return subprocess.run([*blastradius_command(), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


@functools.lru_cache(maxsize=None)
def _fixture_report() -> str:
    proc = run_cli("scan", str(FIXTURE.relative_to(REPO)), "--format", "json", "--fail-above", str(FAIL_ABOVE))
    assert proc.returncode in (0, 1), proc.stderr
    return proc.stdout


def full_report() -> dict[str, Any]:
    """The fixture's real report (every stage the offline scan runs; the gate fails)."""
    return json.loads(_fixture_report())


def hostile_report() -> dict[str, Any]:
    """The real report plus a compromised, flagged package whose name and summary are markup."""
    report = copy.deepcopy(full_report())
    bad = {
        "key": f"{HOSTILE}==6.6.6", "name": HOSTILE, "version": "6.6.6", "source": "registry", "depth": 2,
        "direct": False, "dependents": 1, "groups": ["main"], "path": [report["summary"]["roots"][0], "litellm", HOSTILE],
        "path_known": True, "hashes": 1, "location": "uv.lock:1",
    }
    report["packages"].append(bad)
    advisories = report["advisories"]
    advisories["findings"].insert(0, {
        "advisory_id": "MAL-2026-0001", "aliases": [HOSTILE], "package": HOSTILE, "version": "6.6.6",
        "package_key": bad["key"], "kind": "malicious", "compromised": True, "severity": "critical",
        "summary": HOSTILE_SUMMARY, "what_it_did": HOSTILE_SUMMARY, "affected": "listed", "fixed_versions": [],
        "source": "https://osv.example/MAL-2026-0001", "origins": ["embedded"], "rotate": ["OPENAI_API_KEY"],
        "unverified": [], "iocs": {}, "notes": [], "dependency_path": [],
    })
    report["capabilities"]["analyses"][HOSTILE] = {
        "name": HOSTILE, "version": "6.6.6", "artifact": "x.whl", "sha256": None, "capabilities": ["pth-exec", "env-harvest"],
        "env_names": ["OPENAI_API_KEY"], "verdict": "critical",
        "evidence": [{"rule_id": "pth", "severity": "critical", "path": "evil.pth", "line": 1, "message": HOSTILE_SUMMARY}],
        "files_scanned": 1, "notes": [],
    }
    return report


@functools.lru_cache(maxsize=None)
def _scan_json(*args: str) -> str:
    proc = run_cli("scan", *args, "--format", "json")
    assert proc.returncode in (0, 1), proc.stderr
    return proc.stdout


def scan_report(*args: str) -> dict[str, Any]:
    """The real JSON report of ``blastradius scan ARGS`` (cached per argument list)."""
    return json.loads(_scan_json(*args))


@functools.lru_cache(maxsize=None)
def _growth_report() -> str:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "base.json"
        base.write_text(_scan_json("fixtures/anthropic-proxy"), encoding="utf-8")
        proc = run_cli("scan", "fixtures/litellm-proxy", "--baseline", str(base), "--fail-above", "10", "--format", "json")
    assert proc.returncode == 1, proc.stderr
    return proc.stdout


def growth_report() -> dict[str, Any]:
    """The multi-provider fixture gated against the single-provider fixture as its baseline
    (with a --fail-above that baseline mode does not apply): the gate fails on growth."""
    return json.loads(_growth_report())
