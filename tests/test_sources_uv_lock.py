"""uv.lock reading on real locks: workspaces, duplicate versions under markers, extras, groups."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from blastradius.errors import SourceError
from blastradius.graph import Target, View, build_graph
from blastradius.sources import detect, load_project
from blastradius.sources.uv_lock import load

from conftest import CORPUS, FIXTURES


def test_reads_real_lock_with_roots_edges_and_locations():
    project = load_project(CORPUS / "CedarVerse__vandamme-proxy")
    assert project.input_kind == "uv.lock"
    assert project.roots == ["vandamme-proxy@editable"]
    assert len(project.packages) == 100
    fastapi = [p for p in project.packages.values() if p.name == "fastapi"][0]
    assert fastapi.location is not None and fastapi.location.path == "uv.lock"
    text = (CORPUS / "CedarVerse__vandamme-proxy" / "uv.lock").read_text().splitlines()
    assert text[fastapi.location.line - 1] == "[[package]]"
    assert text[fastapi.location.line] == 'name = "fastapi"'
    assert all(h.startswith("sha256:") for h in fastapi.hashes) and fastapi.hashes
    # declared ranges of the root are kept for advisory range checks
    assert any(r.name == "fastapi" and r.specifier for r in project.requirements)


# Runtime counts checked against `uv export --frozen --no-dev --no-emit-project` run on the same
# files (universal: uv export keeps every marker branch, as blastradius does by default).
@pytest.mark.parametrize(
    ("project", "runtime", "all_groups"),
    [
        ("CedarVerse__vandamme-proxy", 67, 99),
        ("pankaj28843__litellm-proxy-headroom", 161, 165),
        ("openai__openai-python", 14, 76),
    ],
)
def test_runtime_count_matches_uv_export(project, runtime, all_groups):
    resolved = load_project(CORPUS / project)
    assert len(build_graph(resolved).packages) == runtime
    assert len(build_graph(resolved, View(all_groups=True)).packages) == all_groups


def test_uv_conflict_markers_pick_one_branch_per_group():
    """openai-python locks pydantic 1 and 2 behind uv conflict groups: the runtime view has v2
    only; selecting the pydantic-v1 group brings v1."""
    resolved = load_project(CORPUS / "openai__openai-python")
    runtime = {k for k in build_graph(resolved).packages if k.startswith("pydantic==")}
    assert runtime == {"pydantic==2.12.5"}
    v1 = {k for k in build_graph(resolved, View(groups=frozenset({"pydantic-v1"}))).packages if k.startswith("pydantic==")}
    assert "pydantic==1.10.26" in v1


def test_target_evaluates_markers():
    resolved = load_project(CORPUS / "CedarVerse__vandamme-proxy")
    universal = set(build_graph(resolved).packages)
    linux = set(build_graph(resolved, View(target=Target.parse("python=3.12,platform=linux"))).packages)
    windows = set(build_graph(resolved, View(target=Target.parse("python=3.12,platform=win32"))).packages)
    assert linux < universal
    assert any(k.startswith("colorama==") for k in windows)
    assert not any(k.startswith("colorama==") for k in linux)


@pytest.mark.skipif(shutil.which("uv") is None, reason="uv is not installed")
@pytest.mark.parametrize("project", ["CedarVerse__vandamme-proxy", "pankaj28843__litellm-proxy-headroom"])
def test_runtime_set_equals_uv_export_output(project, tmp_path):
    """Independent check with uv itself (offline: --frozen reads only the lock)."""
    work = tmp_path / project
    shutil.copytree(CORPUS / project, work)
    (work / ".python-version").unlink(missing_ok=True)
    out = subprocess.run(
        ["uv", "export", "--frozen", "--no-dev", "--no-hashes", "--no-emit-project", "--no-emit-workspace", "--no-header"],
        cwd=work, capture_output=True, text=True, check=True,
    ).stdout
    theirs = {line.split(";")[0].strip().replace(" ", "") for line in out.splitlines() if line and not line.startswith((" ", "#", "-"))}
    ours = set(build_graph(load_project(work)).packages)
    assert ours == theirs


def test_two_versions_of_one_package(tmp_path):
    lock = tmp_path / "uv.lock"
    lock.write_text(
        """version = 1
requires-python = ">=3.9"
resolution-markers = ["python_full_version >= '3.10'", "python_full_version < '3.10'"]

[[package]]
name = "demo"
version = "0.1.0"
source = { virtual = "." }
dependencies = [
    { name = "idna", version = "3.6", source = { registry = "https://index.example/simple" }, marker = "python_full_version < '3.10'" },
    { name = "idna", version = "3.10", source = { registry = "https://index.example/simple" }, marker = "python_full_version >= '3.10'" },
    { name = "httpx", extra = ["socks"] },
]

[package.dev-dependencies]
dev = [{ name = "iniconfig" }]

[[package]]
name = "idna"
version = "3.6"
source = { registry = "https://index.example/simple" }
resolution-markers = ["python_full_version < '3.10'"]

[[package]]
name = "idna"
version = "3.10"
source = { registry = "https://index.example/simple" }
resolution-markers = ["python_full_version >= '3.10'"]

[[package]]
name = "httpx"
version = "0.28.1"
source = { registry = "https://index.example/simple" }

[package.optional-dependencies]
socks = [{ name = "socksio" }]
brotli = [{ name = "brotli" }]

[[package]]
name = "socksio"
version = "1.0.0"
source = { registry = "https://index.example/simple" }

[[package]]
name = "brotli"
version = "1.1.0"
source = { registry = "https://index.example/simple" }

[[package]]
name = "iniconfig"
version = "2.0.0"
source = { registry = "https://index.example/simple" }
"""
    )
    project = load(lock, tmp_path)
    universal = build_graph(project)
    # both idna versions can be installed somewhere; the extra activates socksio, not brotli
    assert universal.packages == ["httpx==0.28.1", "idna==3.10", "idna==3.6", "socksio==1.0.0"]
    py39 = build_graph(project, View(target=Target.parse("python=3.9")))
    assert py39.packages == ["httpx==0.28.1", "idna==3.6", "socksio==1.0.0"]
    dev = build_graph(project, View(groups=frozenset({"dev"})))
    assert "iniconfig==2.0.0" in dev.packages
    assert universal.group_counts == {"dev": 1, "main": 4}
    assert universal.shortest_path("socksio==1.0.0") == ["demo==0.1.0", "httpx==0.28.1", "socksio==1.0.0"]


def test_workspace_members_are_roots_and_runtime_matches_uv_export():
    """Expected set copied from `uv export --frozen --no-dev --no-emit-project --no-emit-workspace`
    run when the fixture was locked (see fixtures/sources/uv-workspace/FIXTURE.md)."""
    project = load_project(FIXTURES / "sources" / "uv-workspace")
    assert project.roots == ["corelib==0.2.0", "demo-proxy==0.1.0"]
    graph = build_graph(project)
    assert graph.packages == [
        "anyio==4.12.1", "anyio==4.16.0", "certifi==2026.10.19.post1", "colorama==0.4.6",
        "exceptiongroup==1.3.2", "h11==0.16.0", "httpcore==1.0.9", "httpx==0.28.1", "httpx==0.29.0",
        "idna==3.20", "idna==3.6", "sniffio==1.3.1", "typing-extensions==4.16.0",
    ]
    # every workspace member is a root: sniffio is a direct dependency of the member corelib
    assert graph.shortest_path("sniffio==1.3.1") == ["corelib==0.2.0", "sniffio==1.3.1"]
    assert graph.nodes["sniffio==1.3.1"].depth == 1
    socks = build_graph(project, View(groups=frozenset({"socks"})))
    assert any(k.startswith("socksio==") for k in socks.packages)
    assert not any(k.startswith("socksio==") for k in graph.packages)


@pytest.mark.parametrize(
    ("content", "message", "line"),
    [
        ('version = 1\n[[package]]\nname = "a"\nversion = \n', "invalid TOML", 4),
        ('version = 1\n[[package]]\nname = "a"\nsource = { registry = "https://index.example/simple" }\n', "has no `version`", 2),
        (
            'version = 1\n[[package]]\nname = "a"\nversion = "1"\nsource = { virtual = "." }\n'
            'dependencies = [{ name = "ghost" }]\n',
            "depends on 'ghost', which is not in the lock",
            2,
        ),
        ("version = 7\n", "unsupported uv.lock schema version", None),
    ],
)
def test_bad_locks_fail_with_file_and_line(tmp_path, content, message, line):
    lock = tmp_path / "uv.lock"
    lock.write_text(content)
    with pytest.raises(SourceError) as info:
        load(lock, tmp_path)
    assert message in info.value.message
    assert info.value.line == line
    assert info.value.path == "uv.lock"


def test_detection_prefers_lock_and_says_why(tmp_path):
    shutil.copy(CORPUS / "CedarVerse__vandamme-proxy" / "uv.lock", tmp_path / "uv.lock")
    shutil.copy(CORPUS / "CedarVerse__vandamme-proxy" / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "requirements.txt").write_text("httpx==0.28.1\n")
    detected = detect(tmp_path)
    assert detected.kind == "uv.lock"
    assert "lock file" in detected.reason
    assert detected.ignored == ("requirements.txt",)


def test_per_group_direct_and_transitive_counts():
    graph = build_graph(load_project(FIXTURES / "sources" / "uv-workspace"))
    # main: demo-proxy -> httpx x2, idna x2, colorama; corelib -> sniffio (the member itself is a root)
    assert graph.group_stats["main"] == {"packages": 13, "direct": 6, "transitive": 7, "adds": 13}
    # the socks extra: httpx[socks] is its direct edge (two httpx versions), socksio the one package it adds
    assert graph.group_stats["socks"]["adds"] == 1
    assert graph.group_stats["socks"]["direct"] == 2
    assert graph.group_stats["dev"] == {"packages": 2, "direct": 2, "transitive": 0, "adds": 2}


@pytest.mark.parametrize(
    "lock",
    [
        FIXTURES / "litellm-proxy" / "uv.lock",
        CORPUS / "pankaj28843__litellm-proxy-headroom" / "uv.lock",
        CORPUS / "openai__openai-python" / "uv.lock",
        FIXTURES / "sources" / "uv-workspace" / "uv.lock",
    ],
)
def test_artifact_lines_skipped_for_speed_give_the_same_result(lock):
    """The reader blanks sdist/wheels lines before parsing and takes their hashes by regex;
    everything it reports must equal a full TOML parse of the same lock."""
    import tomllib

    from blastradius.sources.uv_lock import _without_artifacts

    text = lock.read_text()
    stripped, hashes = _without_artifacts(text)
    full = tomllib.loads(text)["package"]
    reduced = tomllib.loads(stripped)["package"]
    assert len(stripped.splitlines()) == len(text.splitlines())
    for index, (entry, lean) in enumerate(zip(full, reduced)):
        assert {k: v for k, v in entry.items() if k not in ("sdist", "wheels")} == lean
        expected = {entry["sdist"]["hash"]} if "sdist" in entry else set()
        expected |= {w["hash"] for w in entry.get("wheels", [])}
        assert hashes[index] == expected
    project = load(lock, lock.parent)
    assert all(p.hashes for p in project.packages.values() if p.source == "registry")


def test_unexpected_artifact_layout_falls_back_to_a_full_parse(tmp_path):
    lock = tmp_path / "uv.lock"
    lock.write_text(
        'version = 1\n[[package]]\nname = "root"\nversion = "1"\nsource = { virtual = "." }\n'
        'dependencies = [{ name = "a" }]\n\n[[package]]\nname = "a"\nversion = "1.0"\n'
        'source = { registry = "https://index.example/simple" }\n'
        'wheels = [\n  { url = "https://files.index.example/a.whl", hash = "sha256:ab12" },\n'
    )
    with pytest.raises(SourceError):  # an unterminated array is still reported, with its file
        load(lock, tmp_path)
    lock.write_text(
        'version = 1\n[[package]]\nname = "root"\nversion = "1"\nsource = { virtual = "." }\n'
        'dependencies = [{ name = "a" }]\n\n[[package]]\nname = "a"\nversion = "1.0"\n'
        'source = { registry = "https://index.example/simple" }\n'
        'wheels = [{ url = "https://files.index.example/a.whl", hash = "sha256:ab12" }]\n'
    )
    project = load(lock, tmp_path)
    assert project.packages["a==1.0"].hashes == ("sha256:ab12",)
