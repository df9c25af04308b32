"""The resolver for unlocked projects: output parsing (offline, on recorded output), the command
it runs and its error lines (a stand-in `uv` executable on PATH), and real resolutions against
the package index (marked network)."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from blastradius.errors import ResolverError
from blastradius.graph import build_graph
from blastradius.model import Location, Package, Requirement, ResolvedProject
from blastradius.sources import LoadOptions
from blastradius.sources import pyproject as pyproject_source
from blastradius.sources import requirements as requirements_source
from blastradius.sources.resolver import (
    DirectRequirement,
    _last_error_line,
    _lower_python_bound,
    parse_pip_report,
    parse_uv_output,
    resolve_into,
)

from conftest import FIXTURES

RECORDED = FIXTURES / "sources" / "resolver"


def _edges(resolution):
    return sorted(
        (parent, resolution.packages[child].key, marker, extra) for parent, child, marker, extra in resolution.edges
    )


# --- parsing recorded output --------------------------------------------------------------


def test_parse_recorded_uv_pip_compile_output():
    resolution = parse_uv_output((RECORDED / "uv-pip-compile.txt").read_text())
    keys = sorted(p.key for p in resolution.packages)
    assert keys == [
        "anyio==4.16.0", "certifi==2026.10.19.post1", "colorama==0.4.6", "exceptiongroup==1.3.2", "h11==0.16.0",
        "httpcore==1.0.9", "httpx==0.29.0", "idna==3.20", "iniconfig==2.3.1", "socksio==1.0.0",
        "typing-extensions==4.16.0",
    ]  # fmt: skip
    edges = {(p, c) for p, c, _, _ in _edges(resolution)}
    assert ("httpx", "socksio==1.0.0") in edges and ("exceptiongroup", "typing-extensions==4.16.0") in edges
    # `# via -r requirements.in` is the root: the caller labels those edges from the declaration
    assert not any(c == "iniconfig==2.3.1" for _, c in edges)
    by_key = {p.key: p for p in resolution.packages}
    assert by_key["exceptiongroup==1.3.2"].marker == 'python_full_version < "3.11"'
    assert all(p.source == "registry" for p in resolution.packages)


def test_parse_recorded_pip_report():
    data = json.loads((RECORDED / "pip-report.json").read_text())
    resolution = parse_pip_report(data)
    by_key = {p.key: p for p in resolution.packages}
    assert sorted(by_key) == [
        "anyio==4.16.0", "certifi==2026.10.19.post1", "h11==0.16.0", "httpcore==1.0.9", "httpx==0.29.0",
        "idna==3.20", "iniconfig==2.3.1", "socksio==1.0.0", "typing-extensions==4.16.0",
    ]  # fmt: skip
    edges = _edges(resolution)
    # extras are taken apart structurally: socksio hangs off httpx (and httpcore) only via `socks`
    assert ("httpx", "socksio==1.0.0", None, "socks") in edges
    assert ("httpcore", "socksio==1.0.0", None, "socks") in edges
    assert ("anyio", "typing-extensions==4.16.0", 'python_version < "3.15"', None) in edges
    assert ("httpx", "anyio==4.16.0", None, None) in edges
    # requirements whose target was not resolved (trio, brotli, ...) are not edges
    assert not any(c.startswith("trio") for _, c, _, _ in edges)
    assert by_key["httpx==0.29.0"].extras == ("socks",)
    assert all(h.startswith("sha256:") for p in resolution.packages for h in p.hashes)
    assert all(p.source_url is None for p in resolution.packages)  # index URLs are not carried


def test_pip_report_of_an_unknown_version_is_refused():
    with pytest.raises(ResolverError, match="version"):
        parse_pip_report({"version": "2", "install": []})


@pytest.mark.parametrize(
    ("spec", "floor"),
    [(">=3.10", "3.10"), (">=3.9,<4", "3.9"), ("~=3.11.2", "3.11"), (">3.10", "3.11"), ("<3.13", None), (None, None)],
)
def test_lower_python_bound(spec, floor):
    assert _lower_python_bound(spec) == floor


def test_last_error_line_of_uv_and_pip():
    uv_stderr = (
        "error: No solution found when resolving dependencies:\n"
        "  cause: Because ibm-cos-sdk>=2.12 has no usable wheels and ibm-watsonx-ai depends on it,\n"
        "         And because you require ibm-watsonx-ai, we can conclude that your requirements are unsatisfiable.\n"
        "\n"
        "hint: Wheels are required for `ibm-cos-sdk` because building from source is disabled\n"
    )
    assert _last_error_line(uv_stderr) == "you require ibm-watsonx-ai, we can conclude that your requirements are unsatisfiable."
    pip_stderr = (
        "WARNING: Location 'file:///x' is ignored\n"
        "ERROR: Could not find a version that satisfies the requirement nope (from versions: none)\n"
        "ERROR: No matching distribution found for nope\n"
    )
    assert _last_error_line(pip_stderr) == "No matching distribution found for nope"


# --- the command, with a stand-in uv on PATH ----------------------------------------------


def _fake_uv(tmp_path: Path, stdout_file: Path | None, stderr_text: str = "", code: int = 0) -> Path:
    """An executable named `uv` that records its arguments and the requirements it was given,
    then prints recorded output."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "uv-calls.jsonl"
    script = bin_dir / "uv"
    script.write_text(
        f"#!{sys.executable}\n"
        "import json, sys, pathlib\n"
        "args = sys.argv[1:]\n"
        "if args == ['--version']:\n"
        "    print('uv 0.13.9 (stand-in)'); sys.exit(0)\n"
        "given = pathlib.Path(args[2]).read_text() if len(args) > 2 else ''\n"
        f"with open({str(log)!r}, 'a') as fh: fh.write(json.dumps({{'args': args, 'in': given, 'cwd': str(pathlib.Path.cwd())}}) + '\\n')\n"
        f"out = {str(stdout_file) if stdout_file else ''!r}\n"
        "if out: sys.stdout.write(open(out).read())\n"
        f"sys.stderr.write({stderr_text!r})\n"
        f"sys.exit({code})\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return bin_dir


def _calls(tmp_path: Path) -> list[dict]:
    return [json.loads(line) for line in (tmp_path / "uv-calls.jsonl").read_text().splitlines()]


def test_pyproject_resolution_runs_uv_binary_only_universal_in_a_scratch_dir(tmp_path, monkeypatch):
    bin_dir = _fake_uv(tmp_path, RECORDED / "uv-pip-compile.txt")
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    project_dir = tmp_path / "demo"
    project_dir.mkdir()
    (project_dir / "pyproject.toml").write_text(
        '[project]\nname = "demo-x"\nversion = "0.1"\nrequires-python = ">=3.10"\n'
        "dependencies = [\"httpx>=0.27\", \"colorama; sys_platform == 'win32'\"]\n"
        '[project.optional-dependencies]\nsocks = ["httpx[socks]"]\n'
        '[dependency-groups]\ndev = ["iniconfig"]\n'
        "[tool.uv]\nindex-url = \"https://evil.example/simple\"\n"
    )
    project = pyproject_source.load(project_dir / "pyproject.toml", project_dir, LoadOptions())
    (call,) = _calls(tmp_path)
    args = call["args"]
    assert args[:2] == ["pip", "compile"]
    for flag in ("--universal", "--only-binary", ":all:", "--no-python-downloads"):
        assert flag in args
    assert args[args.index("--python-version") + 1] == "3.10"  # the requires-python floor
    # only the declared requirements are handed over, never the project's own files or config
    assert call["in"].splitlines() == ["colorama ; sys_platform == \"win32\"", "httpx>=0.27", "httpx[socks]", "iniconfig"]
    assert Path(call["cwd"]).resolve() != project_dir.resolve()
    assert "index" not in " ".join(args)
    info = project.resolver
    assert (info.name, info.version, info.online, info.binary_only) == ("uv", "0.13.9", True, True)
    assert info.command[:4] == ("uv", "pip", "compile", "requirements.in")
    assert not any(str(tmp_path) in part for part in info.command)
    # root edges carry the declaration's labels; resolved edges come from `# via`
    root = project.roots[0]
    from_root = [(d.child, d.via_extra, d.group, d.extras) for d in project.dependencies if d.parent == root]
    assert len(from_root) == 4 and set(from_root) == {
        ("colorama==0.4.6", None, None, ()),
        ("httpx==0.29.0", None, None, ()),
        ("httpx==0.29.0", "socks", None, ("socks",)),
        ("iniconfig==2.3.1", None, "dev", ()),
    }
    assert project.transitive_known and project.edges_complete
    runtime = set(build_graph(project).packages)
    assert "iniconfig==2.3.1" not in runtime and "socksio==1.0.0" in runtime  # via httpx, unlabelled by uv
    assert len(runtime) == 10


def test_target_platform_drops_universal(tmp_path, monkeypatch):
    bin_dir = _fake_uv(tmp_path, RECORDED / "uv-pip-compile.txt")
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    (tmp_path / "requirements.txt").write_text("httpx>=0.27\n")
    requirements_source.load(
        tmp_path / "requirements.txt", tmp_path, LoadOptions(python_version="3.12", platform="win32")
    )
    args = _calls(tmp_path)[0]["args"]
    assert "--universal" not in args
    assert args[args.index("--python-platform") + 1] == "windows"
    assert args[args.index("--python-version") + 1] == "3.12"


def test_resolver_failure_is_one_line_naming_the_sdist(tmp_path, monkeypatch):
    stderr = (
        "error: No solution found when resolving dependencies:\n"
        "  cause: Because all versions of pycrypto have no usable wheels and you require pycrypto, we can "
        "conclude that your requirements are unsatisfiable.\n\n"
        "hint: Wheels are required for `pycrypto` because building from source is disabled for all packages\n"
    )
    bin_dir = _fake_uv(tmp_path, None, stderr, 1)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    (tmp_path / "requirements.txt").write_text("pycrypto>=2\n")
    with pytest.raises(ResolverError) as caught:
        requirements_source.load(tmp_path / "requirements.txt", tmp_path, LoadOptions())
    message = caught.value.one_line()
    assert "\n" not in message and "Traceback" not in message
    assert "you require pycrypto" in message
    assert "no wheel for pycrypto" in message and "never does" in message


def test_an_extra_that_cannot_resolve_is_isolated(tmp_path, monkeypatch):
    """The stand-in fails whenever `broken` is asked for: the runtime set and the other extras
    still resolve, and the report says which extra did not."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "uv"
    script.write_text(
        f"#!{sys.executable}\n"
        "import sys, pathlib\n"
        "args = sys.argv[1:]\n"
        "if args == ['--version']: print('uv 0.13.9'); sys.exit(0)\n"
        "given = pathlib.Path(args[2]).read_text().split()\n"
        "if 'broken' in given:\n"
        "    sys.stderr.write('error: x\\nhint: Wheels are required for `broken` because building from source is disabled\\n'); sys.exit(1)\n"
        "for name in given: print(f'{name}==1.0\\n    # via -r requirements.in')\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    project = ResolvedProject(project_dir=str(tmp_path), input_file="pyproject.toml", input_kind="pyproject.toml")
    root = project.add_package(Package("demo", "1", key="demo@root", source="virtual", is_root=True))
    direct = [DirectRequirement(Requirement("main-dep"))]
    direct += [DirectRequirement(Requirement(f"dep-{e}"), e) for e in ("a", "b", "c", "d")]
    direct += [DirectRequirement(Requirement("broken", location=Location("pyproject.toml", 9)), "e")]
    resolve_into(project, root, direct, LoadOptions())
    assert not project.transitive_known
    assert any(n.startswith("extra e could not be resolved") and "no wheel for broken" in n for n in project.notes)
    resolved = {k for k, p in project.packages.items() if p.version == "1.0"}
    assert resolved == {"main-dep==1.0", "dep-a==1.0", "dep-b==1.0", "dep-c==1.0", "dep-d==1.0"}
    broken = project.packages["broken@unknown"]
    assert broken.version is None and broken.location == Location("pyproject.toml", 9)


def test_offline_forbids_the_resolver(tmp_path, monkeypatch):
    bin_dir = _fake_uv(tmp_path, RECORDED / "uv-pip-compile.txt")
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    (tmp_path / "requirements.txt").write_text("httpx>=0.27\n")
    project = requirements_source.load(tmp_path / "requirements.txt", tmp_path, LoadOptions(offline=True))
    assert not (tmp_path / "uv-calls.jsonl").exists()
    assert project.resolver.online is False and not project.transitive_known


# --- real resolutions (package index) ------------------------------------------------------


@pytest.fixture(scope="module")
def index_reachable():
    uv = shutil.which("uv")
    if uv is None:
        pytest.skip("uv is not installed")
    try:
        done = subprocess.run(
            [uv, "pip", "compile", "-", "--no-header", "--only-binary", ":all:", "--no-python-downloads"],
            input="iniconfig\n", capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        pytest.skip("package index timed out")
    if done.returncode != 0:
        pytest.skip("package index not reachable: " + (done.stderr.strip().splitlines() or ["?"])[-1])
    return uv


@pytest.mark.network
def test_real_uv_resolution_matches_the_compiled_fixture(index_reachable):
    """anthropic-proxy's requirements.txt was compiled from its pyproject with uv: resolving the
    pyproject again gives the same names (versions may move as the index moves)."""
    directory = FIXTURES / "anthropic-proxy"
    project = pyproject_source.load(directory / "pyproject.toml", directory, LoadOptions())
    assert project.resolver.name == "uv" and project.resolver.online
    ours = {p.name for k, p in project.packages.items() if k in set(build_graph(project).packages)}
    pinned = {p.name for p in requirements_source.load(directory / "requirements.txt", directory).packages.values() if not p.is_root}
    assert ours == pinned
    assert any(d.group == "dev" for d in project.dependencies)


@pytest.mark.network
def test_real_pip_fallback_when_uv_is_absent(index_reachable, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no uv anywhere; pip runs as `python -m pip`
    (tmp_path / "requirements.txt").write_text("httpx[socks]>=0.27\n")
    project = requirements_source.load(tmp_path / "requirements.txt", tmp_path, LoadOptions())
    assert project.resolver.name == "pip" and project.resolver.online
    assert project.resolver.command[:3] == ("python", "-m", "pip")
    httpx = [k for k in project.packages if k.startswith("httpx==")][0]
    socks = [d for d in project.dependencies if d.parent == httpx and d.child.startswith("socksio==")]
    assert socks and socks[0].via_extra == "socks"
    assert any("running interpreter only" in n for n in project.notes)


@pytest.mark.network
def test_real_sdist_only_requirement_fails_clearly(index_reachable, tmp_path):
    (tmp_path / "requirements.txt").write_text("pycrypto\n")
    with pytest.raises(ResolverError, match="never does"):
        requirements_source.load(tmp_path / "requirements.txt", tmp_path, LoadOptions())
