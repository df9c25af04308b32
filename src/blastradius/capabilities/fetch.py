"""``--fetch``: download exactly the lock's pinned artifacts, verify them, analyse them.

Wheels come through ``pip download --no-deps --only-binary=:all:`` in a subprocess: it honours
the user's pip configuration (index, mirrors, certificates, credentials, find-links) and
``--only-binary`` guarantees nothing is built. When no wheel exists, the sdist is read straight
from the simple index (:mod:`blastradius.capabilities.index`): pip would prepare an sdist's
metadata by running its build backend, which an audit must never do. The same index path is
the fallback for wheels when ``pip download`` fails for another reason.

Every artifact is checked against the lock's sha256 hashes (and, when the lock has none, the
hash the index lists); a mismatch is a critical finding and the artifact is still analysed,
because what it contains is exactly what the user would have installed. Artifacts are cached
by sha256 under the user cache directory, so a second run downloads nothing.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from blastradius.capabilities.analyse import _normalise_hash, analyse_artifact, default_jobs, sha256_of
from blastradius.capabilities import index as simple_index
from blastradius.capabilities.cache import artifact_dir
from blastradius.capabilities.model import Evidence, FetchResult, HashMismatch, PackageAnalysis
from blastradius.model import normalise_name

Pin = tuple  # (name, version, hashes) or (name, version, hashes, lock registry URL or None)
_NO_MATCH = re.compile(r"No matching distribution found|Could not find a version that satisfies", re.I)


def _cached_artifact(root: Path, hashes: set[str]) -> Path | None:
    for digest in sorted(hashes):
        folder = root / digest[:2] / digest
        if folder.is_dir():
            for entry in sorted(folder.iterdir()):
                if entry.is_file():
                    return entry
    return None


def _store(root: Path, path: Path) -> Path:
    digest = sha256_of(path)
    folder = root / digest[:2] / digest
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / path.name
    if not target.exists():
        shutil.copy2(path, target)
    return target


def _pip_download(name: str, version: str, dest: Path, binary: bool = True) -> tuple[list[Path], str]:
    """Wheels only: ``--only-binary=:all:`` is what keeps pip from building anything."""
    if not binary:
        raise ValueError("pip is never used for sdists (it would run their build backend)")
    dest.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check", "-q",
           "--only-binary=:all:", "--dest", str(dest), f"{name}=={version}"]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return [], f"pip download failed: {exc}"
    files = sorted(p for p in dest.iterdir() if p.is_file())
    if proc.returncode != 0 or not files:
        last = (proc.stderr or proc.stdout or "").strip().splitlines()
        return [], (last[-1] if last else f"pip download exited {proc.returncode}")[:300]
    return files, ""


def _pin_file(root: Path, name: str, version: str) -> Path:
    return root / "pins" / f"{normalise_name(name)}=={version.replace('/', '_')}"


def _from_index(name: str, version: str, expected: set[str], indexes: list[str], dest: Path,
                *, prefer_wheel: bool) -> tuple[Path | None, str | None, str]:
    """Find ``name==version`` on the configured simple indexes and download the pinned file.
    Returns (path or None, sha256 the index listed, reason when nothing was downloaded)."""
    problems: list[str] = []
    for url in indexes:
        try:
            files = simple_index.matching_files(simple_index.project_files(url, name), name, version)
        except simple_index.IndexError_ as exc:
            problems.append(str(exc))
            continue
        chosen = simple_index.choose(files, expected, prefer_wheel=prefer_wheel)
        if chosen is None:
            problems.append(f"{simple_index.redact(url)} lists no file for {name}=={version}")
            continue
        dest.mkdir(parents=True, exist_ok=True)
        try:
            path, _digest = simple_index.download(chosen, dest)
        except simple_index.IndexError_ as exc:
            problems.append(str(exc))
            continue
        return path, chosen.sha256, ""
    if not indexes:
        problems.append("no package index configured")
    return None, None, "; ".join(problems)[:400]


def fetch_one(name: str, version: str, hashes: Iterable[str], cache_dir: str | Path | None = None,
              indexes: list[str] | None = None
              ) -> tuple[str, PackageAnalysis | None, str | None, HashMismatch | None]:
    """Fetch (or reuse from the cache) and analyse one pin. Nothing is built or run: wheels come
    from ``pip download --only-binary``, sdists (and wheels pip could not get) from the simple
    index, and both are read in memory.

    Returns ``(normalised name, analysis or None, reason not analysed or None, mismatch or None)``.
    """
    key = normalise_name(name)
    expected = {_normalise_hash(h) for h in hashes if h}
    root = artifact_dir(cache_dir)
    artifact = _cached_artifact(root, expected) if expected else None
    listed: str | None = None
    if artifact is None and not expected:
        try:
            digest = _pin_file(root, name, version).read_text().strip()
            artifact = _cached_artifact(root, {digest})
        except OSError:
            artifact = None
    if artifact is None:
        with tempfile.TemporaryDirectory(prefix="br-fetch-") as tmp:
            files, error = _pip_download(name, version, Path(tmp) / "pip", binary=True)
            if files:
                artifact = _store(root, files[0])
            else:
                no_wheel = bool(_NO_MATCH.search(error))
                if indexes is None:
                    indexes = simple_index.configured_indexes()
                path, listed, reason = _from_index(name, version, expected, indexes, Path(tmp) / "index",
                                                   prefer_wheel=not no_wheel)
                if path is None:
                    what = "no wheel" if no_wheel else f"pip download failed ({error})"
                    return key, None, f"{what} for {name}=={version}, and no file from the index: {reason}", None
                artifact = _store(root, path)
        if not expected:
            try:
                pin = _pin_file(root, name, version)
                pin.parent.mkdir(parents=True, exist_ok=True)
                pin.write_text(sha256_of(artifact) + "\n")
            except OSError:
                pass
    check = expected or ({listed} if listed else set())
    analysis = analyse_artifact(artifact, expected_hashes=check, cache_dir=cache_dir)
    mismatch = None
    if check and analysis.sha256 not in check:
        mismatch = HashMismatch(key, version, artifact.name, analysis.sha256 or "", tuple(sorted(check)))
    if artifact.name.lower().endswith((".tar.gz", ".zip", ".tar.bz2", ".tgz", ".tar.xz", ".tar")):
        extra = Evidence("BR-SDIST-ONLY", "medium", artifact.name, None,
                         f"no wheel for {name}=={version}: installing it runs its build code")
        evidence = tuple(sorted(set(analysis.evidence) | {extra}, key=Evidence.sort_key))
        caps = tuple(sorted(set(analysis.capabilities) | {"install-time-code"}))
        from blastradius.capabilities.model import worst

        analysis = PackageAnalysis(analysis.name, analysis.version, analysis.artifact, analysis.sha256, caps,
                                   analysis.env_names, worst(e.severity for e in evidence), evidence,
                                   analysis.files_scanned, analysis.notes)
    return key, analysis, None, mismatch


def _fetch_star(args: tuple[str, str, tuple[str, ...], str | None, list[str] | None]):
    return fetch_one(*args)


def fetch_and_analyse(pins: Iterable[Pin], *, cache_dir: str | Path | None = None,
                      jobs: int | None = None, indexes: list[str] | None = None) -> FetchResult:
    """Download, verify and analyse every ``(name, version, hashes[, registry URL])`` pin.

    ``indexes`` overrides the simple indexes tried for sdists (default: the user's pip/uv
    configuration, then each pin's own registry URL). Pins without a version cannot be fetched
    exactly and are listed in ``not_analysed``.
    """
    result = FetchResult()
    raw: list[tuple[str, str, tuple[str, ...], str | None]] = []
    registries: list[str] = []
    for pin in pins:
        name, version, hashes = pin[0], pin[1], pin[2]
        registry = pin[3] if len(pin) > 3 else None
        if not version:
            result.not_analysed[normalise_name(name)] = "no pinned version to fetch"
            continue
        raw.append((name, version, tuple(hashes), registry))
        if registry and registry not in registries:
            registries.append(registry)
    if not raw:
        return result
    # resolved once here (one `pip config list`), not in every worker; the index is only
    # contacted for pins pip cannot fetch as wheels
    if indexes is None:
        indexes = simple_index.configured_indexes(registries)
    work = [(n, v, h, str(cache_dir) if cache_dir else None, indexes) for n, v, h, _r in raw]
    n_jobs = min(default_jobs(jobs), max(len(work), 1))
    if n_jobs > 1:
        with ProcessPoolExecutor(max_workers=n_jobs) as pool:
            outcomes = list(pool.map(_fetch_star, work))
    else:
        outcomes = [_fetch_star(w) for w in work]
    for key, analysis, reason, mismatch in outcomes:
        if analysis is not None:
            result.analyses[key] = analysis
        if reason:
            result.not_analysed[key] = reason
        if mismatch is not None:
            result.hash_mismatches.append(mismatch)
    result.hash_mismatches.sort(key=lambda m: (m.name, m.artifact))
    return result


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
