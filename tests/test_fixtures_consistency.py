"""Guards for the real-resolution fixtures under fixtures/<name>/.

These tests do not exercise blastradius' parsers (those have their own tests); they check that
the committed fixture files agree with each other and with the counts in expected.json, using
small independent readers written here (tomllib + regex), so that a broken or hand-edited fixture
is caught before it makes a parser test pass or fail for the wrong reason.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

from packaging.markers import Marker

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
NAMES = ("litellm-proxy", "anthropic-proxy")
_NORM = re.compile(r"[-_.]+")
# A concrete target matching expected.json's "runtime_linux_py312".
LINUX_PY312 = {
    "implementation_name": "cpython",
    "implementation_version": "3.12.8",
    "os_name": "posix",
    "platform_machine": "x86_64",
    "platform_python_implementation": "CPython",
    "platform_release": "",
    "platform_system": "Linux",
    "platform_version": "",
    "python_full_version": "3.12.8",
    "python_version": "3.12",
    "sys_platform": "linux",
    "extra": "",
}

Pair = tuple[str, str]


def norm(name: str) -> str:
    return _NORM.sub("-", name).lower()


def load_toml(path: Path) -> dict:
    with path.open("rb") as fh:
        return tomllib.load(fh)


def expected(name: str) -> dict:
    return json.loads((FIXTURES / name / "expected.json").read_text(encoding="utf-8"))


def uv_closure(lock: dict, groups: bool) -> set[Pair]:
    """(name, version) reachable from the root of a uv.lock, without evaluating markers
    (= the universal closure). Dev groups are followed only when ``groups`` is true."""
    by_name: dict[str, list[dict]] = {}
    for pkg in lock["package"]:
        by_name.setdefault(norm(pkg["name"]), []).append(pkg)
    roots = [p for p in lock["package"]
             if set(p.get("source", {})) & {"virtual", "editable"} and
             p["source"].get("virtual", p["source"].get("editable")) == "."]
    assert len(roots) == 1, "uv.lock must have exactly one root project"

    def targets(dep: dict) -> list[dict]:
        cands = by_name[norm(dep["name"])]
        if "version" in dep:
            cands = [c for c in cands if c.get("version") == dep["version"]]
        assert cands, f"dangling uv.lock edge to {dep}"
        return cands

    seen: set[tuple[str, str, str]] = set()  # (name, version, extra)
    out: set[Pair] = set()
    stack: list[tuple[dict, str]] = []
    root = roots[0]
    edges = list(root.get("dependencies", []))
    if groups:
        for deps in root.get("dev-dependencies", {}).values():
            edges += deps
    for dep in edges:
        for tgt in targets(dep):
            stack.append((tgt, ""))
            stack += [(tgt, e) for e in dep.get("extra", [])]
    while stack:
        pkg, extra = stack.pop()
        key = (norm(pkg["name"]), pkg["version"], extra)
        if key in seen:
            continue
        seen.add(key)
        out.add((key[0], key[1]))
        deps = pkg.get("optional-dependencies", {}).get(extra, []) if extra else pkg.get(
            "dependencies", [])
        for dep in deps:
            for tgt in targets(dep):
                stack.append((tgt, ""))
                stack += [(tgt, e) for e in dep.get("extra", [])]
    return out


_REQ_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)\s*(?:;\s*([^\\]*?))?\s*\\?$")


def requirements_pins(path: Path) -> list[tuple[str, str, str | None]]:
    pins = []
    for line in path.read_text(encoding="utf-8").splitlines():
        m = _REQ_PIN.match(line)
        if m:
            pins.append((norm(m.group(1)), m.group(2), m.group(3) or None))
    return pins


def hashes_per_pin(path: Path) -> dict[Pair, int]:
    counts: dict[Pair, int] = {}
    current: Pair | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        m = _REQ_PIN.match(line)
        if m:
            current = (norm(m.group(1)), m.group(2))
            counts[current] = 0
        elif line.strip().startswith("--hash=sha256:") and current:
            assert re.fullmatch(r"--hash=sha256:[0-9a-f]{64}( \\)?", line.strip()), line
            counts[current] += 1
    return counts


def pylock_pairs(path: Path) -> set[Pair]:
    data = load_toml(path)
    assert data["lock-version"] == "1.0"
    return {(norm(p["name"]), p["version"]) for p in data["packages"]}


@pytest.fixture(params=NAMES)
def fixture_dir(request) -> Path:
    return FIXTURES / request.param


def test_uv_lock_runtime_closure_matches_requirements_and_pylock(fixture_dir: Path) -> None:
    runtime = uv_closure(load_toml(fixture_dir / "uv.lock"), groups=False)
    root_name = norm(load_toml(fixture_dir / "pyproject.toml")["project"]["name"])
    runtime = {p for p in runtime if p[0] != root_name}
    req = {(n, v) for n, v, _ in requirements_pins(fixture_dir / "requirements.txt")}
    assert req == runtime
    assert pylock_pairs(fixture_dir / "pylock.toml") == runtime


def test_requirements_txt_is_pip_compile_style(fixture_dir: Path) -> None:
    text = (fixture_dir / "requirements.txt").read_text(encoding="utf-8")
    assert "    # via" in text
    hashes = hashes_per_pin(fixture_dir / "requirements.txt")
    assert hashes and all(n >= 1 for n in hashes.values()), "every pin needs --hash lines"


def test_expected_counts_match_the_files(fixture_dir: Path) -> None:
    exp = expected(fixture_dir.name)
    lock = load_toml(fixture_dir / "uv.lock")
    root_name = norm(load_toml(fixture_dir / "pyproject.toml")["project"]["name"])
    runtime = {p for p in uv_closure(lock, groups=False) if p[0] != root_name}
    everything = {p for p in uv_closure(lock, groups=True) if p[0] != root_name}
    assert len(runtime) == exp["runtime_universal"]
    assert len({n for n, _ in runtime}) == exp["runtime_universal_names"]
    assert len(everything) == exp["all_groups_universal"]
    assert runtime < everything  # the dev group adds something
    # The concrete target, evaluated here with packaging on requirements.txt's own markers.
    linux = {(n, v) for n, v, marker in requirements_pins(fixture_dir / "requirements.txt")
             if marker is None or Marker(marker).evaluate(LINUX_PY312)}
    assert len(linux) == exp["runtime_linux_py312"]
    assert len({n for n, _ in linux}) == len(linux), "one version per name on one target"
    assert set(exp["commands"]) >= {"runtime_universal", "runtime_linux_py312",
                                    "all_groups_universal"}


def test_poetry_lock_agrees_on_names(fixture_dir: Path) -> None:
    """Poetry resolves on its own (it may fork less than uv), so compare names, not versions:
    the runtime names must be the same and every locked pair must exist in uv.lock."""
    poetry_dir = fixture_dir / "poetry"
    lock = load_toml(poetry_dir / "poetry.lock")
    pyproject = load_toml(poetry_dir / "pyproject.toml")
    assert pyproject["project"]["dependencies"] == load_toml(
        fixture_dir / "pyproject.toml")["project"]["dependencies"]
    uv = load_toml(fixture_dir / "uv.lock")
    root_name = norm(pyproject["project"]["name"])
    uv_runtime = {n for n, _ in uv_closure(uv, groups=False)} - {root_name}
    uv_all = uv_closure(uv, groups=True)
    poetry_pairs = {(norm(p["name"]), p["version"]) for p in lock["package"]}
    poetry_main = {norm(p["name"]) for p in lock["package"] if "main" in p.get("groups", [])}
    assert poetry_main == uv_runtime
    assert poetry_pairs <= uv_all


def test_pdm_lock_is_a_real_pdm_lock() -> None:
    d = FIXTURES / "litellm-proxy" / "pdm"
    lock = load_toml(d / "pdm.lock")
    assert lock["metadata"]["groups"] == ["default", "dev"]
    assert lock["metadata"]["content_hash"].startswith("sha256:")
    uv_all = {n for n, _ in uv_closure(load_toml(d.parent / "uv.lock"), groups=True)}
    pdm_names = {norm(p["name"]) for p in lock["package"]}
    assert pdm_names <= uv_all
    assert ("litellm", "1.82.6") in {(norm(p["name"]), p["version"]) for p in lock["package"]}


_HOST = re.compile(r"pypi\.org|pythonhosted\.org", re.I)
_ABS = re.compile(r"(?<![\w.])(?:/(?:tmp|work|root|home|Users|opt|private)/|file:/|[A-Za-z]:\\)")
_URL_HOST = re.compile(r"https?://([^/\s\"']+)")


def _fixture_files() -> list[Path]:
    files = [FIXTURES / "README.md"]
    for name in NAMES:
        files += sorted(p for p in (FIXTURES / name).rglob("*") if p.is_file())
    return files


def test_no_registry_host_or_absolute_path_in_fixture_files() -> None:
    bad = []
    for path in _fixture_files():
        text = path.read_text(encoding="utf-8")
        for i, line in enumerate(text.splitlines(), 1):
            if _HOST.search(line) or _ABS.search(line):
                bad.append(f"{path.relative_to(FIXTURES)}:{i}")
    assert not bad, bad


def test_lock_urls_use_the_placeholder_host() -> None:
    hosts: set[str] = set()
    for name in NAMES:
        for fname in ("uv.lock", "pylock.toml"):
            hosts |= set(_URL_HOST.findall((FIXTURES / name / fname).read_text(encoding="utf-8")))
    assert hosts == {"index.example"}


def test_configs_hold_references_not_values() -> None:
    """The gateway config must name every secret through os.environ/ and the example env files
    must carry placeholders only, so a credential scan of the fixture has nothing real to find."""
    import yaml

    cfg = yaml.safe_load((FIXTURES / "litellm-proxy" / "config.yaml").read_text(encoding="utf-8"))
    providers = {m["litellm_params"]["model"].split("/")[0] for m in cfg["model_list"]}
    assert providers == {"openai", "anthropic", "azure", "bedrock", "vertex_ai"}
    assert cfg["general_settings"]["master_key"] == "os.environ/LITELLM_MASTER_KEY"
    assert cfg["general_settings"]["database_url"] == "os.environ/DATABASE_URL"
    assert cfg["litellm_settings"]["success_callback"] == ["langfuse"]
    for model in cfg["model_list"]:
        for key, value in model["litellm_params"].items():
            if "key" in key or "secret" in key or "credentials" in key:
                assert str(value).startswith("os.environ/"), (model["model_name"], key)
    for name in NAMES:
        for line in (FIXTURES / name / ".env.example").read_text(encoding="utf-8").splitlines():
            if "=" in line and not line.startswith("#"):
                key, _, value = line.partition("=")
                if any(w in key for w in ("KEY", "SECRET", "PASSWORD")):
                    assert value == "" or "your" in value, key


# --- network: re-measure with the lock's own tool ------------------------------------------------

def _pairs(text: str) -> set[str]:
    out = set()
    for line in text.splitlines():
        line = line.strip()
        if line and line[0] not in "#-":
            out.add(re.sub(r"\s*;.*", "", line))
    return out


# uv would otherwise try to download a CPython for --python-version; resolution needs none.
_UV_ENV = {**os.environ, "UV_PYTHON_DOWNLOADS": "never"}


def _index_reachable(uv: str, tmp: Path) -> bool:
    (tmp / "probe.in").write_text("iniconfig\n", encoding="utf-8")
    proc = subprocess.run([uv, "pip", "compile", "probe.in", "--no-deps", "--quiet"], cwd=tmp,
                          capture_output=True, text=True, timeout=120, env=_UV_ENV)
    return proc.returncode == 0


@pytest.mark.network
@pytest.mark.parametrize("name", NAMES)
def test_counts_reproduce_with_uv(name: str, tmp_path: Path) -> None:
    uv = shutil.which("uv")
    if not uv:
        pytest.skip("uv is not on PATH")
    work = tmp_path / name
    work.mkdir()
    shutil.copy(FIXTURES / name / "uv.lock", work)
    shutil.copy(FIXTURES / name / "pyproject.toml", work)
    exp = expected(name)
    for key in ("runtime_universal", "all_groups_universal", "runtime_linux_py312"):
        if key == "runtime_linux_py312" and not _index_reachable(uv, tmp_path):
            pytest.skip("package index not reachable through the uv configuration")
        cmd = exp["commands"][key].replace("uv ", f'"{uv}" ')
        proc = subprocess.run(cmd, shell=True, cwd=work, capture_output=True, text=True,
                              timeout=300, env=_UV_ENV)
        assert proc.returncode == 0, proc.stderr
        assert len(_pairs(proc.stdout)) == exp[key], key


# --- the SDK-closure snapshot (src/blastradius/data/sdk_closures.json) ---------------------------

DATA = Path(__file__).resolve().parent.parent / "src" / "blastradius" / "data"
SNAPSHOT_SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "snapshot_sdk_closures.py"


def _check_closure(entry: dict) -> None:
    assert entry["sdk"] == sorted(entry["sdk"]) and entry["sdk"]
    assert entry["count"] == len(entry["packages"])
    assert list(entry["packages"]) == sorted(entry["packages"])
    for name in entry["sdk"]:
        assert name in entry["packages"], f"SDK {name} missing from its own closure"
    for name, versions in entry.get("alternatives", {}).items():
        assert len(versions) > 1 and entry["packages"][name] in versions
    assert all(norm(n) == n for n in entry["packages"])


def test_sdk_closures_cover_the_catalog_and_are_well_formed() -> None:
    raw = (DATA / "sdk_closures.json").read_text(encoding="utf-8")
    data = json.loads(raw)
    assert raw == json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert data["schema"] == 1 and data["resolver"].startswith("uv ")
    assert not _HOST.search(raw) and not _ABS.search(raw)
    providers = {p["id"]: p for p in json.loads((DATA / "providers.json").read_text("utf-8"))}
    wanted = {pid for pid, p in providers.items()
              if p["category"] == "llm-provider" and p.get("sdk_packages")}
    covered = set(data["closures"]) | set(data["failed"])
    assert not set(data["closures"]) & set(data["failed"])
    assert wanted <= covered, (
        f"providers without a snapshot: {sorted(wanted - covered)}; "
        "re-run scripts/snapshot_sdk_closures.py")
    for pid, entry in data["closures"].items():
        _check_closure(entry)
        declared = {norm(s) for s in providers[pid]["sdk_packages"]}
        assert set(entry["sdk"]) | set(entry.get("dropped", {})) == declared, (
            f"{pid}: catalog SDKs changed; re-run scripts/snapshot_sdk_closures.py")
    _check_closure(data["raw_http"])
    assert data["raw_http"]["sdk"] == ["httpx"]
    for reason in data["failed"].values():
        assert reason and "\n" not in reason


@pytest.mark.network
def test_snapshot_script_resolves_for_real(tmp_path: Path) -> None:
    if not shutil.which("uv"):
        pytest.skip("uv is not on PATH")
    if not _index_reachable(shutil.which("uv"), tmp_path):
        pytest.skip("package index not reachable through the uv configuration")
    out = tmp_path / "closures.json"
    proc = subprocess.run(
        [sys.executable, str(SNAPSHOT_SCRIPT), "--only", "anthropic", "--only", "openai",
         "--output", str(out)], capture_output=True, text=True, timeout=300, env=_UV_ENV)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert set(data["closures"]) == {"anthropic", "openai"} and not data["failed"]
    for entry in (*data["closures"].values(), data["raw_http"]):
        _check_closure(entry)
    assert "httpx" in data["raw_http"]["packages"]
    # An SDK closure brings more than the raw-HTTP baseline it is compared with.
    assert data["closures"]["openai"]["count"] > data["raw_http"]["count"]
    # An unknown id is a usage error, not an empty file.
    bad = subprocess.run([sys.executable, str(SNAPSHOT_SCRIPT), "--only", "no-such-provider",
                          "--output", str(tmp_path / "x.json")], capture_output=True, text=True)
    assert bad.returncode == 2 and not (tmp_path / "x.json").exists()
