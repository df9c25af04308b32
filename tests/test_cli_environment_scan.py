"""`scan --env`: an installed environment made for real in the test (pip installs wheels built
here into a target directory, never on sys.path, never imported), then scanned statically.
The attack shape is LiteLLM 1.82.8's: a `.pth` with an exec of base64 data, plus a module that
reads a provider key and has network code."""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import run_cli


def _record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def build_wheel(directory: Path, name: str, version: str, files: dict[str, str], requires: tuple[str, ...] = ()) -> Path:
    dist = f"{name.replace('-', '_')}-{version}"
    path = directory / f"{dist}-py3-none-any.whl"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n" + "".join(f"Requires-Dist: {r}\n" for r in requires)
    members = dict(files)
    members[f"{dist}.dist-info/METADATA"] = metadata
    members[f"{dist}.dist-info/WHEEL"] = "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    record_lines = [f"{member},{_record_hash(text.encode())},{len(text.encode())}" for member, text in members.items()]
    record_lines.append(f"{dist}.dist-info/RECORD,,")
    members[f"{dist}.dist-info/RECORD"] = "\n".join(record_lines) + "\n"
    with zipfile.ZipFile(path, "w") as archive:
        for member, text in members.items():
            archive.writestr(member, text)
    return path


@pytest.fixture
def environment(tmp_path):
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    payload = base64.b64encode(b"print('inert test payload')").decode()
    build_wheel(wheels, "helper-utils", "1.0.0", {
        "helper_utils/__init__.py": "import json\n\ndef dumps(x):\n    return json.dumps(x)\n",
        "helper_utils_init.pth": f"import os, base64; exec(base64.b64decode('{payload}'))\n",
    })
    build_wheel(wheels, "llm-client", "2.0.0", {
        "llm_client/__init__.py": (
            "import os\nimport urllib.request\n\n"
            "def call(prompt):\n"
            "    key = os.environ['OPENAI_API_KEY']\n"
            "    req = urllib.request.Request('https://api.example/v1', data=prompt.encode(), headers={'Authorization': key})\n"
            "    return urllib.request.urlopen(req).read()\n"
        ),
    }, requires=("helper-utils>=1",))
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-index", "--no-deps", "--target", str(site),
         *map(str, sorted(wheels.glob("*.whl")))],
        check=True, capture_output=True,
    )
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text('[project]\nname = "svc"\nversion = "0.1"\ndependencies = ["llm-client"]\n')
    (project / "app.py").write_text("import os\nKEY = os.environ.get('OPENAI_API_KEY')\n")
    return project, site


def test_env_scan_flags_the_pth_hook_and_records_direct_reach(environment):
    project, site = environment
    result = run_cli("scan", str(project), "--env", str(site), "--format", "json")
    assert result.returncode in (0, 1), result.stderr
    report = json.loads(result.stdout)
    assert report["input"]["kind"] == "environment"
    analyses = report["capabilities"]["analyses"]
    helper = analyses["helper-utils"]
    assert helper["verdict"] == "critical"
    assert "pth-exec" in helper["capabilities"]
    assert any(e["path"] == "helper_utils_init.pth" for e in helper["evidence"])
    client = analyses["llm-client"]
    assert "OPENAI_API_KEY" in client["env_names"]
    assert "network" in client["capabilities"]
    assert report["capabilities"]["not_analysed"] == {}
    # the graph came from the environment's own metadata
    names = {p["name"]: p for p in report["packages"]}
    assert names["helper-utils"]["path"] == ["svc", "llm-client", "helper-utils"]


def test_env_scan_gate_fails_on_critical_capability(environment):
    project, site = environment
    result = run_cli("scan", str(project), "--env", str(site), "--fail-on", "critical-capability")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "critical capability verdict: helper-utils 1.0.0" in result.stdout


def test_unowned_startup_file_is_reported(environment):
    project, site = environment
    (site / "zzz_unowned.pth").write_text("import socket; socket.create_connection(('203.0.113.9', 80))\n")
    result = run_cli("scan", str(project), "--env", str(site), "--fail-on", "critical-capability")
    assert "start-up file owned by no installed package: zzz_unowned.pth" in result.stdout
    assert result.returncode == 1


def test_without_code_every_package_is_listed_as_not_analysed(tmp_path):
    from conftest import FIXTURES

    result = run_cli("scan", str(FIXTURES / "anthropic-proxy"), "--format", "json")
    report = json.loads(result.stdout)
    assert report["capabilities"]["analyses"] == {}
    assert set(report["capabilities"]["not_analysed"]) == {p["name"] for p in report["packages"]}


def test_a_project_venv_is_found_and_its_code_analysed(environment, tmp_path):
    """No lock, no --env: the project's own .venv (pyvenv.cfg) beats the bare manifest, and its
    packages' code is analysed without being asked."""
    import shutil

    project, site = environment
    venv = project / ".venv"
    target = venv / "lib" / "python3.11" / "site-packages"
    shutil.copytree(site, target)
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.11.7\n")
    result = run_cli("scan", str(project), "--format", "json")
    report = json.loads(result.stdout)
    assert report["input"]["kind"] == "environment"
    assert "found .venv/ with pyvenv.cfg" in report["input"]["reason"]
    assert report["capabilities"]["analyses"]["helper-utils"]["verdict"] == "critical"
