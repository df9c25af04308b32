#!/usr/bin/env python3
"""End-to-end scan speed against a baseline measured in the same run.

Workloads:
  1. the litellm-proxy uv.lock (fixtures/litellm-proxy, ~100 runtime packages): whole-process
     `blastradius scan --format json` vs. the baseline
     `python -c "import tomllib; tomllib.load(open('uv.lock','rb'))"`.
     Target: scan <= 3x the baseline plus interpreter start.
  2. a synthetic 10,000-package uv.lock (generated here, deterministic): target <= 2 s.

Prints medians over repeated runs and the ratios. Usage:
    python benchmarks/bench_scan.py [--runs 7] [--lock PATH]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


# An installed tool runs from compiled bytecode (pip compiles it at install time). Some shells
# set PYTHONDONTWRITEBYTECODE, which would make every run recompile every module of an
# editable install; the benchmark measures the installed experience, so it lets the warm-up
# run write the bytecode cache.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def median_time(cmd: list[str], runs: int, cwd: Path | None = None) -> float:
    subprocess.run(cmd, cwd=cwd, capture_output=True, check=False, env=ENV)  # warm-up (page and bytecode cache)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(cmd, cwd=cwd, capture_output=True, check=False, env=ENV)
        samples.append(time.perf_counter() - start)
        if done.returncode not in (0, 1):
            sys.exit(f"command failed ({done.returncode}): {' '.join(cmd)}\n{done.stderr.decode()[-500:]}")
    return statistics.median(samples)


def synthetic_lock(path: Path, packages: int, seed: int = 7, dense: bool = False) -> None:
    """A uv.lock-shaped file: one virtual root, `packages` registry packages, ~3 edges each
    (always to higher-numbered packages, so it is a DAG like real locks, plus a few cycles).
    ``dense``: 5 edges each, a third of them with two-clause markers, and a wheel per package
    (closer to the shape of big real locks; about 7 MB)."""
    rng = random.Random(seed)
    fan_out = 5 if dense else 3
    lines = ['version = 1', 'revision = 3', 'requires-python = ">=3.10"', ""]
    root_deps = ", ".join(f'{{ name = "pkg-{i:05d}" }}' for i in range(0, packages, max(1, packages // 50)))
    lines += ["[[package]]", 'name = "synthetic-root"', 'version = "0.1.0"', 'source = { virtual = "." }',
              f"dependencies = [{root_deps}]", ""]
    for i in range(packages):
        deps = sorted({rng.randrange(i + 1, packages) for _ in range(fan_out)} if i < packages - 1 else set())
        if i % 997 == 0 and i > 10:
            deps.append(i - 5)  # an occasional back edge: cycles exist in real graphs
        def marker(d: int) -> str:
            if dense and d % 3 == 0:
                return f', marker = "python_full_version >= \'3.{d % 5 + 9}\' and sys_platform != \'win32\'"'
            return ', marker = "sys_platform == \'win32\'"' if d % 11 == 0 else ""

        dep_text = ", ".join(f'{{ name = "pkg-{d:05d}"' + marker(d) + " }" for d in deps)
        lines += [
            "[[package]]",
            f'name = "pkg-{i:05d}"',
            f'version = "1.{i % 50}.{i % 7}"',
            'source = { registry = "https://index.example/simple" }',
            f"dependencies = [{dep_text}]",
            f'sdist = {{ url = "https://files.index.example/packages/pkg-{i:05d}.tar.gz", hash = "sha256:{i:064x}", size = 1000 }}',
        ]
        if dense:
            lines.append(
                f'wheels = [{{ url = "https://files.index.example/packages/pkg-{i:05d}-py3-none-any.whl", '
                f'hash = "sha256:{i + 1:064x}", size = 1000 }}]'
            )
        lines += [
            "",
        ]
    path.write_text("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--lock", type=Path, help="uv.lock to scan (default: fixtures/litellm-proxy/uv.lock)")
    args = parser.parse_args()
    python = sys.executable

    lock = args.lock or REPO / "fixtures" / "litellm-proxy" / "uv.lock"
    if not lock.exists():
        lock = REPO / "fixtures" / "corpus" / "pankaj28843__litellm-proxy-headroom" / "uv.lock"
    work = lock.parent

    start_only = median_time([python, "-c", "pass"], args.runs)
    baseline = median_time([python, "-c", "import tomllib; tomllib.load(open('uv.lock','rb'))"], args.runs, cwd=work)
    scan = median_time([python, "-m", "blastradius", "scan", ".", "--input", "uv.lock", "--format", "json", "-o", "/dev/null"], args.runs, cwd=work)
    print(f"workload: {lock.relative_to(REPO) if lock.is_relative_to(REPO) else lock}")
    print(f"  interpreter start (python -c pass)      {start_only * 1000:8.1f} ms")
    print(f"  baseline: tomllib.load(uv.lock)          {baseline * 1000:8.1f} ms")
    print(f"  blastradius scan --format json           {scan * 1000:8.1f} ms")
    print(f"  ratio scan / baseline                    {scan / baseline:8.2f}x")
    budget = 3 * (baseline - start_only) + start_only
    print(f"  budget 3x(baseline work) + start         {budget * 1000:8.1f} ms  -> {'OK' if scan <= budget else 'OVER'}"
          f" (scan work {(scan - start_only) * 1000:.1f} ms = {(scan - start_only) / max(baseline - start_only, 1e-9):.2f}x baseline work)")

    for dense in (False, True):
        with tempfile.TemporaryDirectory() as tmp:
            big = Path(tmp) / "uv.lock"
            synthetic_lock(big, 10_000, dense=dense)
            big_baseline = median_time([python, "-c", "import tomllib; tomllib.load(open('uv.lock','rb'))"], 3, cwd=Path(tmp))
            big_scan = median_time([python, "-m", "blastradius", "scan", ".", "--format", "json", "-o", "/dev/null"], 3, cwd=Path(tmp))
            shape = "dense: 5 edges each, markers, wheels" if dense else "3 edges each"
            print(f"workload: synthetic uv.lock with 10,000 packages ({shape}, {big.stat().st_size / 1e6:.1f} MB)")
            print(f"  baseline: tomllib.load(uv.lock)          {big_baseline * 1000:8.1f} ms")
            print(f"  blastradius scan --format json           {big_scan * 1000:8.1f} ms  (target <= 2000 ms: {'OK' if big_scan <= 2 else 'OVER'})")
            print(f"  ratio scan / baseline                    {big_scan / big_baseline:8.2f}x")


if __name__ == "__main__":
    main()
