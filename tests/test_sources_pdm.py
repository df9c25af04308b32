"""pdm.lock reader against a real project lock and PDM 2.24.2 output."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from lock_walk import closure

from blastradius.errors import SourceError
from blastradius.model import normalise_name
from blastradius.sources.pdm_lock import load

REPO = Path(__file__).resolve().parent.parent
BBM = REPO / "fixtures" / "corpus" / "yihong0618__bilingual_book_maker"
DEMO = REPO / "fixtures" / "sources" / "pdm-4.5"


def _default_group(directory: Path) -> set[str]:
    raw = tomllib.loads((directory / "pdm.lock").read_text())["package"]
    return {f"{normalise_name(e['name'])} {e['version']}" for e in raw if "default" in e.get("groups", [])}


LITELLM = REPO / "fixtures" / "litellm-proxy" / "pdm"


@pytest.mark.parametrize("directory", [BBM, DEMO, LITELLM], ids=["bilingual-book-maker", "demo", "litellm-proxy"])
def test_runtime_closure_equals_pdm_default_group(directory: Path) -> None:
    project = load(directory / "pdm.lock", directory)
    assert closure(project) == _default_group(directory)
    # one node per package: the extras entries were merged, not duplicated
    names = [p.name for p in project.packages.values()]
    assert len(names) == len(set(names))


def test_extras_entries_merge_into_base() -> None:
    project = load(BBM / "pdm.lock", BBM)
    auth = project.packages["google-auth==2.49.1"]
    assert auth.extras == ("requests",)
    edges = [d for d in project.dependencies if d.parent == auth.key and d.child.startswith("requests==")]
    assert [d.via_extra for d in edges] == ["requests"]
    assert not [d for d in project.dependencies if d.parent == auth.key and d.child == auth.key]  # no self-edge
    # a parent asking for google-auth[requests] gets the base node with the extra
    asking = [d for d in project.dependencies if d.child == auth.key and d.extras == ("requests",)]
    assert asking
    # a combined extras entry (httpx[brotli,socks]): each dependency under each extra
    httpx = project.packages["httpx==0.28.1"]
    assert httpx.extras == ("brotli", "socks")
    socksio = {d.via_extra for d in project.dependencies if d.parent == httpx.key and d.child.startswith("socksio")}
    assert socksio <= {"brotli", "socks"} and "socks" in socksio
    brotli = [d for d in project.dependencies if d.parent == httpx.key and d.child.startswith("brotli==")]
    assert brotli and all(d.marker == 'platform_python_implementation == "CPython"' for d in brotli)
    # roots from pyproject (dynamic version, PEP 621 deps)
    root = project.packages[project.roots[0]]
    assert root.name == "bbook-maker" and root.version is None
    assert {r.name for r in project.requirements} >= {"litellm", "openai", "anthropic"}
    assert next(r for r in project.requirements if r.name == "openai").specifier == ">=1.92.0"
    assert any("not locked" in n and "importlib-resources" in n for n in project.notes)


def test_demo_groups_extras_and_sources() -> None:
    project = load(DEMO / "pdm.lock", DEMO)
    root = project.roots[0]
    assert root == "demo-proxy==0.1.0"
    socks = [d for d in project.dependencies if d.child == "socksio==1.0.0"]
    assert [(d.parent, d.via_extra) for d in socks] == [("httpx==0.28.1", "socks")]
    assert project.packages["httpx==0.28.1"].declared_groups == ("default", "socks")
    assert {d.group for d in project.dependencies if d.parent == root} == {None, "dev", "lint"}
    corelib = project.packages["corelib==0.2.0"]
    assert (corelib.source, corelib.source_url) == ("editable", "./packages/corelib")
    assert project.packages["colorama==0.4.6"].marker == 'sys_platform == "win32"'
    assert closure(project, root_extras=("socks",)) == _default_group(DEMO) | {"socksio 1.0.0"}
    assert closure(project, groups=("dev",)) == _default_group(DEMO) | {"iniconfig 2.1.0"}
    anyio = project.packages["anyio==4.12.1"]
    assert all(h.startswith("sha256:") for h in anyio.hashes) and anyio.hashes
    lines = (DEMO / "pdm.lock").read_text().splitlines()
    assert lines[anyio.location.line] == 'name = "anyio"'


def _write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "pdm.lock").write_text(text)
    return tmp_path / "pdm.lock"


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ('[metadata]\nlock_version = "9.0"\n', "unsupported pdm.lock lock_version '9.0'", 2),
        ('[[package]]\nname = "a"\nsummary = "x"\n', "has no `version`", 1),
        ('[[package]]\nname = "a"\nversion = "1"\ndependencies = ["b>=1"]\n', "depends on 'b', which is not in the lock", 1),
        ('[[package]]\nname = "a"\nversion = "1"\ndependencies = ["b>>1"]\n', "invalid dependency", 1),
        ('[[package]\nname = "a"\n', "invalid TOML", 1),
    ],
    ids=["lock-version", "version", "absent", "pep508", "toml"],
)
def test_bad_input(tmp_path: Path, text: str, message: str, line: int) -> None:
    with pytest.raises(SourceError) as info:
        load(_write(tmp_path, text), tmp_path)
    assert message in info.value.message and info.value.line == line
