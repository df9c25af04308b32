"""A small PEP 503 / PEP 691 simple-index client (standard library only) for ``--fetch``.

Why not ``pip download`` for everything: pip prepares an sdist's metadata by running its build
backend -- the very code an audit must never run. Reading the index page, downloading the file
and opening it in memory runs nothing. It is also the fallback for wheels when ``pip download``
fails for a reason other than "no such distribution" (a resolver or platform quirk).

Which index: the user's own configuration, never a host named here -- ``PIP_INDEX_URL`` /
``PIP_EXTRA_INDEX_URL``, uv's ``UV_DEFAULT_INDEX`` / ``UV_INDEX_URL`` / ``UV_INDEX`` /
``UV_EXTRA_INDEX_URL``, ``pip config list`` (``index-url`` / ``extra-index-url``), then the
registry the lock itself names, and when nothing is configured, the default of the installed
pip (asked in a subprocess, so the host never appears in this code). ``file://`` indexes (a
directory tree of ``<project>/index.html`` or plain files) work too.

Index URLs can carry credentials (``https://user:token@host/simple``): they are sent as basic
auth and never appear in a message -- :func:`redact` keeps scheme and host only.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from blastradius.model import normalise_name

_ACCEPT = ("application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, "
           "text/html;q=0.01")
_TIMEOUT = 60
_MAX_PAGE = 64 * 1024 * 1024
_MAX_FILE = 1024 * 1024 * 1024
_SDIST_SUFFIXES = (".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".zip", ".tar")


class IndexError_(Exception):
    """An index could not be read (message already redacted)."""


@dataclass(frozen=True)
class IndexFile:
    """One file listed on a project's simple page."""

    filename: str
    url: str
    sha256: str | None
    yanked: bool = False

    @property
    def is_wheel(self) -> bool:
        return self.filename.lower().endswith(".whl")


def redact(url: str) -> str:
    """Scheme and host (no credentials, path or query): safe for messages and reports."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "file":
        return "file://<local index>"
    host = parts.hostname or "?"
    return f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port else "")


# ---------------------------------------------------------------------------------------------
# configuration
def _split(value: str | None) -> list[str]:
    return [v for v in (value or "").split() if v]


def _uv_index_values(value: str | None) -> list[str]:
    """``UV_INDEX`` entries may be ``name=url``."""
    out = []
    for item in _split(value):
        name, sep, url = item.partition("=")
        out.append(url if sep and "://" in url and "://" not in name else item)
    return out


@functools.lru_cache(maxsize=1)
def _pip_config() -> dict[str, str]:
    """``pip config list`` of the installed pip as {key: value} (global < user < site < env)."""
    try:
        proc = subprocess.run([sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True,
                              timeout=60, env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"})
    except (OSError, subprocess.TimeoutExpired):
        return {}
    values: dict[str, str] = {}
    order = {"global": 0, "user": 1, "site": 2, ":env:": 3}
    ranked: dict[str, tuple[int, str]] = {}
    for line in proc.stdout.splitlines():
        key, sep, value = line.partition("=")
        if not sep or "." not in key:
            continue
        variant, _, name = key.rpartition(".")
        value = value.strip().strip("'\"")
        rank = order.get(variant, 0)
        if name not in ranked or rank >= ranked[name][0]:
            ranked[name] = (rank, value)
    for name, (_rank, value) in ranked.items():
        values[name] = value
    return values


@functools.lru_cache(maxsize=1)
def _pip_default_index() -> str | None:
    """The default index of the installed pip (asked, so no host is written in this code)."""
    code = "from pip._internal.models.index import PyPI; print(PyPI.simple_url)"
    try:
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    value = proc.stdout.strip()
    return value if proc.returncode == 0 and "://" in value else None


def configured_indexes(extra: list[str] | tuple[str, ...] = ()) -> list[str]:
    """Index URLs in the order they are tried: the primary index (env, then pip config, then
    pip's default), configured extra indexes, then ``extra`` (e.g. the lock's registry)."""
    env = os.environ
    config = _pip_config()
    primary = (env.get("PIP_INDEX_URL") or env.get("UV_DEFAULT_INDEX") or env.get("UV_INDEX_URL")
               or config.get("index-url") or config.get("index_url") or "").strip()
    if not primary and not _truthy(env.get("PIP_NO_INDEX") or config.get("no-index")):
        primary = _pip_default_index() or ""
    extras = _split(env.get("PIP_EXTRA_INDEX_URL")) + _uv_index_values(env.get("UV_INDEX"))
    extras += _split(env.get("UV_EXTRA_INDEX_URL"))
    extras += _split(config.get("extra-index-url") or config.get("extra_index_url"))
    urls = ([primary] if primary else []) + extras + [u for u in extra if u]
    seen: set[str] = set()
    ordered = []
    for url in urls:
        key = url.rstrip("/")
        if key and key not in seen:
            seen.add(key)
            ordered.append(key + "/")
    return ordered


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


# ---------------------------------------------------------------------------------------------
# reading pages
class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.links.append(dict(attrs))


def _request(url: str, accept: str | None = None) -> urllib.request.Request:
    parts = urllib.parse.urlsplit(url)
    headers = {"User-Agent": "blastradius-fetch"}
    if accept:
        headers["Accept"] = accept
    if parts.username or parts.password:
        netloc = parts.hostname or ""
        if parts.port:
            netloc += f":{parts.port}"
        url = urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
        token = f"{urllib.parse.unquote(parts.username or '')}:{urllib.parse.unquote(parts.password or '')}"
        headers["Authorization"] = "Basic " + base64.b64encode(token.encode()).decode()
    return urllib.request.Request(url, headers=headers)


def _open(url: str, accept: str | None = None):
    try:
        return urllib.request.urlopen(_request(url, accept), timeout=_TIMEOUT)  # noqa: S310 (user-configured index)
    except urllib.error.HTTPError as exc:
        raise IndexError_(f"{redact(url)} answered HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise IndexError_(f"{redact(url)} not reachable ({type(reason).__name__})") from None


def _file_hash(fragment: str, hashes: dict | None) -> str | None:
    if hashes and isinstance(hashes.get("sha256"), str):
        return hashes["sha256"].lower()
    match = re.search(r"sha256=([0-9a-fA-F]{64})", fragment or "")
    return match.group(1).lower() if match else None


def _local_listing(page_url: str) -> list[IndexFile] | None:
    """A ``file://`` project directory without an index.html: its files are the listing."""
    path = Path(urllib.request.url2pathname(urllib.parse.urlsplit(page_url).path))
    if not path.is_dir() or (path / "index.html").is_file():
        return None
    return [IndexFile(p.name, p.resolve().as_uri(), None) for p in sorted(path.iterdir()) if p.is_file()]


def project_files(index_url: str, name: str) -> list[IndexFile]:
    """Files listed for ``name`` on one simple index (JSON or HTML form). Raises IndexError_
    when the page cannot be read; an empty list when the project page lists nothing."""
    page = urllib.parse.urljoin(index_url if index_url.endswith("/") else index_url + "/", normalise_name(name) + "/")
    if page.startswith("file:"):
        listing = _local_listing(page)
        if listing is not None:
            return listing
        page = page + "index.html"
    with _open(page, _ACCEPT) as response:
        body = response.read(_MAX_PAGE + 1)
        ctype = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        final = response.geturl() or page
    if len(body) > _MAX_PAGE:
        raise IndexError_(f"{redact(page)}: project page larger than {_MAX_PAGE} bytes")
    files: list[IndexFile] = []
    if ctype.endswith("+json") or (ctype == "application/json"):
        try:
            data = json.loads(body)
        except ValueError:
            raise IndexError_(f"{redact(page)}: invalid JSON simple page") from None
        for entry in data.get("files", []) if isinstance(data, dict) else []:
            if not isinstance(entry, dict) or not isinstance(entry.get("url"), str):
                continue
            url = urllib.parse.urljoin(final, entry["url"])
            filename = entry.get("filename") or urllib.parse.unquote(urllib.parse.urlsplit(url).path.rsplit("/", 1)[-1])
            files.append(IndexFile(str(filename), url, _file_hash(urllib.parse.urlsplit(url).fragment, entry.get("hashes")),
                                   bool(entry.get("yanked"))))
        return files
    parser = _Links()
    parser.feed(body.decode("utf-8", "replace"))
    for attrs in parser.links:
        href = attrs.get("href")
        if not href:
            continue
        url = urllib.parse.urljoin(final, href)
        filename = urllib.parse.unquote(urllib.parse.urlsplit(url).path.rsplit("/", 1)[-1])
        files.append(IndexFile(filename, url, _file_hash(urllib.parse.urlsplit(url).fragment, None),
                               "data-yanked" in attrs))
    return files


# ---------------------------------------------------------------------------------------------
# choosing and downloading
def _file_name_version(filename: str) -> tuple[str, str] | None:
    lower = filename.lower()
    if lower.endswith(".whl"):
        parts = filename[:-4].split("-")
        return (parts[0], parts[1]) if len(parts) >= 5 else None
    for suffix in _SDIST_SUFFIXES:
        if lower.endswith(suffix):
            stem = filename[: -len(suffix)]
            name, sep, version = stem.rpartition("-")
            return (name, version) if sep else None
    return None


def _same_version(a: str, b: str) -> bool:
    if a == b:
        return True
    try:
        from packaging.version import InvalidVersion, Version

        return Version(a) == Version(b)
    except (InvalidVersion, ImportError):
        return False


def matching_files(files: list[IndexFile], name: str, version: str) -> list[IndexFile]:
    """Files of exactly ``name==version`` (wheels and sdists)."""
    want = normalise_name(name)
    out = []
    for f in files:
        nv = _file_name_version(f.filename)
        if nv and normalise_name(nv[0]) == want and _same_version(nv[1], version):
            out.append(f)
    return out


def choose(files: list[IndexFile], expected: set[str], *, prefer_wheel: bool) -> IndexFile | None:
    """The file the lock pins: one whose listed sha256 the lock names first; otherwise (no
    hashes in the lock, or none listed) a wheel or the sdist as asked, deterministically."""
    if expected:
        pinned = [f for f in files if f.sha256 in expected]
        if pinned:
            return sorted(pinned, key=lambda f: (f.is_wheel != prefer_wheel, f.filename))[0]
    pool = [f for f in files if f.is_wheel == prefer_wheel] or files
    if not pool:
        return None
    return sorted(pool, key=lambda f: (f.yanked, f.filename))[0]


def download(file: IndexFile, dest_dir: Path) -> tuple[Path, str]:
    """Stream one file into ``dest_dir`` (never executed, never unpacked); returns (path, sha256)."""
    safe = Path(file.filename).name
    if not safe or safe in (".", "..") or "/" in file.filename or "\\" in file.filename:
        raise IndexError_("index lists a file with an unsafe name")
    target = dest_dir / safe
    digest = hashlib.sha256()
    total = 0
    with _open(file.url) as response, open(target, "wb") as out:
        while True:
            block = response.read(1 << 20)
            if not block:
                break
            total += len(block)
            if total > _MAX_FILE:
                raise IndexError_(f"{redact(file.url)}: file larger than {_MAX_FILE} bytes")
            digest.update(block)
            out.write(block)
    return target, digest.hexdigest()
