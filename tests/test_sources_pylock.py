"""pylock.toml (PEP 751) reader: uv's edge-less export and a lock with every source kind."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from blastradius.errors import SourceError
from blastradius.sources import kind_of
from blastradius.sources.pylock import NO_EDGES_NOTE, load

REPO = Path(__file__).resolve().parent.parent
LITELLM = REPO / "fixtures" / "litellm-proxy"
EDGES = REPO / "fixtures" / "sources" / "pylock-edges"


def test_uv_export_has_exact_packages_and_no_invented_edges() -> None:
    project = load(LITELLM / "pylock.toml", LITELLM)
    raw = tomllib.loads((LITELLM / "pylock.toml").read_text())["packages"]
    assert {(e["name"], e.get("version")) for e in raw} <= {(p.name, p.version) for p in project.packages.values()}
    assert len([p for p in project.packages.values() if p.location and p.location.path == "pylock.toml"]) == len(raw)
    assert project.edges_complete is False
    assert NO_EDGES_NOTE in project.notes
    # the only edges are the root's declared ones (from pyproject.toml), never package -> package
    roots = set(project.roots)
    assert project.dependencies and all(d.parent in roots for d in project.dependencies)
    assert {project.packages[d.child].name for d in project.dependencies if d.group is None} == {"litellm"}
    # one name, two versions split by marker: two nodes, each with its marker
    annotated = sorted((p.version, p.marker) for p in project.packages.values() if p.name == "annotated-doc")
    assert [m for _, m in annotated] == ["python_full_version < '3.11'", "python_full_version >= '3.11'"]
    litellm = next(p for p in project.packages.values() if p.name == "litellm")
    assert litellm.version == "1.82.6" and litellm.source == "registry"
    assert litellm.hashes and all(h.startswith("sha256:") for h in litellm.hashes)
    assert litellm.declared_groups == ("main",)


def test_edges_sources_and_group_markers() -> None:
    path = EDGES / "pylock.dev.toml"
    assert kind_of(path) == "pylock.toml"
    project = load(path, EDGES)
    assert project.edges_complete is True and NO_EDGES_NOTE not in project.notes
    assert project.roots == ["demo-app@editable"]
    root = project.packages["demo-app@editable"]
    assert root.source_url == "."
    edges = {(d.parent, d.child) for d in project.dependencies}
    assert ("httpx==0.28.1", "idna==3.10") in edges and ("httpx==0.28.1", "idna==3.6") not in edges
    assert {("demo-app@editable", "httpx==0.28.1"), ("demo-app@editable", "attrs==25.3.0")} <= edges
    attrs = project.packages["attrs==25.3.0"]
    assert attrs.source == "git"
    assert attrs.source_url == "https://git.example/python-attrs/attrs.git@0123456789abcdef0123456789abcdef01234567"
    colorama = project.packages["colorama==0.4.6"]
    assert (colorama.source, colorama.marker) == ("url", "sys_platform == 'win32'")
    assert colorama.hashes == ("sha256:08695f5cb7ed6e0531a20572697297273c47b8cae5a63ffc6d6ed5c201be6e44",)
    httpx = project.packages["httpx==0.28.1"]
    assert httpx.source_url == "https://index.example/simple" and len(httpx.hashes) == 2
    ini = project.packages["iniconfig==2.1.0"]
    assert ini.declared_groups == ("dev",) and ini.marker is None  # group clause is structure
    lines = path.read_text().splitlines()
    assert lines[ini.location.line] == 'name = "iniconfig"'


def _write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "pylock.toml").write_text(text)
    return tmp_path / "pylock.toml"


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ('lock-version = "2.0"\ncreated-by = "x"\n[[packages]]\nname = "a"\nversion = "1"\n', "unsupported pylock lock-version '2.0'", 1),
        ('created-by = "x"\n[[packages]]\nname = "a"\nversion = "1"\n', "missing `lock-version`", None),
        ('lock-version = "1.0"\n[[packages]]\nname = "a"\nindex = "https://index.example/simple"\n', "has no `version`", 2),
        ('lock-version = "1.0"\n[[packages]]\nname = "a"\nversion = "1"\ndependencies = [{name = "b"}]\n',
         "depends on 'b', which is not in the lock", 2),
        ('lock-version = "1.0"\n[[packages]]\nname = "a"\nversion = "1"\ndirectory = {path = "x"}\narchive = {path = "y.whl"}\n',
         "more than one source", 2),
        ('lock-version = "1.0\n', "invalid TOML", 1),
    ],
    ids=["major", "missing-version-key", "package-version", "absent", "two-sources", "toml"],
)
def test_bad_input(tmp_path: Path, text: str, message: str, line: int | None) -> None:
    with pytest.raises(SourceError) as info:
        load(_write(tmp_path, text), tmp_path)
    assert message in info.value.message and info.value.line == line


@pytest.mark.parametrize("name", ["litellm-proxy", "anthropic-proxy"])
def test_gateway_exports_match_uv_runtime_count(name: str) -> None:
    import json

    directory = REPO / "fixtures" / name
    project = load(directory / "pylock.toml", directory)
    expected = json.loads((directory / "expected.json").read_text())
    locked = [p for p in project.packages.values() if p.location and p.location.path == "pylock.toml"]
    assert len(locked) == expected["runtime_universal"]
    assert len({p.name for p in locked}) == expected["runtime_universal_names"]
    assert project.edges_complete is False and NO_EDGES_NOTE in project.notes
