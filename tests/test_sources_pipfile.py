"""Pipfile.lock reader: flat sets, root edges from the Pipfile, edges from an installed env."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from blastradius.errors import SourceError
from blastradius.sources import LoadOptions
from blastradius.sources.pipfile_lock import load

REPO = Path(__file__).resolve().parent.parent
BOT = REPO / "fixtures" / "corpus" / "joemama155__chatGPT-discord-bot"
SMALL = REPO / "fixtures" / "sources" / "pipfile-small"


def test_corpus_lock_sections_and_pipfile_roots() -> None:
    project = load(BOT / "Pipfile.lock", BOT)
    data = json.loads((BOT / "Pipfile.lock").read_text())
    assert len(project.packages) == len(data["default"]) + len(data["develop"]) + 1  # + root
    watchdog = next(p for p in project.packages.values() if p.name == "watchdog")
    assert watchdog.declared_groups == ("dev",)
    assert next(p for p in project.packages.values() if p.name == "openai").declared_groups == ("main",)
    root = project.roots[0]
    direct = {(project.packages[d.child].name, d.group) for d in project.dependencies}
    assert all(d.parent == root for d in project.dependencies)
    assert direct == {("openai", None), ("asgiref", None), ("redis", None), ("pydantic", None), ("py-cord", None), ("watchdog", "dev")}
    assert project.edges_complete is False
    assert any("edges unknown" in n for n in project.notes)
    openai = next(r for r in project.requirements if r.name == "openai")
    assert openai.specifier == "==0.25.0" and str(openai.location) == "Pipfile:7"
    lines = (BOT / "Pipfile.lock").read_text().splitlines()
    aiohttp = next(p for p in project.packages.values() if p.name == "aiohttp")
    assert lines[aiohttp.location.line - 1].strip() == '"aiohttp": {'
    assert aiohttp.hashes and all(h.startswith("sha256:") for h in aiohttp.hashes)


def test_unresolved_entry_kept_and_noted() -> None:
    project = load(SMALL / "Pipfile.lock", SMALL)
    colorama = next(p for p in project.packages.values() if p.name == "colorama")
    assert colorama.version is None and colorama.marker == "sys_platform == 'win32'"
    assert any("unresolved" in n and "colorama" in n for n in project.notes)
    httpx = project.packages["httpx==0.28.1"]
    assert httpx.extras == ("socks",) and httpx.source_url == "https://index.example/simple"
    root_edges = {project.packages[d.child].name: d for d in project.dependencies}
    assert root_edges["httpx"].extras == ("socks",)
    assert root_edges["colorama"].marker == "sys_platform == 'win32'"
    assert root_edges["iniconfig"].group == "dev"


def _dist(site: Path, name: str, version: str, requires: list[str]) -> None:
    info = site / f"{name}-{version}.dist-info"
    info.mkdir(parents=True)
    body = "".join(f"Requires-Dist: {r}\n" for r in requires)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n{body}")
    (info / "RECORD").write_text("")


def _venv(tmp_path: Path) -> Path:
    env = tmp_path / "venv"
    site = env / "lib" / "python3.11" / "site-packages"
    site.mkdir(parents=True)
    (env / "pyvenv.cfg").write_text("home = /usr/bin\n")
    _dist(site, "httpx", "0.28.1", ["anyio", "idna", "socksio==1.*; extra == 'socks'", "brotli; extra == 'brotli'"])
    _dist(site, "anyio", "4.12.1", ["idna>=2.8", "exceptiongroup>=1.0.2; python_version < '3.11'"])
    _dist(site, "idna", "3.10", [])
    _dist(site, "socksio", "1.0.0", [])
    _dist(site, "iniconfig", "2.1.0", [])
    # a module that would run on import: it must never be imported
    (site / "boom.pth").write_text("import sys; sys.exit('imported!')\n")
    return env


def test_edges_from_installed_environment(tmp_path: Path) -> None:
    env = _venv(tmp_path)
    project = load(SMALL / "Pipfile.lock", SMALL, LoadOptions(env_path=env))
    edges = {(d.parent, d.child, d.via_extra, d.marker) for d in project.dependencies}
    assert ("httpx==0.28.1", "socksio==1.0.0", "socks", None) in edges
    assert ("httpx==0.28.1", "anyio==4.12.1", None, None) in edges
    assert ("anyio==4.12.1", "idna==3.10", None, None) in edges
    # colorama is locked but not installed here: its edges are unknown, and said so
    assert project.edges_complete is False
    assert any("not installed" in n and "colorama" in n for n in project.notes)


def test_complete_environment_means_complete_edges(tmp_path: Path) -> None:
    env = _venv(tmp_path)
    _dist(env / "lib" / "python3.11" / "site-packages", "colorama", "0.4.6", [])
    project = load(SMALL / "Pipfile.lock", SMALL, LoadOptions(env_path=env))
    assert project.edges_complete is True
    assert any("Requires-Dist" in n for n in project.notes)


def test_no_pipfile(tmp_path: Path) -> None:
    shutil.copy(SMALL / "Pipfile.lock", tmp_path / "Pipfile.lock")
    project = load(tmp_path / "Pipfile.lock", tmp_path)
    assert not project.dependencies and project.edges_complete is False
    assert any("no Pipfile" in n for n in project.notes)


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ('{\n  "default": {\n    "a": {"version": "==1",}\n  }\n}\n', "invalid JSON", 3),
        ('{\n  "default": {\n    "a": {\n      "hashes": []\n    }\n  }\n}\n', "has no `version`", 3),
        ('{"_meta": {"pipfile-spec": 7}, "default": {}}', "unsupported pipfile-spec", None),
        ('[1, 2]', "expected a JSON object", 1),
    ],
    ids=["json", "version", "spec", "not-object"],
)
def test_bad_input(tmp_path: Path, text: str, message: str, line: int | None) -> None:
    (tmp_path / "Pipfile.lock").write_text(text)
    with pytest.raises(SourceError) as info:
        load(tmp_path / "Pipfile.lock", tmp_path)
    assert message in info.value.message and info.value.line == line
