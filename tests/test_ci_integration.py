"""action.yml and .pre-commit-hooks.yaml: parse them and run exactly the commands they run,
with the installed `blastradius`, against real fixtures."""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
BIN = Path(sys.executable).parent

HOOK_FIELDS = {
    "id", "name", "entry", "language", "files", "exclude", "types", "types_or", "exclude_types",
    "always_run", "fail_fast", "pass_filenames", "require_serial", "description", "language_version",
    "log_file", "minimum_pre_commit_version", "args", "additional_dependencies", "alias", "stages", "verbose",
}


def load(name: str):
    return yaml.safe_load((ROOT / name).read_text("utf-8"))


def copy(name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    shutil.copytree(FIXTURES / name, target)
    return target


# ----- pre-commit --------------------------------------------------------------------------------
def test_pre_commit_hook_definition_is_valid():
    hooks = load(".pre-commit-hooks.yaml")
    assert isinstance(hooks, list) and len(hooks) == 1
    hook = hooks[0]
    assert {"id", "name", "entry", "language"} <= set(hook) and set(hook) <= HOOK_FIELDS
    assert hook["language"] == "python" and hook["pass_filenames"] is False
    assert set(hook["stages"]) <= {"pre-commit", "pre-push", "manual", "commit-msg", "post-checkout"}
    pattern = re.compile(hook["files"])
    for changed in ("uv.lock", "sub/poetry.lock", "requirements-dev.txt", "pylock.toml", "pylock.prod.toml",
                    "pyproject.toml", ".blastradius.toml", "proxy/config.yaml", ".env.example", "docker-compose.yml"):
        assert pattern.search(changed), changed
    for unrelated in ("README.md", "src/app.py", "uv.lock.bak"):
        assert not pattern.search(unrelated), unrelated


def run_hook(project: Path) -> subprocess.CompletedProcess[str]:
    """What pre-commit does for this hook: `entry args...` in the repository root, no file names."""
    hook = load(".pre-commit-hooks.yaml")[0]
    command = [*shlex.split(hook["entry"]), *hook.get("args", [])]
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run(command, cwd=project, capture_output=True, text=True, env=env)


def test_pre_commit_hook_passes_and_fails_by_the_project_config(tmp_path):
    project = copy("anthropic-proxy", tmp_path)
    done = run_hook(project)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Blast radius:" in done.stdout
    with (project / "pyproject.toml").open("a", encoding="utf-8") as handle:
        handle.write("\n[tool.blastradius]\nfail-above = 5\n")
    failed = run_hook(project)
    assert failed.returncode == 1
    assert "above the threshold 5" in failed.stdout


# ----- GitHub Action -----------------------------------------------------------------------------
def test_action_metadata_is_a_composite_action_with_safe_inputs():
    action = load("action.yml")
    assert action["name"] and action["description"]
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    assert {"path", "fail-above", "format", "output", "baseline"} <= set(action["inputs"])
    for step in steps:
        if "run" in step:
            assert step.get("shell") == "bash"
            # inputs reach scripts through env:, never spliced into the script text
            assert "${{" not in step["run"], step.get("name")
    install = next(s for s in steps if "pip install" in s.get("run", ""))
    assert install["env"]["BLASTRADIUS_SOURCE"] == "${{ github.action_path }}"
    assert "index.example" not in install["run"] and "://" not in install["run"]
    assert any(s.get("uses", "").startswith("actions/setup-python@") for s in steps)
    upload = next(s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif@"))
    assert "inputs.sarif" in upload["if"]
    scan = next(s for s in steps if s.get("id") == "scan")
    assert set(scan["env"]) >= {"BR_PATH", "BR_FAIL_ABOVE", "BR_BASELINE", "BR_FORMAT", "BR_OUTPUT"}


def run_action_scan(workspace: Path, tmp_path: Path, inputs: dict[str, str]) -> tuple[subprocess.CompletedProcess[str], Path, Path]:
    """Run the Scan step's script as the runner would: bash, with its env: mapping filled from the
    action inputs (defaults where not given) and the runner's summary/output files."""
    action = load("action.yml")
    scan = next(s for s in action["runs"]["steps"] if s.get("id") == "scan")
    values = {name: spec.get("default", "") for name, spec in action["inputs"].items()}
    values.update(inputs)
    env = dict(os.environ)
    for variable, expression in scan["env"].items():
        match = re.fullmatch(r"\$\{\{\s*inputs\.([\w-]+)\s*\}\}", expression)
        assert match, expression
        env[variable] = values[match.group(1)]
    summary, outputs = tmp_path / "summary.md", tmp_path / "outputs.txt"
    summary.write_text("", "utf-8")
    outputs.write_text("", "utf-8")
    env.update(
        GITHUB_STEP_SUMMARY=str(summary), GITHUB_OUTPUT=str(outputs), RUNNER_TEMP=str(tmp_path),
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
    )
    done = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", scan["run"]], cwd=workspace, env=env, capture_output=True, text=True)
    return done, summary, outputs


@pytest.mark.skipif(importlib.util.find_spec("blastradius.report.markdown") is None,
                    reason="the Markdown renderer (report stage) has not landed yet")
def test_action_scan_step_writes_summary_outputs_and_gates(tmp_path):
    workspace = tmp_path / "ws"
    workspace.mkdir()
    shutil.copytree(FIXTURES / "litellm-proxy", workspace / "gateway")
    done, summary, outputs = run_action_scan(workspace, tmp_path, {"path": "gateway", "output": "report.json"})
    assert done.returncode == 0, done.stderr
    assert summary.read_text("utf-8").strip()
    values = dict(line.split("=", 1) for line in outputs.read_text("utf-8").splitlines())
    assert values["passed"] == "true" and 0 < int(values["score"]) < 100
    assert (workspace / "report.json").is_file()

    failed, _, outputs = run_action_scan(workspace, tmp_path, {"path": "gateway", "fail-above": "60"})
    assert failed.returncode == 1
    values = dict(line.split("=", 1) for line in outputs.read_text("utf-8").splitlines())
    assert values["passed"] == "false"

    broken, _, _ = run_action_scan(workspace, tmp_path, {"path": "does-not-exist"})
    assert broken.returncode == 2
