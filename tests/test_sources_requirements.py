"""requirements*.txt: pins, hashes, includes, `# via` edges in every form, manifests, bad input."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from blastradius.errors import SourceError
from blastradius.graph import View, build_graph
from blastradius.model import Dependency
from blastradius.sources import LoadOptions, load_project
from blastradius.sources.requirements import classify_via, load, parse_file
from blastradius.sources.resolver import OFFLINE_NOTE

from conftest import CORPUS, FIXTURES

REQ_FIXTURES = FIXTURES / "sources" / "requirements"
OFFLINE = LoadOptions(offline=True)
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==([^\s;\\]+)")


def _pins_in(path: Path) -> set[str]:
    """name==version of every pin line, read with a regex independent of the parser."""
    found = set()
    for line in path.read_text().splitlines():
        match = _PIN.match(line)
        if match:
            found.add(f"{match.group(1).lower().replace('_', '-')}=={match.group(3)}")
    return found


def _children(project, parent_key):
    return sorted(d.child for d in project.dependencies if d.parent == parent_key)


# --- the real fixtures: compiled with `uv pip compile --universal --generate-hashes` ----------


@pytest.mark.parametrize("fixture", ["litellm-proxy", "anthropic-proxy"])
def test_compiled_fixture_runtime_set_equals_its_pins_and_the_uv_lock(fixture):
    """Accuracy: the runtime view of the requirements file is exactly its own pins, and the same
    set the project's uv.lock gives (both were made from one pyproject on the same day)."""
    directory = FIXTURES / fixture
    project = load(directory / "requirements.txt", directory, OFFLINE)
    assert project.edges_complete and project.transitive_known
    runtime = set(build_graph(project).packages)
    assert runtime == _pins_in(directory / "requirements.txt")
    expected = json.loads((directory / "expected.json").read_text())
    assert len(runtime) == expected["runtime_universal"]
    from_lock = set(build_graph(load_project(directory, input_file=directory / "uv.lock")).packages)
    assert runtime == from_lock


def test_compiled_fixture_edges_hashes_and_locations():
    directory = FIXTURES / "litellm-proxy"
    project = load(directory / "requirements.txt", directory, OFFLINE)
    assert project.roots == ["litellm-proxy-gateway@root"]
    root = project.roots[0]
    # `# via litellm-proxy-gateway (pyproject.toml)` -> the only direct dependency; the
    # pyproject adds the declared extra to that edge.
    direct = [d for d in project.dependencies if d.parent == root]
    assert [(d.child, d.extras) for d in direct] == [("litellm==1.82.6", ("proxy",))]
    assert "aiohttp==3.14.5" in _children(project, "litellm==1.82.6")
    aiohttp = project.packages["aiohttp==3.14.5"]
    assert len(aiohttp.hashes) > 50 and all(h.startswith("sha256:") for h in aiohttp.hashes)
    lines = (directory / "requirements.txt").read_text().splitlines()
    for package in project.packages.values():
        if package.is_root:
            continue
        assert package.location.path == "requirements.txt"
        assert lines[package.location.line - 1].startswith(f"{package.name}=="), package.key
    # two versions of one name under markers are two nodes, each with its own marker
    fastapi = sorted(k for k in project.packages if k.startswith("fastapi=="))
    assert len(fastapi) == 2
    assert {project.packages[k].marker for k in fastapi} == {
        'python_full_version < "3.11"',  # normalised by packaging.markers
        'python_full_version >= "3.11"',
    }


def test_detection_picks_the_compiled_requirements_as_a_lock(tmp_path):
    work = tmp_path / "proj"
    work.mkdir()
    shutil.copy(FIXTURES / "anthropic-proxy" / "requirements.txt", work / "requirements.txt")
    project = load_project(work, options=OFFLINE)
    assert project.input_kind == "requirements.txt"
    assert project.roots == ["proj@root"]  # no pyproject: named after the directory
    assert len(build_graph(project).packages) == 28


# --- Aider: uv pip compile with `-c` constraints and `-r` direct markers -----------------------


def test_aider_multiline_via_with_constraints_and_requirements():
    directory = CORPUS / "Aider-AI__aider"
    path = directory / "requirements" / "requirements-dev.txt"
    project = load(path, directory, OFFLINE)
    root = project.roots[0]
    assert root == "aider-chat@root"  # named by the pyproject
    text = path.read_text()
    # every pin whose via block lists `-r requirements/requirements-dev.in` is a direct dependency
    blocks = re.findall(r"^([a-z0-9][a-z0-9._-]*)==(\S+)\n((?:\s+#.*\n?)+)", text, re.MULTILINE)
    direct_expected = {f"{n}=={v}" for n, v, via in blocks if "-r requirements/requirements-dev.in" in via}
    assert direct_expected and set(_children(project, root)) == direct_expected
    # `-c requirements/common-constraints.txt` never becomes an edge or a package
    assert not any("constraints" in k for k in project.packages)
    assert "build==1.4.0" in [d.parent for d in project.dependencies if d.child.startswith("pyproject-hooks==")]
    assert project.edges_complete
    assert set(build_graph(project).packages) == _pins_in(path)


def test_aider_top_file_with_hand_added_ranges_offline():
    """Aider's requirements.txt is compiled, then has hand-written range lines appended: offline,
    the pins and edges are kept and the ranges become direct requirements of unknown version."""
    directory = CORPUS / "Aider-AI__aider"
    project = load(directory / "requirements.txt", directory, OFFLINE)
    assert not project.transitive_known
    assert any("ranges, not pins" in n and "numpy" in n and "scipy" in n for n in project.notes)
    assert project.packages["numpy@registry"].version is None
    root = project.roots[0]
    numpy_edges = [d for d in project.dependencies if d.parent == root and d.child == "numpy@registry"]
    assert {d.marker for d in numpy_edges} == {'python_version < "3.11"', 'python_version >= "3.11"'}
    # `# via scipy` inside the compiled part resolves to the range line's package
    assert "scipy@registry" in {d.parent for d in project.dependencies}
    # the two hand-added tree-sitter pins (no annotation) are direct lines of the file
    assert {"tree-sitter==0.23.2", "tree-sitter==0.25.2"} <= set(_children(project, root))
    assert project.resolver is not None and not project.resolver.online


# --- pip-compile layout (hand-written fixture) --------------------------------------------


def test_pip_compile_layout_editable_git_unsafe_options():
    directory = REQ_FIXTURES / "pip-compile"
    project = load(directory / "requirements.txt", directory, OFFLINE)
    root = project.roots[0]
    corelib = project.packages["corelib@editable"]
    assert corelib.source == "editable" and corelib.source_url == "packages/corelib"
    plugin = project.packages["demo-plugin@git"]
    assert plugin.source == "git" and plugin.source_url == "git+https://git.example/o/demo-plugin@0123abc"
    httpx = project.packages["httpx==0.28.1"]
    assert httpx.extras == ("socks",)
    assert set(_children(project, root)) == {"corelib@editable", "demo-plugin@git", "httpx==0.28.1"}
    assert _children(project, "httpx==0.28.1") == ["anyio==4.12.1", "certifi==2026.10.19.post1", "httpcore==1.0.9", "idna==3.10", "socksio==1.0.0"]
    assert "sniffio==1.3.1" in _children(project, "corelib@editable")
    assert len(project.packages["certifi==2026.10.19.post1"].hashes) == 2
    notes = " | ".join(project.notes)
    assert "--index-url https://***@index.example/simple" in notes
    assert "fixture-token" not in notes and "build-user" not in notes
    assert "dependency-confusion" in notes
    assert "unsafe" in notes and "setuptools" in notes
    assert not any(p.name == "setuptools" for p in project.packages.values())
    assert "direct references bypass the index: editable, git" in notes


def test_line_annotation_style():
    path = REQ_FIXTURES / "line-style.txt"
    project = load(path, REQ_FIXTURES, OFFLINE)
    assert project.edges_complete
    assert _children(project, "anyio==4.16.0") == ["exceptiongroup==1.3.2", "idna==3.20", "typing-extensions==4.16.0"]
    assert "typing-extensions==4.16.0" in _children(project, "exceptiongroup==1.3.2")
    root = project.roots[0]
    assert set(_children(project, root)) == {"colorama==0.4.6", "httpx==0.29.0", "iniconfig==2.3.1"}
    assert project.packages["colorama==0.4.6"].marker == 'sys_platform == "win32"'
    assert set(build_graph(project).packages) == _pins_in(path)


@pytest.mark.parametrize(
    ("via", "expected"),
    [
        ("-r requirements.in", ("root", None, None)),
        ("-c constraints.txt", ("constraint", None, None)),
        ("demo-x (pyproject.toml)", ("root", "demo-x", None)),
        ("demo-x (pyproject.toml:dev)", ("root", "demo-x", "dev")),
        ("demo (setup.py)", ("root", "demo", None)),
        ("Typing_Extensions", ("package", "typing-extensions", None)),
    ],
)
def test_classify_via(via, expected):
    assert classify_via(via) == expected


def test_group_via_becomes_a_grouped_root_edge(tmp_path):
    (tmp_path / "requirements.txt").write_text(
        "httpx==0.28.1\n    # via demo-x (pyproject.toml)\niniconfig==2.3.1\n    # via demo-x (pyproject.toml:dev)\n"
    )
    project = load(tmp_path / "requirements.txt", tmp_path, OFFLINE)
    grouped = {d.child: d.group for d in project.dependencies}
    assert grouped == {"httpx==0.28.1": None, "iniconfig==2.3.1": "dev"}
    assert set(build_graph(project).packages) == {"httpx==0.28.1"}
    assert set(build_graph(project, View(groups=frozenset({"dev"}))).packages) == {"httpx==0.28.1", "iniconfig==2.3.1"}


# --- no annotations: honest, no invented edges --------------------------------------------


def test_pins_without_via_have_no_edges(tmp_path):
    shutil.copy(CORPUS / "yihong0618__bilingual_book_maker" / "requirements.txt", tmp_path / "requirements.txt")
    project = load(tmp_path / "requirements.txt", tmp_path, OFFLINE)
    assert project.dependencies == []
    assert not project.edges_complete
    assert any("without `# via` annotations" in n for n in project.notes)
    # the graph still counts every pin (edges unknown, packages known)
    assert set(build_graph(project).packages) == _pins_in(tmp_path / "requirements.txt")


def test_pins_without_via_take_root_edges_from_the_pyproject(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\ndependencies = ["httpx>=0.27"]\n')
    (tmp_path / "requirements.txt").write_text("httpx==0.28.1\nanyio==4.12.1\n")
    project = load(tmp_path / "requirements.txt", tmp_path, OFFLINE)
    assert project.dependencies == [Dependency("demo@root", "httpx==0.28.1")]
    assert project.requirements[0].specifier == ">=0.27"
    assert not project.edges_complete


# --- includes -----------------------------------------------------------------------------


def test_includes_relative_to_the_including_file_and_constraints(tmp_path):
    (tmp_path / "reqs").mkdir()
    (tmp_path / "requirements.txt").write_text("-r reqs/base.txt\n-c reqs/constraints.txt\nidna==3.10\n")
    (tmp_path / "reqs" / "base.txt").write_text("-r common.txt\nhttpx==0.28.1\n")
    (tmp_path / "reqs" / "common.txt").write_text("anyio==4.12.1 ; python_version >= '3.9'\n")
    (tmp_path / "reqs" / "constraints.txt").write_text("certifi==2026.1.1\n")
    project = load(tmp_path / "requirements.txt", tmp_path, OFFLINE)
    assert sorted(k for k in project.packages if "@root" not in k) == ["anyio==4.12.1", "httpx==0.28.1", "idna==3.10"]
    assert project.files_read == ["requirements.txt", "reqs/base.txt", "reqs/common.txt", "reqs/constraints.txt"]
    assert project.packages["anyio==4.12.1"].location.path == "reqs/common.txt"
    assert project.packages["anyio==4.12.1"].marker == 'python_version >= "3.9"'


@pytest.mark.parametrize(
    ("files", "message", "where"),
    [
        ({"requirements.txt": "idna==3.10\n-r other.txt\n", "other.txt": "-r requirements.txt\n"}, "include loop", ("other.txt", 1)),
        ({"requirements.txt": "-r ../outside.txt\n"}, "outside the project", ("requirements.txt", 1)),
        ({"requirements.txt": "idna==3.10\n\n-c missing.txt\n"}, "not found", ("requirements.txt", 3)),
        ({"requirements.txt": "idna==3.10\nhttpx=>0.1\n"}, "invalid requirement", ("requirements.txt", 2)),
        ({"requirements.txt": "idna==not.a.version!\n"}, "invalid", ("requirements.txt", 1)),
        ({"requirements.txt": "idna==3.10 ; python_version >>> '3'\n"}, "invalid marker", ("requirements.txt", 1)),
        ({"requirements.txt": "idna==3.10 \\\n    --hash=nothex\n"}, "malformed --hash", ("requirements.txt", 1)),
        ({"requirements.txt": "--index-url\n"}, "needs a value", ("requirements.txt", 1)),
    ],
)
def test_bad_input_is_one_source_error_with_file_and_line(tmp_path, files, message, where):
    project_dir = tmp_path / "proj"
    project_dir.mkdir()
    (tmp_path / "outside.txt").write_text("idna==3.10\n")
    for name, text in files.items():
        (project_dir / name).write_text(text)
    with pytest.raises(SourceError) as caught:
        load(project_dir / "requirements.txt", project_dir, OFFLINE)
    assert message in caught.value.message
    assert (caught.value.path, caught.value.line) == where


def test_binary_file_is_rejected(tmp_path):
    (tmp_path / "requirements.txt").write_bytes(b"\x7fELF\x00\x01\x02binary")
    with pytest.raises(SourceError, match="binary file"):
        load(tmp_path / "requirements.txt", tmp_path, OFFLINE)


def test_include_by_url_is_recorded_never_fetched(tmp_path):
    (tmp_path / "requirements.txt").write_text("-r https://user:tok@index.example/reqs.txt\nidna==3.10\n")
    project = load(tmp_path / "requirements.txt", tmp_path, OFFLINE)
    assert not project.transitive_known
    note = [n for n in project.notes if "not followed" in n][0]
    assert "***@index.example" in note and "tok" not in note


# --- line forms ---------------------------------------------------------------------------


def test_direct_references_extras_markers_and_inline_options(tmp_path):
    (tmp_path / "wheels").mkdir()
    (tmp_path / "local-src").mkdir()
    (tmp_path / "local-src" / "pyproject.toml").write_text('[project]\nname = "Local_Src"\n')
    (tmp_path / "requirements.txt").write_text(
        "httpx[socks,HTTP2]==0.28.1 ; python_version >= '3.9' --hash=sha256:abc\n"
        "pkg-a @ https://files.index.example/pkg_a-1.0-py3-none-any.whl\n"
        "git+https://git.example/o/pkg-b.git@v2#egg=pkg_b\n"
        "./wheels/pkg_c-3.1-py3-none-any.whl\n"
        "./local-src\n"
        "-e git+https://git.example/o/pkg-d.git#egg=pkg-d\n"
        "--pre\n"
    )
    parsed = parse_file(tmp_path / "requirements.txt", tmp_path)
    by_name = {e.name: e for e in parsed.entries}
    httpx = by_name["httpx"]
    assert (httpx.extras, httpx.marker, httpx.hashes, httpx.version) == (("http2", "socks"), 'python_version >= "3.9"', ["sha256:abc"], "0.28.1")
    assert (by_name["pkg-a"].source, by_name["pkg-a"].version) == ("url", "1.0")
    assert (by_name["pkg-b"].source, by_name["pkg-b"].url) == ("git", "git+https://git.example/o/pkg-b.git@v2#egg=pkg_b")
    assert (by_name["pkg-c"].source, by_name["pkg-c"].version, by_name["pkg-c"].url) == ("path", "3.1", "wheels/pkg_c-3.1-py3-none-any.whl")
    assert (by_name["local-src"].source, by_name["local-src"].url) == ("directory", "local-src")
    assert by_name["pkg-d"].source == "git"
    assert parsed.pinned  # direct references count as pinned: the file is a lock
    assert [o for o, _, _ in parsed.options] == ["--pre"]


def test_unpinned_file_offline_shows_direct_requirements_only():
    directory = CORPUS / "fuergaosi233__claude-code-proxy"
    project = load(directory / "requirements.txt", directory, OFFLINE)
    assert not project.transitive_known
    assert OFFLINE_NOTE in project.notes
    assert project.resolver is not None and project.resolver.online is False
    names = sorted(p.name for p in project.packages.values() if not p.is_root)
    assert names == ["black", "fastapi", "httpx", "isort", "mypy", "openai", "pydantic", "pytest", "pytest-asyncio", "python-dotenv", "uvicorn"]
    assert all(p.version is None and p.source == "unknown" for p in project.packages.values() if not p.is_root)
    fastapi = [r for r in project.requirements if r.name == "fastapi"][0]
    assert (fastapi.specifier, fastapi.extras, fastapi.location.line) == (">=0.115.11", ("standard",), 1)
    assert len(build_graph(project).packages) == 11


def test_unpinned_file_with_exact_pins_keeps_their_versions_offline(tmp_path):
    (tmp_path / "requirements.txt").write_text("litellm==1.82.7\nhttpx>=0.27\n")
    project = load(tmp_path / "requirements.txt", tmp_path, OFFLINE)
    assert sorted(k for k, p in project.packages.items() if not p.is_root) == ["httpx@unknown", "litellm==1.82.7"]


def test_editable_self_reference_is_the_root(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "svc"\ndependencies = ["httpx>=0.27"]\n[project.optional-dependencies]\nsocks = ["socksio"]\n'
    )
    # unpinned: the project's own declaration joins the requirements (offline: direct only)
    (tmp_path / "requirements.txt").write_text("-e .\nrich>=13\n")
    project = load(tmp_path / "requirements.txt", tmp_path, OFFLINE)
    assert sorted(project.packages) == ["httpx@unknown", "rich@unknown", "socksio@unknown", "svc@root"]
    assert {(d.child, d.via_extra) for d in project.dependencies} == {
        ("httpx@unknown", None), ("rich@unknown", None), ("socksio@unknown", "socks"),
    }
    # compiled: `# via svc` names the project, i.e. the root
    (tmp_path / "requirements.txt").write_text(
        "-e .\nrich==13.0.0\n    # via -r requirements.in\nhttpx==0.28.1\n    # via svc\n"
    )
    project = load(tmp_path / "requirements.txt", tmp_path, OFFLINE)
    assert sorted(project.packages) == ["httpx==0.28.1", "rich==13.0.0", "svc@root"]
    assert sorted(d.child for d in project.dependencies if d.parent == "svc@root") == ["httpx==0.28.1", "rich==13.0.0"]
    assert project.edges_complete


@pytest.mark.parametrize(
    "line",
    [
        "foo==1.0 --hash=sha256:zz @@@ https://x.example/a",
        "foo==1.0 stray-text",
        "foo==1.0 --hash=sha256:",
    ],
)
def test_garbage_after_a_requirement_is_an_error(tmp_path, line):
    (tmp_path / "requirements.txt").write_text(line + "\n")
    with pytest.raises(SourceError) as info:
        parse_file(tmp_path / "requirements.txt", tmp_path)
    assert info.value.line == 1
