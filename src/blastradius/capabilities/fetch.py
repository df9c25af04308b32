"""``--fetch``: download exactly the lock's pinned artifacts, verify them, analyse them.

Why ``pip download --no-deps --only-binary=:all:`` in a subprocess: it honours the user's pip
configuration (index, mirrors, certificates, credentials) without blastradius ever naming an
index, and ``--only-binary`` guarantees nothing is built. When no wheel exists nothing is
downloaded: pip's ``download`` of an sdist prepares its metadata by running its build backend,
so an sdist-only pin is reported as not analysed, with the reason. Every artifact is checked against the lock's sha256 hashes; a mismatch is reported and the artifact is still
analysed, because what it contains is exactly what the user would have installed.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from blastradius.capabilities.analyse import _normalise_hash, analyse_artifact, default_jobs, sha256_of
from blastradius.capabilities.cache import artifact_dir
from blastradius.capabilities.model import Evidence, FetchResult, HashMismatch, PackageAnalysis
from blastradius.model import normalise_name

Pin = tuple[str, str, Iterable[str]]


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


def _pip_download(name: str, version: str, dest: Path, binary: bool) -> tuple[list[Path], str]:
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check", "-q",
           "--dest", str(dest), f"{name}=={version}"]
    cmd += ["--only-binary=:all:"] if binary else ["--no-binary", ":all:", "--no-build-isolation"]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return [], f"pip download failed: {exc}"
    files = sorted(p for p in dest.iterdir() if p.is_file())
    if proc.returncode != 0 or not files:
        last = (proc.stderr or proc.stdout or "").strip().splitlines()
        return [], (last[-1] if last else f"pip download exited {proc.returncode}")[:300]
    return files, ""


def fetch_one(name: str, version: str, hashes: Iterable[str], cache_dir: str | Path | None = None
              ) -> tuple[str, PackageAnalysis | None, str | None, HashMismatch | None]:
    """Fetch (or reuse from the cache) and analyse one pin.

    Returns ``(normalised name, analysis or None, reason not analysed or None, mismatch or None)``.
    """
    key = normalise_name(name)
    expected = {_normalise_hash(h) for h in hashes if h}
    root = artifact_dir(cache_dir)
    artifact = _cached_artifact(root, expected) if expected else None
    sdist_only = False  # a cached sdist (e.g. placed by the user) is still analysed, never built
    if artifact is None:
        with tempfile.TemporaryDirectory(prefix="br-fetch-") as tmp:
            files, error = _pip_download(name, version, Path(tmp), binary=True)
            if not files:
                # pip cannot download an sdist without preparing its metadata, which runs the
                # sdist's build code; so an sdist-only pin is reported, never fetched.
                return key, None, (f"no wheel for {name}=={version} could be downloaded ({error}); "
                                   "an sdist-only package runs build code at install (BR-SDIST-ONLY) and "
                                   "is not fetched because pip would run that code to read it"), None
            artifact = _store(root, files[0])
    analysis = analyse_artifact(artifact, expected_hashes=expected, cache_dir=cache_dir)
    mismatch = None
    if expected and analysis.sha256 not in expected:
        mismatch = HashMismatch(key, version, artifact.name, analysis.sha256 or "", tuple(sorted(expected)))
    if sdist_only or artifact.name.endswith((".tar.gz", ".zip", ".tar.bz2", ".tgz")):
        extra = Evidence("BR-SDIST-ONLY", "medium", artifact.name, None,
                         f"no wheel for {name}=={version}: installing it runs its build code")
        evidence = tuple(sorted(set(analysis.evidence) | {extra}, key=Evidence.sort_key))
        caps = tuple(sorted(set(analysis.capabilities) | {"install-time-code"}))
        from blastradius.capabilities.model import worst

        analysis = PackageAnalysis(analysis.name, analysis.version, analysis.artifact, analysis.sha256, caps,
                                   analysis.env_names, worst(e.severity for e in evidence), evidence,
                                   analysis.files_scanned, analysis.notes)
    return key, analysis, None, mismatch


def _fetch_star(args: tuple[str, str, tuple[str, ...], str | None]):
    return fetch_one(*args)


def fetch_and_analyse(pins: Iterable[Pin], *, cache_dir: str | Path | None = None,
                      jobs: int | None = None) -> FetchResult:
    """Download, verify and analyse every ``(name, version, hashes)`` pin.

    Pins without a version cannot be fetched exactly and are listed in ``not_analysed``.
    """
    result = FetchResult()
    work: list[tuple[str, str, tuple[str, ...], str | None]] = []
    for name, version, hashes in pins:
        if not version:
            result.not_analysed[normalise_name(name)] = "no pinned version to fetch"
            continue
        work.append((name, version, tuple(hashes), str(cache_dir) if cache_dir else None))
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
