"""poetry.lock reader against real locks (corpus projects and Poetry 2.5.1 / 1.8.5 output)."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest
from lock_walk import LINUX_CP311, closure

from blastradius.errors import SourceError
from blastradius.model import normalise_name
from blastradius.sources import LoadOptions, load_project
from blastradius.sources._lock_common import poetry_specifier, split_extra_marker, strip_extra_marker
from blastradius.sources._pyproject_roots import read_roots
from blastradius.sources.poetry_lock import load

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "fixtures" / "corpus"
SOURCES = REPO / "fixtures" / "sources"


def _load(directory: Path):
    return load(directory / "poetry.lock", directory)


def _lock_main(directory: Path, include_optional: bool = False) -> set[str]:
    """What Poetry 2.1 itself records as the main group: ``groups`` holds "main"."""
    raw = tomllib.loads((directory / "poetry.lock").read_text())["package"]
    return {
        f"{normalise_name(e['name'])} {e['version']}"
        for e in raw
        if "main" in e.get("groups", []) and (include_optional or not e.get("optional"))
    }


@pytest.mark.parametrize(
    "directory",
    [
        CORPUS / "Nayjest__lm-proxy",
        CORPUS / "andrewyng__aisuite" / "cli" / "py" / "aisuite-code-cli",
        SOURCES / "poetry-2.1",
        REPO / "fixtures" / "litellm-proxy" / "poetry",
        REPO / "fixtures" / "anthropic-proxy" / "poetry",
    ],
    ids=["lm-proxy", "aisuite-code-cli", "demo-2.1", "litellm-proxy", "anthropic-proxy"],
)
def test_runtime_closure_equals_poetry_main_group(directory: Path) -> None:
    project = _load(directory)
    assert closure(project) == _lock_main(directory)
    root = project.packages[project.roots[0]]
    assert closure(project, root_extras=root.extras) == _lock_main(directory, include_optional=True)


def test_aisuite_matches_what_poetry_installs() -> None:
    # aisuite lists anthropic & co. as optional in main *and* plain in dev, so the lock's own
    # `groups` cannot tell; the expected sets are Poetry 2.5.1's own dry-run install lists.
    directory = CORPUS / "andrewyng__aisuite"
    project = _load(directory)
    expected = SOURCES / "expected"
    main = {l for l in (expected / "aisuite.poetry-main.linux-cp311.txt").read_text().splitlines() if l}
    all_extras = {l for l in (expected / "aisuite.poetry-main-all-extras.linux-cp311.txt").read_text().splitlines() if l}
    assert len(main) == 13 and len(all_extras) == 100
    root = project.packages[project.roots[0]]
    assert closure(project, LINUX_CP311) == main
    assert closure(project, LINUX_CP311, root_extras=root.extras) == all_extras
    # dev group edges exist on the root only, labelled with their group
    dev = [d for d in project.dependencies if d.group == "dev"]
    assert dev and all(d.parent == root.key for d in dev)
    assert "test" in {d.group for d in project.dependencies}


def test_lm_proxy_structure() -> None:
    project = _load(CORPUS / "Nayjest__lm-proxy")
    assert project.roots == ["lm-proxy==3.2.3"]
    root = project.packages["lm-proxy==3.2.3"]
    assert root.location is not None and root.location.path == "pyproject.toml"
    assert set(root.extras) == {"all", "anthropic", "google", "test"}
    # extras are via_extra edges from the root, never runtime edges
    to_anthropic = [d for d in project.dependencies if d.parent == root.key and d.child.startswith("anthropic==")]
    assert {d.via_extra for d in to_anthropic} == {"anthropic", "all"}
    anthropic = next(p for p in project.packages.values() if p.name == "anthropic")
    assert anthropic.marker is None  # `extra == "anthropic" or extra == "all"` is structure, not a marker
    assert anthropic.declared_groups == ("main",)
    assert all(h.startswith("sha256:") for h in anthropic.hashes) and len(anthropic.hashes) == 2
    # Poetry writes names as declared (Jinja2, PyYAML): edges land on normalised nodes
    micro = next(p for p in project.packages.values() if p.name == "ai-microcore")
    children = {project.packages[d.child].name for d in project.dependencies if d.parent == micro.key}
    assert {"jinja2", "pyyaml", "docstring-parser"} <= children
    # locations are the lines of the [[package]] headers
    text = (CORPUS / "Nayjest__lm-proxy" / "poetry.lock").read_text().splitlines()
    assert text[micro.location.line - 1] == "[[package]]"
    assert text[micro.location.line] == 'name = "ai-microcore"'
    req = next(r for r in project.requirements if r.name == "fastapi")
    assert req.specifier == "<1,>=0.136.3" and req.location.line == 39
    assert "pyproject.toml" in project.files_read
    assert project.edges_complete


def test_demo_universal_lock_picks_entries_by_constraint_and_marker() -> None:
    project = _load(SOURCES / "poetry-2.1")
    keys = set(project.packages)
    assert {"httpx==0.28.1", "httpx==0.29.0", "idna==3.6", "idna==3.20", "anyio==4.12.1", "anyio==4.16.0"} <= keys
    edges = {(d.parent, d.child) for d in project.dependencies}
    # anyio for 3.9 reaches only the 3.9 idna; the >=3.10 anyio only the >=3.10 one
    assert ("anyio==4.12.1", "idna==3.6") in edges and ("anyio==4.12.1", "idna==3.20") not in edges
    assert ("anyio==4.16.0", "idna==3.20") in edges and ("anyio==4.16.0", "idna==3.6") not in edges
    root = project.roots[0]
    assert {(root, "httpx==0.28.1"), (root, "httpx==0.29.0")} <= edges
    # root `idna<3.7; python_version < '3.10'` resolves by constraint to 3.6 only
    assert (root, "idna==3.6") in edges and (root, "idna==3.20") in edges
    socks = [d for d in project.dependencies if d.child == "socksio==1.0.0"]
    assert {(d.parent, d.via_extra, d.marker) for d in socks} == {
        ("httpx==0.28.1", "socks", None),
        ("httpx==0.29.0", "socks", None),
    }
    root_socks = [d for d in project.dependencies if d.parent == root and d.via_extra == "socks"]
    assert {d.extras for d in root_socks} == {("socks",)}
    corelib = project.packages["corelib==0.2.0"]
    assert corelib.source == "editable" and corelib.source_url == "packages/corelib"
    assert {d.group for d in project.dependencies if d.parent == root} == {None, "dev", "lint"}
    assert project.packages["iniconfig==2.3.1"].declared_groups == ("dev",)
    assert closure(project, groups=("dev", "lint")) >= {"iniconfig 2.1.0", "pyflakes 4.0.3"}


def test_lock_versions_2_0_and_1_1_read_the_same() -> None:
    new = _load(SOURCES / "poetry-2.0")
    old = _load(SOURCES / "poetry-1.1")
    assert set(new.packages) == set(old.packages)
    assert sorted(map(repr, new.dependencies)) == sorted(map(repr, old.dependencies))
    for key, package in new.packages.items():
        assert old.packages[key].hashes == package.hashes  # 1.1: from [metadata.files]
    assert any(p.hashes for p in old.packages.values())
    assert old.packages["iniconfig==2.1.0"].declared_groups == ("dev",)  # 1.1 `category`
    assert old.packages["anyio==4.12.1"].declared_groups == ("main",)
    # Poetry 1 manifest: list-of-tables idna constraint, legacy [tool.poetry.extras]
    root = new.roots[0]
    idna = {d.child: d.marker for d in new.dependencies if d.parent == root and d.child.startswith("idna")}
    assert set(idna) == {p for p in new.packages if p.startswith("idna==")}
    assert all(m and "python_version" in m for m in idna.values())
    socks = [d for d in new.dependencies if d.parent == root and d.child.startswith("socksio")]
    assert [d.via_extra for d in socks] == ["socks"]
    assert closure(new) == closure(old)
    assert "socksio 1.0.0" not in closure(new)


def test_empty_lock_and_detection(tmp_path: Path) -> None:
    project = _load(CORPUS / "BerriAI__litellm" / "enterprise")
    assert project.roots == ["litellm-enterprise==0.1.35"] and len(project.packages) == 1
    shutil.copytree(SOURCES / "poetry-2.1", tmp_path / "p")
    loaded = load_project(tmp_path / "p", options=LoadOptions())
    assert loaded.input_kind == "poetry.lock" and loaded.roots == ["demo-proxy==0.1.0"]


def test_without_pyproject_roots_are_inferred_and_said(tmp_path: Path) -> None:
    shutil.copy(SOURCES / "poetry-2.1" / "poetry.lock", tmp_path / "poetry.lock")
    project = load(tmp_path / "poetry.lock", tmp_path)
    root = project.roots[0]
    assert any("no pyproject.toml" in n for n in project.notes)
    direct = {d.child: d.group for d in project.dependencies if d.parent == root}
    assert direct["corelib==0.2.0"] is None and direct["pyflakes==4.0.3"] == "lint"
    assert "sniffio==1.3.1" not in direct  # corelib depends on it


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "poetry.lock"
    path.write_text(text)
    return path


GOOD_HEAD = '[[package]]\nname = "a"\nversion = "1.0"\noptional = false\npython-versions = "*"\nfiles = []\n'


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ('[[package]]\nname = "a"\nversion = \n', "invalid TOML", 3),
        ('[[package]]\nname = "a"\noptional = false\n', "has no `version`", 1),
        (GOOD_HEAD + '\n[package.dependencies]\nmissing-pkg = ">=1"\n\n[metadata]\nlock-version = "2.0"\n',
         "depends on 'missing-pkg', which is not in the lock", 1),
        (GOOD_HEAD + '\n[metadata]\nlock-version = "3.0"\n', "unsupported poetry.lock lock-version '3.0'", 9),
    ],
    ids=["toml", "version", "absent-dependency", "lock-version"],
)
def test_bad_input_is_one_error_with_line(tmp_path: Path, text: str, message: str, line: int) -> None:
    with pytest.raises(SourceError) as info:
        load(_write(tmp_path, text), tmp_path)
    assert message in info.value.message
    assert info.value.path == "poetry.lock" and info.value.line == line


def test_dependency_never_needed_on_locked_pythons_is_skipped(tmp_path: Path) -> None:
    text = (
        GOOD_HEAD
        + '\n[package.dependencies]\nimportlib-metadata = {version = "*", markers = "python_version < \\"3.8\\""}\n'
        + '\n[metadata]\nlock-version = "2.1"\npython-versions = ">=3.10"\n'
    )
    project = load(_write(tmp_path, text), tmp_path)
    assert not [d for d in project.dependencies if d.parent == "a==1.0"]
    assert any("not locked" in n and "importlib-metadata" in n for n in project.notes)


def test_sources_git_url_legacy_file(tmp_path: Path) -> None:
    text = "".join(
        f'[[package]]\nname = "{name}"\nversion = "1.0"\nfiles = []\n\n[package.source]\n{body}\n\n'
        for name, body in [
            ("g", 'type = "git"\nurl = "https://user:tok@git.example/o/g.git"\nreference = "main"\nresolved_reference = "abc123"'),
            ("u", 'type = "url"\nurl = "https://index.example/u-1.0.tar.gz"'),
            ("l", 'type = "legacy"\nurl = "https://private.index.example/simple"\nreference = "private"'),
            ("f", 'type = "file"\nurl = "dist/f-1.0-py3-none-any.whl"'),
        ]
    ) + '[metadata]\nlock-version = "2.0"\n'
    project = load(_write(tmp_path, text), tmp_path)
    got = {p.name: (p.source, p.source_url) for p in project.packages.values() if not p.is_root}
    assert got == {
        "g": ("git", "https://***@git.example/o/g.git@abc123"),
        "u": ("url", "https://index.example/u-1.0.tar.gz"),
        "l": ("registry", "https://private.index.example/simple"),
        "f": ("path", "dist/f-1.0-py3-none-any.whl"),
    }


@pytest.mark.parametrize(
    ("constraint", "admits", "rejects"),
    [
        ("^1.2.3", ["1.2.3", "1.9"], ["2.0", "1.2.2"]),
        ("^0.2.3", ["0.2.9"], ["0.3.0"]),
        ("~1.2", ["1.2.9"], ["1.3"]),
        ("1.2.*", ["1.2.7"], ["1.3"]),
        (">=1.0 <2.0", ["1.5"], ["2.0"]),
        (">=3 || <1", ["3.1", "0.5"], ["2.0"]),
        ("1.4", ["1.4"], ["1.4.1"]),
    ],
)
def test_poetry_constraints(constraint: str, admits: list[str], rejects: list[str]) -> None:
    from blastradius.sources._lock_common import version_admits

    branches = poetry_specifier(constraint)
    assert branches
    assert all(version_admits(branches, v) for v in admits)
    assert not any(version_admits(branches, v) for v in rejects)


def test_extra_markers_become_structure() -> None:
    assert split_extra_marker('extra == "socks"') == (False, (("socks", None),))
    base, per_extra = split_extra_marker('python_version >= "3.10" and (extra == "A_b" or extra == "c")')
    assert base is False and per_extra == (("a-b", 'python_version >= "3.10"'), ("c", 'python_version >= "3.10"'))
    assert split_extra_marker('sys_platform == "win32"') == ('sys_platform == "win32"', ())
    assert strip_extra_marker('extra == "anthropic" or extra == "all"') is None
    assert strip_extra_marker('platform_system == "Windows" and extra == "x"') == 'platform_system == "Windows"'


def test_read_roots_dialects(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "Demo_App"\nversion = "1"\ndependencies = ["httpx>=0.27"]\n'
        '[project.optional-dependencies]\nSocks = ["httpx[socks]"]\n'
        '[dependency-groups]\nlint = ["ruff"]\ndev = ["pytest", {include-group = "lint"}]\n'
        '[tool.poetry.group.docs.dependencies]\nmkdocs = "^1.5"\n'
        '[tool.pdm.dev-dependencies]\ntest = ["-e file:///${PROJECT_ROOT}/libs/core#egg=core", "hypothesis"]\n'
    )
    roots = read_roots(tmp_path / "pyproject.toml", tmp_path)
    assert (roots.name, roots.version, roots.dynamic_dependencies) == ("demo-app", "1", False)
    assert [r.name for r in roots.requirements] == ["httpx"]
    assert roots.requirements[0].location.line == 4
    assert [(r.name, r.extras) for r in roots.extras["socks"]] == [("httpx", ("socks",))]
    assert [r.name for r in roots.groups["dev"]] == ["pytest", "ruff"]
    assert {r.group for r in roots.groups["dev"]} == {"dev"}
    assert [(r.name, r.specifier) for r in roots.groups["docs"]] == [("mkdocs", ">=1.5,<2")]
    assert [r.name for r in roots.groups["test"]] == ["core", "hypothesis"]
    flat = roots.all_requirements()
    assert any(r.marker == 'extra == "socks"' for r in flat)
    (tmp_path / "pyproject.toml").write_text('[dependency-groups]\na = [{include-group = "b"}]\nb = [{include-group = "a"}]\n')
    with pytest.raises(SourceError, match="cycle"):
        read_roots(tmp_path / "pyproject.toml", tmp_path)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\ndynamic = ["dependencies"]\n')
    assert read_roots(tmp_path / "pyproject.toml", tmp_path).dynamic_dependencies


def test_gateway_fixtures_match_their_measured_counts() -> None:
    import json

    # FIXTURE.md: the Poetry lock holds the same (name, version) pairs as uv.lock, so the
    # universal runtime count uv measured applies to it too.
    litellm = _load(REPO / "fixtures" / "litellm-proxy" / "poetry")
    expected = json.loads((REPO / "fixtures" / "litellm-proxy" / "expected.json").read_text())
    assert len(closure(litellm)) == expected["runtime_universal"] == 129
    assert len(closure(litellm, groups=("dev",))) == expected["all_groups_universal"]
    anthropic = _load(REPO / "fixtures" / "anthropic-proxy" / "poetry")
    expected = json.loads((REPO / "fixtures" / "anthropic-proxy" / "expected.json").read_text())
    assert len({p.split()[0] for p in closure(anthropic)}) == expected["runtime_universal_names"]
