"""Installed environments: a real venv, real wheels built here, installed by pip (no network),
so RECORD / INSTALLER / REQUESTED / direct_url.json are what pip writes."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from blastradius.errors import SourceError
from blastradius.graph import View, build_graph
from blastradius.sources import LoadOptions, detect, load_project
from blastradius.sources.environment import _direct_source, load, read_requires, site_packages_dirs, split_extra_marker


def build_wheel(dest: Path, name: str, version: str, requires: list[str] = (), extras: list[str] = (), files: dict[str, str] | None = None) -> Path:
    """A minimal valid pure-Python wheel (METADATA, WHEEL, RECORD)."""
    dist = f"{name.replace('-', '_')}-{version}"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    metadata += "".join(f"Provides-Extra: {e}\n" for e in extras)
    metadata += "".join(f"Requires-Dist: {r}\n" for r in requires)
    contents = dict(files or {})
    contents[f"{dist}.dist-info/METADATA"] = metadata
    contents[f"{dist}.dist-info/WHEEL"] = "Wheel-Version: 1.0\nGenerator: blastradius-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    record = []
    for path, text in contents.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(text.encode())}")
    record.append(f"{dist}.dist-info/RECORD,,")
    contents[f"{dist}.dist-info/RECORD"] = "\n".join(record) + "\n"
    wheel = dest / f"{dist}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, text in contents.items():
            archive.writestr(path, text)
    return wheel


def pip_install(venv: Path, *args: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env["PIP_CONFIG_FILE"] = os.devnull
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "--no-index", "--quiet", *args],
        check=True, capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A venv holding: alpha[socks] (requested) -> beta, gamma[fast] -> eta, delta (via socks);
    omega (requested, standalone); kappa (requested, installed from a wheel path: direct_url);
    a fake setuptools nothing requires. alpha's code and a .pth would leave a mark if run."""
    base = tmp_path_factory.mktemp("env")
    wheels = base / "wheels"
    wheels.mkdir()
    mark = base / "executed"
    build_wheel(
        wheels, "Alpha_Pkg", "1.0",
        requires=["beta>=1", "gamma[fast]", 'delta; extra == "socks"', 'epsilon; sys_platform == "win32"', 'zeta; extra == "never"'],
        extras=["socks", "never"],
        files={
            "alpha_pkg/__init__.py": f"open({str(mark)!r}, 'w').write('imported')\n",
            "alpha-hook.pth": f"import os; open({str(mark)!r}, 'w').write('pth ran')\n",
        },
    )  # fmt: skip
    build_wheel(wheels, "beta", "1.0")
    build_wheel(wheels, "gamma", "2.0", requires=['eta ; extra == "fast"'], extras=["fast"])
    build_wheel(wheels, "delta", "1.0")
    build_wheel(wheels, "eta", "1.0")
    build_wheel(wheels, "omega", "1.0")
    build_wheel(wheels, "setuptools", "99.0")
    kappa = build_wheel(wheels, "kappa", "1.0", requires=["beta"])
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    # setuptools first: once alpha's .pth is installed, any start of the venv's python runs it
    pip_install(venv, "--find-links", str(wheels), "--no-deps", "setuptools")
    pip_install(venv, "--find-links", str(wheels), "alpha-pkg[socks]", "omega", str(kappa))
    assert not mark.exists()
    # setuptools is installed on request too; strip its REQUESTED to make it venv furniture
    site = site_packages_dirs(venv)[0]
    (site / "setuptools-99.0.dist-info" / "REQUESTED").unlink()
    project_dir = base / "proj"
    project_dir.mkdir()
    return venv, project_dir, mark


def test_environment_packages_edges_and_roots(installed):
    venv, project_dir, mark = installed
    project = load(venv, project_dir, LoadOptions())
    assert project.input_kind == "environment"
    keys = sorted(k for k, p in project.packages.items() if not p.is_root)
    assert keys == ["alpha-pkg==1.0", "beta==1.0", "delta==1.0", "eta==1.0", "gamma==2.0", "kappa==1.0", "omega==1.0"]
    assert project.roots == ["proj@root"]
    edges = {(d.parent, d.child, d.via_extra, d.extras, d.marker) for d in project.dependencies}
    assert ("alpha-pkg==1.0", "beta==1.0", None, (), None) in edges
    assert ("alpha-pkg==1.0", "gamma==2.0", None, ("fast",), None) in edges
    assert ("alpha-pkg==1.0", "delta==1.0", "socks", (), None) in edges
    assert ("gamma==2.0", "eta==1.0", "fast", (), None) in edges
    # roots: the REQUESTED dists; alpha's socks extra is evidenced by delta being installed
    root_edges = {(d.child, d.extras) for d in project.dependencies if d.parent == "proj@root"}
    assert root_edges == {("alpha-pkg==1.0", ("socks",)), ("omega==1.0", ()), ("kappa==1.0", ())}
    # everything installed is in the runtime view, with real paths
    assert set(build_graph(project).packages) == set(keys)
    assert project.edges_complete
    notes = " | ".join(project.notes)
    assert "2 Requires-Dist entries skipped because the target is not installed (1 of them only behind an extra" in notes
    assert "left out venv seed packages nothing requires: setuptools 99.0" in notes
    assert "installed by: pip (7)" in notes
    assert "REQUESTED" in notes
    # locations point at the dist-info directory, without machine paths
    alpha = project.packages["alpha-pkg==1.0"]
    python = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    assert alpha.location.path == f"venv/lib/{python}/site-packages/Alpha_Pkg-1.0.dist-info"
    assert alpha.source == "registry"
    kappa = project.packages["kappa==1.0"]
    assert kappa.source == "path" and kappa.source_url == "file:kappa-1.0-py3-none-any.whl"
    assert kappa.hashes and kappa.hashes[0].startswith("sha256:")
    # nothing from the environment was imported or run
    assert not mark.exists()


def test_site_packages_directory_and_read_requires(installed):
    venv, project_dir, _ = installed
    site = site_packages_dirs(venv)[0]
    project = load(site, project_dir, LoadOptions())
    assert "alpha-pkg==1.0" in project.packages
    requires = read_requires(site)
    version, reqs = requires["alpha-pkg"]
    assert version == "1.0" and 'delta; extra == "socks"' in reqs
    assert requires["omega"] == ("1.0", [])


def test_declared_roots_from_the_project_pyproject(installed, tmp_path):
    venv, _, _ = installed
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "svc"\ndependencies = ["alpha-pkg", "missing-one"]\n'
        '[project.optional-dependencies]\nextra1 = ["omega"]\n[dependency-groups]\ndev = ["kappa"]\n'
    )
    project = load(venv, tmp_path, LoadOptions())
    root = "svc@root"
    assert project.roots == [root]
    root_edges = {(d.child, d.via_extra, d.group) for d in project.dependencies if d.parent == root}
    assert root_edges == {("alpha-pkg==1.0", None, None), ("omega==1.0", "extra1", None), ("kappa==1.0", None, "dev")}
    assert any(n == "declared but not installed: missing-one" for n in project.notes)
    # alpha was installed with [socks], which the pyproject does not ask for: delta is installed
    # but unreachable from the declared roots -- said, and still counted (edges not invented)
    assert not project.edges_complete
    assert any("not reachable from the roots" in n and "delta 1.0" in n for n in project.notes)
    everything = set(build_graph(project, View(all_groups=True)).packages)
    assert {"kappa==1.0", "omega==1.0", "delta==1.0", "alpha-pkg==1.0"} <= everything
    assert [r.name for r in project.requirements][:2] == ["alpha-pkg", "missing-one"]


def test_detection_finds_dot_venv(installed, tmp_path):
    venv, _, _ = installed
    os.symlink(venv, tmp_path / ".venv")
    detected = detect(tmp_path)
    assert detected.kind == "environment" and "pyvenv.cfg" in detected.reason
    project = load_project(tmp_path)
    assert "omega==1.0" in project.packages


def test_not_an_environment(tmp_path):
    (tmp_path / "somefile").write_text("x")
    with pytest.raises(SourceError, match="not an environment"):
        load(tmp_path, tmp_path)
    empty = tmp_path / "site-packages"
    empty.mkdir()
    with pytest.raises(SourceError, match="no installed distributions"):
        load(empty, tmp_path)


@pytest.mark.parametrize(
    ("direct_url", "expected"),
    [
        ({"url": "https://git.example/o/r.git", "vcs_info": {"vcs": "git", "commit_id": "abc123", "requested_revision": "v1"}},
         ("git", "https://git.example/o/r.git@abc123", ())),
        ({"url": "https://tok@files.index.example/p-1.0.tar.gz", "archive_info": {"hashes": {"sha256": "ff"}}},
         ("url", "https://***@files.index.example/p-1.0.tar.gz", ("sha256:ff",))),
        ({"url": "file:///somewhere/else/corelib", "dir_info": {"editable": True}}, ("editable", "file:corelib", ())),
        ({"url": "file:///somewhere/else/corelib", "dir_info": {}}, ("directory", "file:corelib", ())),
        (None, ("registry", None, ())),
    ],
)
def test_direct_url_json_source_kinds(direct_url, expected, tmp_path):
    assert _direct_source(direct_url, tmp_path) == expected


def test_direct_url_inside_the_project_is_relative(tmp_path):
    (tmp_path / "packages" / "corelib").mkdir(parents=True)
    url = (tmp_path / "packages" / "corelib").as_uri()
    assert _direct_source({"url": url, "dir_info": {"editable": True}}, tmp_path) == ("editable", "packages/corelib", ())


@pytest.mark.parametrize(
    ("marker", "expected"),
    [
        (None, [(None, None)]),
        ('extra == "socks"', [("socks", None)]),
        ('python_version < "3.11" and extra == "Socks_Proxy"', [("socks-proxy", 'python_version < "3.11"')]),
        ("(platform_python_implementation == 'CPython') and extra == 'brotli'", [("brotli", 'platform_python_implementation == "CPython"')]),
        ('python_version >= "3.8" and extra == "a" or python_version >= "3.8" and extra == "b"', [("a", 'python_version >= "3.8"'), ("b", 'python_version >= "3.8"')]),
        ('python_version > "3" and (extra == "a" or extra == "b")', [("a", 'python_version > "3"'), ("b", 'python_version > "3"')]),
        ('extra == "a" or python_version < "3.9"', [(None, 'python_version < "3.9"'), ("a", None)]),
        ('sys_platform == "win32"', [(None, 'sys_platform == "win32"')]),
    ],
)
def test_split_extra_marker(marker, expected):
    assert split_extra_marker(marker) == expected
