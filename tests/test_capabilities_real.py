"""Real wheels from the package index (downloaded in the test through the user's pip
configuration): plausible results, no false alarms on well-known clean packages."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from blastradius.capabilities.analyse import analyse_artifact

PINS = {"anthropic": "0.40.0", "openai": "1.55.0", "requests": "2.32.3", "litellm": "1.82.6"}


@pytest.fixture(scope="module")
def wheels(tmp_path_factory) -> dict[str, Path]:
    dest = tmp_path_factory.mktemp("wheels")
    got: dict[str, Path] = {}
    for name, version in PINS.items():
        proc = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-q",
             "--disable-pip-version-check", "--dest", str(dest), f"{name}=={version}"],
            capture_output=True, text=True, timeout=300,
        )
        if proc.returncode != 0:
            pytest.skip(f"package index not reachable ({name}=={version}): "
                        f"{(proc.stderr.strip().splitlines() or ['?'])[-1][:200]}")
    for path in dest.iterdir():
        got[path.name.split("-")[0].lower()] = path
    return got


@pytest.mark.network
def test_real_wheels_plausible(wheels, tmp_path):
    results = {name: analyse_artifact(path, cache_dir=tmp_path) for name, path in wheels.items()}
    anthropic = results["anthropic"]
    assert "ANTHROPIC_API_KEY" in anthropic.env_names
    assert "network" in anthropic.capabilities
    assert "OPENAI_API_KEY" in results["openai"].env_names
    for name, analysis in results.items():
        assert "pth-exec" not in analysis.capabilities, name
        assert not any(e.rule_id == "BR-PTH-EXEC" for e in analysis.evidence), name
        assert analysis.verdict not in ("high", "critical"), (name, [e for e in analysis.evidence if e.severity in ("high", "critical")])
    assert "network" in results["requests"].capabilities
    assert "env-harvest" not in results["requests"].capabilities
    assert results["litellm"].files_scanned > 1000
