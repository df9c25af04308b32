"""--fetch against a local simple index (PEP 503 HTML and PEP 691 JSON pages) served from a temp
directory over http.server on 127.0.0.1: an sdist-only package (read from the index, never built)
and a wheel package (through pip download --only-binary), hash verification, the cache, and an
end-to-end `blastradius scan --fetch` of a hand-written uv.lock pointing at that index."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import threading
import zipfile
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from blastradius.capabilities import index as simple_index
from blastradius.capabilities.fetch import fetch_and_analyse

SDIST = "br-fetch-sdistonly"
WHEEL = "br-fetch-wheelpkg"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _sdist_bytes(marker: Path) -> bytes:
    """An sdist whose setup.py (and build backend) would leave a marker file if anything ran it."""
    setup = (f"import pathlib\npathlib.Path({str(marker)!r}).write_text('setup.py ran')\n"
             "from setuptools import setup\nsetup(name='br-fetch-sdistonly', version='1.0')\n")
    members = {
        "setup.py": setup,
        "pyproject.toml": "[build-system]\nrequires = ['setuptools']\nbuild-backend = 'setuptools.build_meta'\n",
        "PKG-INFO": "Metadata-Version: 2.1\nName: br-fetch-sdistonly\nVersion: 1.0\n\n",
        "br_fetch_sdistonly/__init__.py": "import os, requests\n\ndef key():\n    return os.environ.get('OPENAI_API_KEY')\n",
    }
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for name, text in members.items():
            data = text.encode()
            info = tarfile.TarInfo(f"br_fetch_sdistonly-1.0/{name}")
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _wheel_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("br_fetch_wheelpkg/__init__.py", "import httpx\nTOKEN = __import__('os').getenv('ANTHROPIC_API_KEY')\n")
        zf.writestr("br_fetch_wheelpkg-2.0.dist-info/METADATA",
                    "Metadata-Version: 2.1\nName: br-fetch-wheelpkg\nVersion: 2.0\n\n")
        zf.writestr("br_fetch_wheelpkg-2.0.dist-info/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        zf.writestr("br_fetch_wheelpkg-2.0.dist-info/RECORD", "")
    return buf.getvalue()


class _Handler(SimpleHTTPRequestHandler):
    """Static files; a project directory holding index.json answers PEP 691 JSON when asked."""

    requests_seen: list[str]

    def log_message(self, *args) -> None:  # quiet
        pass

    def do_GET(self) -> None:  # noqa: N802 (http.server API)
        self.requests_seen.append(self.path)
        local = Path(self.translate_path(self.path))
        accept = self.headers.get("Accept", "")
        if local.is_dir() and (local / "index.json").is_file() and "vnd.pypi.simple.v1+json" in accept:
            body = (local / "index.json").read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", "application/vnd.pypi.simple.v1+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()


class LocalIndex:
    def __init__(self, root: Path, marker: Path) -> None:
        self.root = root
        self.sdist = _sdist_bytes(marker)
        self.wheel = _wheel_bytes()
        self.sdist_name = "br_fetch_sdistonly-1.0.tar.gz"
        self.wheel_name = "br_fetch_wheelpkg-2.0-py3-none-any.whl"
        (root / "files").mkdir(parents=True)
        (root / "files" / self.sdist_name).write_bytes(self.sdist)
        (root / "files" / self.wheel_name).write_bytes(self.wheel)
        # HTML page (PEP 503) for the sdist-only project
        page = root / "simple" / SDIST
        page.mkdir(parents=True)
        (page / "index.html").write_text(
            f'<!DOCTYPE html><html><body><a href="../../files/{self.sdist_name}#sha256={_sha(self.sdist)}">'
            f"{self.sdist_name}</a></body></html>\n")
        # JSON page (PEP 691) and an HTML fallback for the wheel project
        page = root / "simple" / WHEEL
        page.mkdir(parents=True)
        (page / "index.json").write_text(json.dumps({
            "meta": {"api-version": "1.0"}, "name": WHEEL,
            "files": [{"filename": self.wheel_name, "url": f"../../files/{self.wheel_name}",
                       "hashes": {"sha256": _sha(self.wheel)}}],
        }))
        (page / "index.html").write_text(
            f'<a href="../../files/{self.wheel_name}#sha256={_sha(self.wheel)}">{self.wheel_name}</a>\n')
        self.requests: list[str] = []
        handler = type("H", (_Handler,), {"requests_seen": self.requests})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(root)))
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/simple/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def local_index(tmp_path, monkeypatch):
    marker = tmp_path / "BUILT-MARKER"
    index = LocalIndex(tmp_path / "index", marker)
    monkeypatch.setenv("PIP_INDEX_URL", index.url)
    monkeypatch.setenv("UV_INDEX_URL", index.url)
    monkeypatch.setenv("PIP_NO_INPUT", "1")
    index.marker = marker
    yield index
    index.close()
    assert not marker.exists(), "an sdist's build code ran"


def _pins(index: LocalIndex, sdist_hash: str | None = None, wheel_hash: str | None = None):
    return [
        (SDIST, "1.0", (f"sha256:{sdist_hash or _sha(index.sdist)}",)),
        (WHEEL, "2.0", (f"sha256:{wheel_hash or _sha(index.wheel)}",)),
    ]


def test_index_client_reads_html_and_json_pages(local_index):
    html = simple_index.project_files(local_index.url, SDIST)
    assert [(f.filename, f.sha256) for f in html] == [(local_index.sdist_name, _sha(local_index.sdist))]
    json_files = simple_index.project_files(local_index.url, "BR_Fetch.WheelPkg")  # PEP 503 normalisation
    assert [(f.filename, f.sha256) for f in json_files] == [(local_index.wheel_name, _sha(local_index.wheel))]
    assert any(p.rstrip("/").endswith(WHEEL) for p in local_index.requests)
    assert simple_index.matching_files(html, "br_fetch_sdistonly", "1.0.0") == html  # version equality
    assert simple_index.matching_files(html, SDIST, "1.1") == []


def test_configured_indexes_come_from_the_environment(local_index, monkeypatch):
    monkeypatch.setenv("PIP_EXTRA_INDEX_URL", "https://user:s3cret@mirror.index.example/simple")
    urls = simple_index.configured_indexes(["https://index.example/simple/"])
    assert urls[0] == local_index.url
    assert "https://user:s3cret@mirror.index.example/simple/" in urls
    assert urls[-1] == "https://index.example/simple/"
    assert simple_index.redact(urls[1]) == "https://mirror.index.example"  # never the credentials


def test_fetch_sdist_only_and_wheel_then_cache(local_index, tmp_path):
    cache = tmp_path / "cache"
    result = fetch_and_analyse(_pins(local_index), cache_dir=cache, jobs=1)
    assert result.not_analysed == {}
    assert result.hash_mismatches == []
    sdist = result.analyses[SDIST]
    assert sdist.artifact == local_index.sdist_name and sdist.sha256 == _sha(local_index.sdist)
    rules = {e.rule_id for e in sdist.evidence}
    assert {"BR-SDIST-ONLY", "BR-INSTALL-SETUP-PY"} <= rules
    assert "OPENAI_API_KEY" in sdist.env_names and "network" in sdist.capabilities
    wheel = result.analyses[WHEEL]
    assert wheel.artifact == local_index.wheel_name and "ANTHROPIC_API_KEY" in wheel.env_names
    # cached by sha256 in the cache directory
    for data, name in ((local_index.sdist, local_index.sdist_name), (local_index.wheel, local_index.wheel_name)):
        digest = _sha(data)
        assert (cache / "artifacts" / digest[:2] / digest / name).read_bytes() == data
    assert any(local_index.sdist_name in p for p in local_index.requests)
    # second run: nothing is asked of the index (not even by pip)
    before = len(local_index.requests)
    again = fetch_and_analyse(_pins(local_index), cache_dir=cache, jobs=1)
    assert len(local_index.requests) == before
    assert again.to_dict() == result.to_dict()


def test_lock_hash_mismatch_is_critical(local_index, tmp_path):
    wrong = _sha(b"not the artifact")
    result = fetch_and_analyse(_pins(local_index, sdist_hash=wrong), cache_dir=tmp_path / "cache", jobs=1)
    assert [m.name for m in result.hash_mismatches] == [SDIST]
    mismatch = result.hash_mismatches[0]
    assert mismatch.sha256 == _sha(local_index.sdist) and mismatch.expected == (wrong,)
    analysis = result.analyses[SDIST]
    assert analysis.verdict == "critical"
    assert any(e.rule_id == "BR-HASH-MISMATCH" and e.severity == "critical" for e in analysis.evidence)
    assert result.analyses[WHEEL].verdict != "critical"


def test_index_listing_a_different_hash_is_a_mismatch_without_lock_hashes(local_index, tmp_path):
    page = local_index.root / "simple" / SDIST / "index.html"
    page.write_text(page.read_text().replace(_sha(local_index.sdist), _sha(b"tampered")))
    result = fetch_and_analyse([(SDIST, "1.0", ())], cache_dir=tmp_path / "cache", jobs=1)
    assert [m.name for m in result.hash_mismatches] == [SDIST]
    assert result.analyses[SDIST].verdict == "critical"


def test_missing_version_is_reported_not_built(local_index, tmp_path):
    result = fetch_and_analyse([(SDIST, "9.9", ())], cache_dir=tmp_path / "cache", jobs=1)
    assert SDIST in result.not_analysed and SDIST not in result.analyses
    reason = result.not_analysed[SDIST]
    assert "127.0.0.1" in reason or "lists no file" in reason


def _uv_lock(index: LocalIndex) -> str:
    base = index.url.rsplit("/simple/", 1)[0]
    return f'''version = 1
revision = 3
requires-python = ">=3.10"

[[package]]
name = "demo-gateway"
version = "0.1.0"
source = {{ virtual = "." }}
dependencies = [
    {{ name = "{SDIST}" }},
    {{ name = "{WHEEL}" }},
]

[[package]]
name = "{SDIST}"
version = "1.0"
source = {{ registry = "{index.url.rstrip('/')}" }}
sdist = {{ url = "{base}/files/{index.sdist_name}", hash = "sha256:{_sha(index.sdist)}", size = {len(index.sdist)} }}

[[package]]
name = "{WHEEL}"
version = "2.0"
source = {{ registry = "{index.url.rstrip('/')}" }}
wheels = [
    {{ url = "{base}/files/{index.wheel_name}", hash = "sha256:{_sha(index.wheel)}", size = {len(index.wheel)} }},
]
'''


def test_scan_fetch_end_to_end(local_index, tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        f'[project]\nname = "demo-gateway"\nversion = "0.1.0"\ndependencies = ["{SDIST}", "{WHEEL}"]\n')
    (project / "uv.lock").write_text(_uv_lock(local_index))
    out = tmp_path / "report.json"
    env = {**os.environ, "BLASTRADIUS_CACHE_DIR": str(tmp_path / "cache"), "PIP_INDEX_URL": local_index.url,
           "UV_INDEX_URL": local_index.url}
    proc = subprocess.run([sys.executable, "-m", "blastradius", "scan", str(project), "--fetch",
                           "--format", "json", "-o", str(out)], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode in (0, 1), proc.stderr
    report = json.loads(out.read_text())
    caps = report["capabilities"]
    assert set(caps["analyses"]) >= {SDIST, WHEEL}, caps["not_analysed"]
    assert caps["hash_mismatches"] == []
    sdist = caps["analyses"][SDIST]
    assert sdist["sha256"] == _sha(local_index.sdist)
    assert "BR-SDIST-ONLY" in {e["rule_id"] for e in sdist["evidence"]}
    assert caps["analyses"][WHEEL]["sha256"] == _sha(local_index.wheel)


def test_wheel_from_index_when_pip_fails_otherwise(local_index, tmp_path, monkeypatch):
    """pip failing for a reason other than "no matching distribution" (here: a stand-in that
    reports an OSError) falls back to the index, which serves the pinned wheel."""
    from blastradius.capabilities import fetch

    calls: list[str] = []

    def failing(name, version, dest, binary=True):
        calls.append(name)
        return [], "ERROR: Could not install packages due to an OSError: [Errno 28] No space left on device"

    monkeypatch.setattr(fetch, "_pip_download", failing)
    result = fetch_and_analyse([(WHEEL, "2.0", (f"sha256:{_sha(local_index.wheel)}",))], cache_dir=tmp_path / "c", jobs=1)
    assert calls == [WHEEL]
    analysis = result.analyses[WHEEL]
    assert analysis.artifact == local_index.wheel_name and result.hash_mismatches == []
    assert "BR-SDIST-ONLY" not in {e.rule_id for e in analysis.evidence}
    assert any(local_index.wheel_name in p for p in local_index.requests)
