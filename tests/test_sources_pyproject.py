"""pyproject.toml without a lock: declared roots (PEP 621, extras, PEP 735, Poetry) with labelled
edges, dynamic dependencies said as unknown, offline honesty. Resolution itself is covered in
test_sources_resolver.py."""

from __future__ import annotations

import pytest

from blastradius.errors import SourceError
from blastradius.graph import View, build_graph
from blastradius.sources import LoadOptions, load_project
from blastradius.sources.pyproject import DYNAMIC_NOTE, load
from blastradius.sources.resolver import OFFLINE_NOTE

from conftest import CORPUS

OFFLINE = LoadOptions(offline=True)


def _root_edges(project):
    root = project.roots[0]
    return [d for d in project.dependencies if d.parent == root]


def test_simonw_llm_offline_runtime_and_dev_group():
    directory = CORPUS / "simonw__llm"
    project = load(directory / "pyproject.toml", directory, OFFLINE)
    assert project.roots == ["llm@root"] and project.packages["llm@root"].version == "0.32"
    assert not project.transitive_known and OFFLINE_NOTE in project.notes
    assert project.resolver.name == "none" and project.resolver.online is False
    runtime = sorted(project.packages[k].name for k in build_graph(project).packages)
    assert runtime == sorted(
        ["click", "condense-json", "openai", "click-default-group", "sqlite-utils", "pydantic", "pyyaml",
         "pluggy", "python-ulid", "setuptools", "pip", "pyreadline3", "puremagic"]
    )  # fmt: skip
    edges = {project.packages[d.child].name: d for d in _root_edges(project) if d.group is None}
    assert edges["pyreadline3"].marker == 'sys_platform == "win32"'
    dev = {project.packages[d.child].name for d in _root_edges(project) if d.group == "dev"}
    assert {"pytest", "sphinx", "mypy", "click"} <= dev  # click is both runtime and dev
    with_dev = build_graph(project, View(groups=frozenset({"dev"})))
    assert len(with_dev.packages) == len(runtime) + len(dev - set(runtime))
    # declared ranges and their lines
    text = (directory / "pyproject.toml").read_text().splitlines()
    openai = [r for r in project.requirements if r.name == "openai"][0]
    assert openai.specifier == ">=2.32.0" and '"openai>=2.32.0"' in text[openai.location.line - 1]
    sphinx = project.packages["sphinx==7.2.6"]  # exact pins keep their version offline
    assert sphinx.source == "unknown"


def test_any_llm_extras_are_labelled_and_the_self_reference_is_a_self_edge():
    directory = CORPUS / "mozilla-ai__any-llm"
    project = load(directory / "pyproject.toml", directory, OFFLINE)
    root = project.roots[0]
    assert root == "any-llm-sdk@root"
    by_extra = {}
    for dep in _root_edges(project):
        by_extra.setdefault(dep.via_extra, set()).add(project.packages[dep.child].name)
    assert by_extra[None] >= {"pydantic", "openai", "anthropic", "rich", "httpx", "typing-extensions", "any-llm-sdk"} - {"any-llm-sdk"}
    assert "mistralai" in by_extra["mistral"] and "boto3" in by_extra["bedrock"]
    # `all = ["any-llm-sdk[mistral,...]"]` refers to the project itself: a self-edge with extras
    (self_edge,) = [d for d in project.dependencies if d.parent == root and d.child == root]
    assert self_edge.via_extra == "all" and "mistral" in self_edge.extras
    runtime = {project.packages[k].name for k in build_graph(project).packages}
    assert "mistralai" not in runtime and "openai" in runtime
    # the requirements list keeps extras as `extra == "..."` markers (wheel-metadata style)
    assert any(r.name == "mistralai" and r.marker == 'extra == "mistral"' for r in project.requirements)


def test_dynamic_dependencies_follow_setuptools_file_or_say_unknown(tmp_path):
    directory = CORPUS / "Aider-AI__aider"
    project = load(directory / "pyproject.toml", directory, OFFLINE)
    assert "requirements.txt" in project.files_read
    assert any(DYNAMIC_NOTE in n and "requirements.txt" in n for n in project.notes)
    assert any(r.name == "litellm" for r in project.requirements)
    help_extra = {project.packages[d.child].name for d in _root_edges(project) if d.via_extra == "help"}
    assert "llama-index-core" in help_extra

    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "dyn"\ndynamic = ["dependencies", "version"]\n[dependency-groups]\ndev = ["pytest"]\n'
    )
    project = load(tmp_path / "pyproject.toml", tmp_path, OFFLINE)
    assert any(n.startswith(DYNAMIC_NOTE) for n in project.notes)
    assert not project.transitive_known
    assert not any("none" in n.lower() and "dependencies" in n.lower() for n in project.notes)


def test_poetry_dependencies_and_groups(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.poetry]\nname = "poet"\nversion = "1.0"\n'
        '[tool.poetry.dependencies]\npython = "^3.10"\nhttpx = "^0.27"\nlitellm = {version = ">=1.80", extras = ["proxy"]}\n'
        '[tool.poetry.group.dev.dependencies]\npytest = "*"\n'
    )
    project = load(tmp_path / "pyproject.toml", tmp_path, OFFLINE)
    assert project.roots == ["poet@root"]
    edges = {(project.packages[d.child].name, d.group, d.extras) for d in _root_edges(project)}
    assert edges == {("httpx", None, ()), ("litellm", None, ("proxy",)), ("pytest", "dev", ())}
    httpx = [r for r in project.requirements if r.name == "httpx"][0]
    assert httpx.specifier == ">=0.27,<0.28" and httpx.location.line == 6


def test_detection_uses_the_manifest_when_nothing_else_exists(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "solo"\ndependencies = ["anthropic>=0.40"]\n')
    project = load_project(tmp_path, options=OFFLINE)
    assert project.input_kind == "pyproject.toml"
    assert "manifest only" in project.detection_reason
    assert [p.name for p in project.packages.values() if not p.is_root] == ["anthropic"]


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ('[project]\nname = "x"\ndependencies = ["ok",\nversion = = 1\n', "invalid TOML", 4),
        ('[project]\nname = "x"\ndependencies = ["httpx>=>1"]\n', "invalid requirement", 3),
        ('[project]\nname = "x"\ndependencies = "httpx"\n', "must be an array", None),
    ],
)
def test_bad_pyproject_is_one_source_error(tmp_path, text, message, line):
    (tmp_path / "pyproject.toml").write_text(text)
    with pytest.raises(SourceError) as caught:
        load(tmp_path / "pyproject.toml", tmp_path, OFFLINE)
    assert message in caught.value.message
    assert caught.value.path == "pyproject.toml"
    if line is not None:
        assert caught.value.line == line


def test_setup_cfg_requirements_are_read_statically():
    """Portkey's pyproject has no [project] table; its dependencies live in setup.cfg."""
    from blastradius.graph import build_graph
    from blastradius.sources import LoadOptions, load_project

    project = load_project(CORPUS / "Portkey-AI__portkey-python-sdk", options=LoadOptions(offline=True))
    names = sorted(build_graph(project).nodes[k].package.name for k in build_graph(project).packages)
    assert names == sorted(
        ["httpx", "typing-extensions", "pydantic", "anyio", "distro", "sniffio", "cached-property", "tqdm", "types-requests", "jiter"]
    )
    jiter = [r for r in project.requirements if r.name == "jiter"][0]
    assert jiter.location is not None and jiter.location.path == "setup.cfg" and jiter.location.line == 30
    assert any("setup.cfg (static, never run)" in note for note in project.notes)


def test_setup_py_only_is_unknown_not_empty(tmp_path):
    from blastradius.sources import LoadOptions, load_project

    (tmp_path / "pyproject.toml").write_text('[build-system]\nrequires = ["setuptools"]\n')
    marker = tmp_path / "ran"
    (tmp_path / "setup.py").write_text(f"open({str(marker)!r}, 'w').write('x')\n")
    project = load_project(tmp_path, options=LoadOptions(offline=True))
    assert project.transitive_known is False
    assert any("setup.py, which blastradius never runs" in note for note in project.notes)
    assert not marker.exists()
