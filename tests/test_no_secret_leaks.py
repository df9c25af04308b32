"""Principle 2 end to end: plant recognisable fake keys in .env, YAML, compose, code, Dockerfile,
shell, Kubernetes and workflows; run every command, every output format and several error paths
through the real CLI; no value (nor a 12-character piece of one) may appear anywhere."""

from __future__ import annotations

import shutil

import pytest

from conftest import FIXTURES, run_cli
from planted_secrets import FIXTURE, PLANTED, assert_no_leak


@pytest.fixture
def planted_project(tmp_path):
    project = tmp_path / "planted"
    shutil.copytree(FIXTURE, project)
    for name in ("uv.lock", "pyproject.toml"):
        shutil.copy(FIXTURES / "anthropic-proxy" / name, project / name)
    return project


@pytest.mark.parametrize("fmt", ["text", "json", "html", "markdown", "sarif"])
def test_no_value_in_any_output_format(planted_project, tmp_path, fmt):
    out = tmp_path / f"report.{fmt}"
    result = run_cli("scan", str(planted_project), "--format", fmt, "-o", str(out), "-v")
    assert result.returncode in (0, 1), result.stderr
    text = out.read_text()
    assert "OPENAI_API_KEY" in text.replace("\\_", "_")  # the inventory is there, by name (Markdown escapes _)
    assert_no_leak(text, f"{fmt} report")
    assert_no_leak(result.stdout + result.stderr, f"{fmt} console")


def test_inventory_found_the_planted_places(planted_project):
    result = run_cli("scan", str(planted_project), "-v")
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "LITELLM_MASTER_KEY", "HF_TOKEN", "XAI_API_KEY"):
        assert name in result.stdout
    assert "plaintext secret in repository" in result.stdout
    assert "redacted" in result.stdout


def test_other_commands_do_not_leak(planted_project):
    for args in (
        ("explain", str(planted_project), "anthropic"),
        ("graph", str(planted_project), "--format", "json"),
        ("compare", str(planted_project), str(FIXTURES / "litellm-proxy")),
    ):
        result = run_cli(*args)
        assert result.returncode in (0, 1), (args, result.stderr)
        assert_no_leak(result.stdout + result.stderr, " ".join(args[:1]))


def test_error_paths_do_not_echo_values(planted_project, tmp_path):
    secret = PLANTED["ANTHROPIC_API_KEY"]
    # a lock broken right where a key was pasted
    (planted_project / "uv.lock").write_text(f'version = 1\n[[package]]\nname = "{secret}\nversion = "1"\n')
    result = run_cli("scan", str(planted_project))
    assert result.returncode == 2
    assert_no_leak(result.stdout + result.stderr, "broken lock error")
    # a requirements file with a key pasted as a requirement line
    req = tmp_path / "req"
    req.mkdir()
    (req / "requirements.txt").write_text(f"httpx==0.28.1\nANTHROPIC_API_KEY={secret}\n")
    result = run_cli("scan", str(req), "--offline")
    assert result.returncode == 2
    assert_no_leak(result.stdout + result.stderr, "bad requirements error")
    # configuration with a key where a table belongs
    conf = tmp_path / "conf"
    shutil.copytree(FIXTURES / "anthropic-proxy", conf)
    (conf / ".blastradius.toml").write_text(f'[tool.blastradius]\nfail-above = "{secret}"\n')
    result = run_cli("scan", str(conf))
    assert result.returncode == 2
    assert_no_leak(result.stdout + result.stderr, "config error")
    # a baseline that is not a report
    baseline = tmp_path / "baseline.json"
    baseline.write_text(f'{{"score": "{secret}", ')
    result = run_cli("scan", str(conf.parent / "planted"), "--baseline", str(baseline))
    assert result.returncode == 2
    assert_no_leak(result.stdout + result.stderr, "baseline error")
