"""The command line as a user meets it: real subprocesses of the installed package."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET

import pytest

from conftest import CORPUS, FIXTURES, run_cli

HEADROOM = CORPUS / "pankaj28843__litellm-proxy-headroom"


def test_scan_json_counts_and_byte_identical(tmp_path):
    first = tmp_path / "a.json"
    second = tmp_path / "b.json"
    assert run_cli("scan", str(HEADROOM), "--format", "json", "-o", str(first)).returncode in (0, 1)
    assert run_cli("scan", str(HEADROOM), "--format", "json", "-o", str(second)).returncode in (0, 1)
    assert first.read_bytes() == second.read_bytes()
    report = json.loads(first.read_text())
    assert report["summary"]["packages"] == 161  # = uv export --frozen --no-dev (see test_sources_uv_lock)
    assert report["input"]["kind"] == "uv.lock"
    assert report["view"]["target"] is None
    litellm = [p for p in report["packages"] if p["name"] == "litellm"][0]
    assert litellm["path"] == ["litellm-proxy-headroom", "litellm"]
    assert litellm["location"].startswith("uv.lock:")
    # no absolute paths leak into the report
    assert str(HEADROOM) not in first.read_text()


def test_scan_from_another_directory_gives_the_same_json(tmp_path):
    copy = tmp_path / "proj"
    shutil.copytree(HEADROOM, copy)
    a = run_cli("scan", str(copy), "--format", "json")
    b = run_cli("scan", ".", "--format", "json", cwd=copy)
    assert a.stdout == b.stdout and a.stdout


def test_scan_terminal_output_names_input_and_view():
    result = run_cli("scan", str(HEADROOM))
    assert result.returncode in (0, 1), result.stderr
    assert "Input:    uv.lock" in result.stdout
    assert "universal (every marker branch kept)" in result.stdout
    assert "Packages: 161" in result.stdout


def test_scan_target_and_groups():
    linux = json.loads(run_cli("scan", str(HEADROOM), "--format", "json", "--target", "python=3.12,platform=linux").stdout)
    assert linux["summary"]["packages"] == 157
    assert linux["view"]["target"] == "python 3.12.0 on linux (x86_64)"
    everything = json.loads(run_cli("scan", str(HEADROOM), "--format", "json", "--all-groups").stdout)
    assert everything["summary"]["packages"] == 165
    unknown = run_cli("scan", str(HEADROOM), "--group", "nope")
    assert unknown.returncode == 2
    assert "unknown group 'nope'" in unknown.stderr and "dev" in unknown.stderr


def test_explain_lists_every_path():
    result = run_cli("explain", str(HEADROOM), "pydantic_core")
    assert result.returncode == 0, result.stderr
    assert "16 paths from a root" in result.stdout
    assert "litellm-proxy-headroom 0.1.0 → pydantic 2.13.4 → pydantic-core 2.46.4" in result.stdout
    data = json.loads(run_cli("explain", str(HEADROOM), "pydantic-core", "--format", "json").stdout)
    assert len(data["matches"][0]["paths"]) == 16
    missing = run_cli("explain", str(HEADROOM), "not-a-package")
    assert missing.returncode == 2 and "not installed in this view" in missing.stderr


@pytest.mark.parametrize("fmt", ["dot", "graphml", "json"])
def test_graph_exports_are_well_formed(fmt, tmp_path):
    out = tmp_path / f"g.{fmt}"
    result = run_cli("graph", str(FIXTURES / "sources" / "uv-workspace"), "--format", fmt, "-o", str(out))
    assert result.returncode == 0, result.stderr
    text = out.read_text()
    if fmt == "json":
        data = json.loads(text)
        assert len(data["nodes"]) == 15  # 13 packages + 2 workspace roots
        assert {"source": "demo-proxy==0.1.0", "target": "corelib==0.2.0"} in data["edges"]
    elif fmt == "graphml":
        root = ET.fromstring(text)
        ns = "{http://graphml.graphdrawing.org/xmlns}"
        assert len(root.findall(f"{ns}graph/{ns}node")) == 15
    else:
        assert text.startswith("digraph dependencies {") and '"demo-proxy==0.1.0" -> "corelib==0.2.0";' in text


def _assert_one_clean_line(result, *needles):
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


def test_bad_input_nonexistent_path(tmp_path):
    _assert_one_clean_line(run_cli("scan", str(tmp_path / "nope")), "nope", "no such file")


def test_bad_input_binary_uv_lock(tmp_path):
    (tmp_path / "uv.lock").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    _assert_one_clean_line(run_cli("scan", str(tmp_path)), "uv.lock", "binary file")


def test_bad_input_huge_lock(tmp_path):
    lock = tmp_path / "uv.lock"
    with lock.open("wb") as handle:
        handle.write(b"version = 1\n")
        handle.write((b"# padding line to make a 50 MB lock\n") * (50 * 1024 * 1024 // 36))
    _assert_one_clean_line(run_cli("scan", str(tmp_path)), "uv.lock", "MiB", "limit")


def test_bad_input_malformed_toml_names_line(tmp_path):
    (tmp_path / "uv.lock").write_text('version = 1\n\n[[package]]\nname = "x\n')
    _assert_one_clean_line(run_cli("scan", str(tmp_path)), "uv.lock:4", "invalid TOML")


def test_bad_input_missing_version_and_absent_dependency(tmp_path):
    (tmp_path / "uv.lock").write_text(
        'version = 1\n[[package]]\nname = "root"\nversion = "1"\nsource = { virtual = "." }\n'
        'dependencies = [{ name = "ghost" }]\n'
    )
    _assert_one_clean_line(run_cli("scan", str(tmp_path)), "uv.lock:2", "ghost", "not in the lock")
    (tmp_path / "uv.lock").write_text('version = 1\n[[package]]\nname = "a"\nsource = { registry = "https://index.example/simple" }\n')
    _assert_one_clean_line(run_cli("scan", str(tmp_path)), "uv.lock:2", "no `version`")


def test_failed_run_leaves_no_output_file(tmp_path):
    (tmp_path / "uv.lock").write_text("version = [\n")
    out = tmp_path / "report.json"
    _assert_one_clean_line(run_cli("scan", str(tmp_path), "--format", "json", "-o", str(out)), "uv.lock")
    assert not out.exists()
    assert not list(tmp_path.glob(".blastradius-*"))


def test_usage_error_exits_2():
    result = run_cli("scan", "--format", "pdf")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_version_and_help():
    assert run_cli("--version").stdout.startswith("blastradius, version ")
    help_text = run_cli("--help").stdout
    for command in ("scan", "explain", "graph", "compare", "inspect"):
        assert command in help_text


def test_output_to_a_device_writes_through_and_keeps_the_device(tmp_path):
    """`-o /dev/null` must not be replaced by a regular file (the atomic rename is for files)."""
    import os
    import stat

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    import threading

    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()))
    reader.start()
    result = run_cli("scan", str(HEADROOM), "--format", "json", "-o", str(fifo))
    reader.join(timeout=60)
    assert result.returncode in (0, 1), result.stderr
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert json.loads(received[0])["summary"]["packages"] == 161


def _run_in_terminal(args: list[str], env: dict[str, str]) -> bytes:
    """Run the CLI with stdout and stderr on a pseudo-terminal, as a person at a shell would."""
    import os
    import pty
    import sys

    pid, fd = pty.fork()
    if pid == 0:  # child
        os.environ.update(env)
        os.execv(sys.executable, [sys.executable, "-m", "blastradius", *args])
    out = b""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    os.waitpid(pid, 0)
    return out


def test_terminal_gets_progress_and_colour_pipes_get_neither():
    project = str(FIXTURES / "anthropic-proxy")
    on_terminal = _run_in_terminal(["scan", project], {})
    assert "6/6 scoring".encode() in on_terminal  # the progress bar reached the last stage
    assert b"\x1b[1m" in on_terminal  # bold verdict
    no_colour = _run_in_terminal(["scan", project], {"NO_COLOR": "1"})
    assert b"\x1b[1m" not in no_colour and b"\x1b[32m" not in no_colour
    quiet = _run_in_terminal(["scan", project, "--quiet"], {})
    assert b"scoring" not in quiet.split(b"Blast radius")[0]
    piped = run_cli("scan", project)
    assert piped.stderr == ""
    assert "\x1b[" not in piped.stdout


def test_bad_input_malformed_pipfile_lock_json(tmp_path):
    (tmp_path / "Pipfile.lock").write_text('{\n  "_meta": {},\n  "default": {\n    "httpx": {"version": "==0.28.1",}\n  }\n}\n')
    _assert_one_clean_line(run_cli("scan", str(tmp_path)), "Pipfile.lock:4", "invalid JSON")


def test_bad_input_requirements_include_loop(tmp_path):
    (tmp_path / "requirements.txt").write_text("-r more.txt\nhttpx==0.28.1\n")
    (tmp_path / "more.txt").write_text("anyio==4.9.0\n-r requirements.txt\n")
    _assert_one_clean_line(run_cli("scan", str(tmp_path), "--offline"), "more.txt:2", "loop")


def test_bad_input_include_escaping_the_project(tmp_path):
    project = tmp_path / "p"
    project.mkdir()
    (tmp_path / "outside.txt").write_text("httpx==0.28.1\n")
    (project / "requirements.txt").write_text("-r ../outside.txt\n")
    _assert_one_clean_line(run_cli("scan", str(project), "--offline"), "requirements.txt:1", "outside")


def test_bad_input_poetry_lock_missing_version(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "0.1"\ndependencies = ["httpx"]\n')
    (tmp_path / "poetry.lock").write_text('[[package]]\nname = "httpx"\n\n[metadata]\nlock-version = "2.1"\n')
    _assert_one_clean_line(run_cli("scan", str(tmp_path)), "poetry.lock:1", "version")


def test_monorepo_root_without_input_points_to_subprojects():
    result = run_cli("scan", str(CORPUS / "langchain-ai__langchain-aws"))
    _assert_one_clean_line(result, "no dependency input found", "subprojects with inputs: libs/aws/")


@pytest.mark.parametrize("fmt", ["text", "markdown", "html", "json"])
def test_report_command_renders_a_saved_report_identically(fmt, tmp_path):
    project = FIXTURES / "anthropic-proxy"
    saved = tmp_path / "report.json"
    assert run_cli("scan", str(project), "--format", "json", "-o", str(saved)).returncode == 0
    direct = tmp_path / f"direct.{fmt}"
    via = tmp_path / f"via.{fmt}"
    env = {"SOURCE_DATE_EPOCH": "1790000000"}  # the HTML shows a date
    assert run_cli("scan", str(project), "--format", fmt, "-o", str(direct), env=env).returncode == 0
    result = run_cli("report", str(saved), "--format", fmt, "-o", str(via), env=env)
    assert result.returncode == 0, result.stderr
    assert direct.read_bytes() == via.read_bytes()


def test_report_command_sarif_prefix_and_bad_input(tmp_path):
    saved = tmp_path / "report.json"
    run_cli("scan", str(FIXTURES / "litellm-proxy"), "--format", "json", "-o", str(saved))
    sarif = json.loads(run_cli("report", str(saved), "--format", "sarif", "--uri-prefix", "gateway/").stdout)
    uris = {loc["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"] for loc in r["locations"]}
    assert uris and all(uri.startswith("gateway/") for uri in uris)
    (tmp_path / "other.json").write_text('{"not": "a report"}')
    _assert_one_clean_line(run_cli("report", str(tmp_path / "other.json")), "other.json", "not a blastradius report")
    failed = tmp_path / "failed.json"
    run_cli("scan", str(FIXTURES / "litellm-proxy"), "--format", "json", "-o", str(failed), "--fail-above", "10")
    assert run_cli("report", str(failed), "--format", "markdown").returncode == 1
