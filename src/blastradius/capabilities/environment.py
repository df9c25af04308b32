"""Installed environments: every distribution in a site-packages directory, attributed by RECORD.

Why RECORD and not directory names: a distribution's files are exactly what its RECORD lists,
including top-level ``.pth`` files (litellm 1.82.8's ``litellm_init.pth`` was listed there) --
directory names lie (``google/`` is shared by a dozen distributions). Nothing is imported:
``importlib.metadata.distributions(path=[site])`` only reads ``*.dist-info``. A ``.pth``,
``.start`` or ``sitecustomize.py`` that no RECORD lists was put there by something other than
an installer (MrMustard 0.7.4 wrote one at run time) and is reported under ``<unowned>``.
"""

from __future__ import annotations

import csv
import hashlib
import os
import stat
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from blastradius.capabilities.analyse import FileResult, aggregate, default_jobs, member_role, scan_member
from blastradius.capabilities.cache import ResultCache
from blastradius.capabilities.model import Evidence, PackageAnalysis
from blastradius.capabilities.rules import RULES_VERSION
from blastradius.errors import SourceError
from blastradius.model import normalise_name

UNOWNED = "<unowned>"
_STARTUP_NAMES = ("sitecustomize.py", "usercustomize.py")
_MAX_FILE = 64 * 1024 * 1024
_CHUNK_BYTES = 2 * 1024 * 1024


def find_site_packages(env_path: Path) -> Path:
    """Accept a venv root (``<root>/lib/python3.X/site-packages`` or ``<root>/Lib/site-packages``)
    or a site-packages directory itself."""
    env_path = Path(env_path)
    if not env_path.is_dir():
        raise SourceError("environment directory not found", path=str(env_path))
    if any(env_path.glob("*.dist-info")) or env_path.name in ("site-packages", "dist-packages"):
        return env_path
    candidates = sorted(env_path.glob("lib/python3*/site-packages")) + sorted(env_path.glob("lib64/python3*/site-packages"))
    candidates += [p for p in (env_path / "Lib" / "site-packages",) if p.is_dir()]
    candidates = [c for c in candidates if c.is_dir()]
    if not candidates:
        raise SourceError("no site-packages directory found (give a venv root or a site-packages path)",
                          path=str(env_path))
    return candidates[0]


@dataclass
class _Dist:
    name: str
    version: str | None
    files: list[str]  # relative to site-packages, POSIX
    record: bytes
    notes: list[str]


def _read_dists(site: Path) -> list[_Dist]:
    from importlib.metadata import distributions

    dists: list[_Dist] = []
    seen: set[str] = set()
    for dist in distributions(path=[str(site)]):
        # header lines only: email-parsing every METADATA costs more than the whole warm scan
        head = (dist.read_text("METADATA") or dist.read_text("PKG-INFO") or "").split("\n\n", 1)[0]
        raw_name = version = None
        for line in head.splitlines():
            if line.startswith("Name:") and raw_name is None:
                raw_name = line[5:].strip()
            elif line.startswith("Version:") and version is None:
                version = line[8:].strip()
        if not raw_name:
            continue
        name = normalise_name(raw_name)
        if name in seen:
            continue
        seen.add(name)
        notes: list[str] = []
        record_text = dist.read_text("RECORD")
        record = (record_text or "").encode("utf-8", "replace")
        files: list[str] = []
        if record_text is None:
            notes.append("no RECORD: files attributed from top_level.txt")
            for top in (dist.read_text("top_level.txt") or "").split():
                base = site / top
                if base.is_dir():
                    for dirpath, _dirs, names in os.walk(base):
                        for fname in names:
                            files.append(Path(dirpath, fname).relative_to(site).as_posix())
                elif (site / f"{top}.py").is_file():
                    files.append(f"{top}.py")
        else:
            for row in csv.reader(record_text.splitlines()):
                if not row:
                    continue
                rel = row[0].replace("\\", "/")
                if rel.startswith(("../", "/")) or "/../" in rel or (len(rel) > 1 and rel[1] == ":"):
                    continue
                files.append(rel)
        dists.append(_Dist(name, version, sorted(set(files)), record, notes))
    return sorted(dists, key=lambda d: d.name)


def _regular(path: Path) -> os.stat_result | None:
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return st if stat.S_ISREG(st.st_mode) else None


def _dist_key(site: Path, dist: _Dist) -> tuple[str, list[tuple[str, int]]]:
    """Cache key from RECORD plus size/mtime of every analysed file (a file edited after
    install changes the key), and the (path, size) list of files to analyse."""
    digest = hashlib.sha256(f"site:{RULES_VERSION}:{dist.name}:{dist.version}\n".encode())
    digest.update(dist.record)
    wanted: list[tuple[str, int]] = []
    for rel in dist.files:
        if member_role(rel, "site") in (None, "metadata"):
            continue
        st = _regular(site / rel)
        if st is None:
            continue
        digest.update(f"{rel}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
        wanted.append((rel, st.st_size))
    return digest.hexdigest(), wanted


def _scan_chunk(args: tuple[str, list[tuple[str, str]]]) -> list[tuple[str, FileResult]]:
    """Worker: read and scan files (site dir, [(rel path, owner)])."""
    site, items = args
    out: list[tuple[str, FileResult]] = []
    for rel, owner in items:
        full = os.path.join(site, rel)
        try:
            st = os.lstat(full)
            if not stat.S_ISREG(st.st_mode) or st.st_size > _MAX_FILE:
                continue
            with open(full, "rb") as fh:
                data = fh.read()
        except OSError:
            continue
        result = scan_member(rel, data, "site", owner)
        if result is not None:
            out.append((owner, result))
    return out


def _chunks(items: list[tuple[str, str, int]], n_jobs: int) -> list[list[tuple[str, str]]]:
    """Byte-balanced chunks, biggest files first, so workers finish together."""
    items = sorted(items, key=lambda t: -t[2])
    target = max(_CHUNK_BYTES, sum(t[2] for t in items) // (n_jobs * 8) or 1)
    chunks: list[list[tuple[str, str]]] = []
    cur: list[tuple[str, str]] = []
    size = 0
    for rel, owner, nbytes in items:
        cur.append((rel, owner))
        size += nbytes
        if size >= target:
            chunks.append(cur)
            cur, size = [], 0
    if cur:
        chunks.append(cur)
    return chunks


def run_chunks(site: str, chunks: list[list[tuple[str, str]]], jobs: int) -> list[tuple[str, FileResult]]:
    results: list[tuple[str, FileResult]] = []
    if jobs <= 1 or len(chunks) <= 1:
        for chunk in chunks:
            results += _scan_chunk((site, chunk))
        return results
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for part in pool.map(_scan_chunk, [(site, c) for c in chunks]):
            results += part
    return results


def analyse_environment(env_path: Path, *, jobs: int | None = None, cache_dir: str | Path | None = None,
                        use_cache: bool = True) -> dict[str, PackageAnalysis]:
    """Analyse every distribution installed in ``env_path`` (venv root or site-packages),
    keyed by normalised name; files no RECORD owns (startup hooks) appear under ``<unowned>``."""
    site = find_site_packages(Path(env_path))
    dists = _read_dists(site)
    cache = ResultCache(cache_dir, enabled=use_cache)
    owned: set[str] = set()
    analyses: dict[str, PackageAnalysis] = {}
    todo: list[tuple[str, str, int]] = []
    keys: dict[str, str] = {}
    by_name = {d.name: d for d in dists}
    for dist in dists:
        owned.update(dist.files)
        key, wanted = _dist_key(site, dist)
        cached = cache.get(key)
        if cached is not None:
            analyses[dist.name] = cached
            continue
        keys[dist.name] = key
        todo += [(rel, dist.name, size) for rel, size in wanted]
        if not wanted:
            analyses[dist.name] = aggregate(dist.name, dist.version, "site-packages", None, [], notes=dist.notes)
            cache.put(key, analyses[dist.name])
    n_jobs = default_jobs(jobs)
    total = sum(t[2] for t in todo)
    if total < 4 * 1024 * 1024:
        n_jobs = 1  # process start-up costs more than it saves
    results = run_chunks(str(site), _chunks(todo, n_jobs), n_jobs)
    grouped: dict[str, list[FileResult]] = defaultdict(list)
    for owner, result in results:
        grouped[owner].append(result)
    for name, key in sorted(keys.items()):
        if name in analyses:
            continue
        dist = by_name[name]
        analysis = aggregate(dist.name, dist.version, "site-packages", None, grouped.get(name, []), notes=dist.notes)
        analyses[name] = analysis
        cache.put(key, analysis)
    unowned = _unowned(site, owned)
    if unowned is not None:
        analyses[UNOWNED] = unowned
    return dict(sorted(analyses.items()))


def _unowned(site: Path, owned: set[str]) -> PackageAnalysis | None:
    """Start-up files at the site-packages root that no RECORD lists."""
    results: list[FileResult] = []
    extra: list[Evidence] = []
    try:
        entries = sorted(os.listdir(site))
    except OSError:
        return None
    for fname in entries:
        lower = fname.lower()
        if not (lower.endswith((".pth", ".start")) or fname in _STARTUP_NAMES) or fname in owned:
            continue
        full = site / fname
        st = _regular(full)
        if st is None or st.st_size > _MAX_FILE:
            continue
        data = full.read_bytes()
        result = scan_member(fname, data, "site", UNOWNED)
        executable = result is not None and any(h[0] != "BR-PTH-KNOWN" for h in result.hits)
        benign_known = result is not None and result.hits and all(h[0] == "BR-PTH-KNOWN" for h in result.hits)
        if lower.endswith(".pth") and fname.startswith("_editable_impl_") and not executable:
            continue  # uv/hatch editable: a path-only file written by the installer
        if result is not None:
            results.append(result)
        if benign_known:
            continue
        severity = "high" if executable or not lower.endswith(".pth") else "medium"
        extra.append(Evidence("BR-PTH-UNOWNED", severity, fname, None,
                              f"{fname} is not listed in any distribution's RECORD"
                              + (" and runs code at start-up" if executable else "")))
    if not results and not extra:
        return None
    return aggregate(UNOWNED, None, "site-packages", None, results, extra=extra)
