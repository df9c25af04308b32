"""Benchmark the capability analysis on the litellm-proxy environment (~100 packages).

Prints, from one run on this machine:
  baseline  single-process ``ast.parse`` of every ``.py`` file in the environment
  cold      ``analyse_environment`` with an empty result cache
  warm      the same call again (results served from the cache)
  ratios    cold / baseline (target <= 0.5), warm (target <= 0.5 s)
  peak RSS  of this process and of its worker processes (target < 300 MiB)

The workload is built when absent: a venv under the cache directory with
``pip install 'litellm[proxy]==1.82.6'`` (the index comes from the user's pip configuration).
Or pass ``--site-packages PATH`` to measure an existing environment.

    python benchmarks/bench_capabilities.py [--site-packages PATH] [--jobs N] [--json]
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

WORKLOAD_SPEC = "litellm[proxy]==1.82.6"


def build_workload(cache: Path) -> Path:
    venv = cache / "bench" / "litellm-proxy-venv"
    marker = venv / ".complete"
    if not marker.exists():
        if venv.exists():
            shutil.rmtree(venv)
        print(f"building workload: venv + pip install '{WORKLOAD_SPEC}' (about 35 s)...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        pip = venv / "bin" / "pip"
        subprocess.run([str(pip), "install", "-q", WORKLOAD_SPEC], check=True)
        marker.write_text("ok\n")
    sites = sorted(venv.glob("lib/python3*/site-packages"))
    if not sites:
        raise SystemExit("workload venv has no site-packages")
    return sites[0]


def baseline(site: Path) -> tuple[float, int, int]:
    files = [Path(dp, f) for dp, _dirs, names in os.walk(site) for f in names if f.endswith(".py")]
    start = time.perf_counter()
    total = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for path in files:
            data = path.read_bytes()
            total += len(data)
            try:
                ast.parse(data)
            except (SyntaxError, ValueError):
                pass
    return time.perf_counter() - start, len(files), total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--site-packages", type=Path, default=None)
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    args = parser.parse_args()

    from blastradius.capabilities.cache import cache_root
    from blastradius.capabilities.environment import analyse_environment

    site = args.site_packages or build_workload(cache_root())
    base_s, n_files, n_bytes = baseline(site)
    with tempfile.TemporaryDirectory(prefix="br-bench-cache-") as tmp:
        start = time.perf_counter()
        cold = analyse_environment(site, jobs=args.jobs, cache_dir=tmp)
        cold_s = time.perf_counter() - start
        start = time.perf_counter()
        warm = analyse_environment(site, jobs=args.jobs, cache_dir=tmp)
        warm_s = time.perf_counter() - start
    assert {k: v.to_dict() for k, v in cold.items()} == {k: v.to_dict() for k, v in warm.items()}
    self_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    verdicts: dict[str, int] = {}
    for analysis in cold.values():
        verdicts[analysis.verdict] = verdicts.get(analysis.verdict, 0) + 1
    result = {
        "packages": len(cold),
        "py_files": n_files,
        "py_mb": round(n_bytes / 1e6, 1),
        "cpus": os.cpu_count(),
        "baseline_ast_parse_s": round(base_s, 2),
        "cold_s": round(cold_s, 2),
        "warm_s": round(warm_s, 3),
        "cold_over_baseline": round(cold_s / base_s, 3),
        "peak_rss_mib_main": round(self_rss, 1),
        "peak_rss_mib_worker": round(child_rss, 1),
        "verdicts": dict(sorted(verdicts.items())),
        "targets": {"cold_over_baseline": 0.5, "warm_s": 0.5, "peak_rss_mib": 300},
    }
    if args.json:
        print(json.dumps(result, indent=2, sort_keys=True))
        return
    print(f"workload: {result['packages']} packages, {n_files} .py files, {result['py_mb']} MB, {result['cpus']} CPUs")
    print(f"baseline (1 process, ast.parse every .py): {base_s:.2f} s")
    print(f"cold (empty cache):  {cold_s:.2f} s   = {cold_s / base_s:.2f} x baseline (target <= 0.5)")
    print(f"warm (cached):       {warm_s:.3f} s   (target <= 0.5 s)")
    print(f"peak RSS: main {self_rss:.0f} MiB, largest worker {child_rss:.0f} MiB (target < 300 MiB)")
    print(f"verdicts: {result['verdicts']}")


if __name__ == "__main__":
    main()
