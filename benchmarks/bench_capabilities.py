"""Benchmark the capability analysis on the litellm-proxy environment (~100 packages).

Prints, from one run on this machine:
  baseline  single-process ``ast.parse`` of every ``.py`` file in the environment
  cold      ``analyse_environment`` with an empty result cache
  warm      the same call again (results served from the cache)
  ratios    cold / baseline (target <= 0.5), warm (target <= 0.5 s)
  peak RSS  of the measuring process and of its worker processes (target < 300 MiB)

Each measurement runs in a fresh process (bytecode caching allowed, as for an installed tool),
baseline/cold/warm interleaved over several rounds so load on a shared machine hits all three;
medians are reported, and the per-round ratios.

The workload is built when absent: a venv under the cache directory with
``pip install 'litellm[proxy]==1.82.6'`` (the index comes from the user's pip configuration).
Or pass ``--site-packages PATH`` to measure an existing environment.

    python benchmarks/bench_capabilities.py [--site-packages PATH] [--jobs N] [--rounds 3] [--json]
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import os
import resource
import shutil
import statistics
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


def child(mode: str, site: Path, cache: Path, jobs: int | None) -> None:
    """One measurement in a fresh process: prints seconds of the measured work (imports and
    interpreter start excluded) and the peak RSS of this process and of its workers."""
    extra: dict[str, object] = {}
    if mode == "baseline":
        seconds, n_files, n_bytes = baseline(site)
        extra = {"py_files": n_files, "py_bytes": n_bytes}
    else:
        from blastradius.capabilities.environment import analyse_environment

        start = time.perf_counter()
        result = analyse_environment(site, jobs=jobs, cache_dir=cache)
        seconds = time.perf_counter() - start
        verdicts: dict[str, int] = {}
        for analysis in result.values():
            verdicts[analysis.verdict] = verdicts.get(analysis.verdict, 0) + 1
        extra = {"packages": len(result), "verdicts": dict(sorted(verdicts.items())),
                 "digest": hashlib.sha256(json.dumps({k: v.to_dict() for k, v in result.items()},
                                                     sort_keys=True).encode()).hexdigest()}
    print(json.dumps({
        "seconds": seconds,
        "rss_main_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rss_worker_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        **extra,
    }))


# An installed tool runs from compiled bytecode (pip compiles it at install time). Some shells
# set PYTHONDONTWRITEBYTECODE, which would make every measured process recompile the modules of
# an editable install; the benchmark measures the installed experience (as bench_scan.py does).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run_child(mode: str, site: Path, cache: Path, jobs: int | None) -> dict:
    cmd = [sys.executable, __file__, "--child", mode, "--site-packages", str(site), "--cache", str(cache)]
    if jobs:
        cmd += ["--jobs", str(jobs)]
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, env=ENV, check=False)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"benchmark child {mode} failed:\n{done.stderr[-2000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["process_s"] = wall
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--site-packages", type=Path, default=None)
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--rounds", type=int, default=3, help="interleaved baseline/cold/warm rounds (median)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    parser.add_argument("--child", choices=("baseline", "cold", "warm"), help=argparse.SUPPRESS)
    parser.add_argument("--cache", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        child(args.child, args.site_packages, args.cache, args.jobs)
        return

    from blastradius.capabilities.cache import cache_root

    site = args.site_packages or build_workload(cache_root())
    # warm-up: page cache for the workload, bytecode cache for blastradius itself
    with tempfile.TemporaryDirectory(prefix="br-bench-cache-") as tmp:
        run_child("cold", site, Path(tmp), args.jobs)
    rounds: list[dict[str, dict]] = []
    # interleaved, so a load change on a shared machine hits baseline and cold alike
    for _ in range(max(1, args.rounds)):
        with tempfile.TemporaryDirectory(prefix="br-bench-cache-") as tmp:
            row = {"baseline": run_child("baseline", site, Path(tmp), args.jobs)}
            row["cold"] = run_child("cold", site, Path(tmp), args.jobs)
            row["warm"] = run_child("warm", site, Path(tmp), args.jobs)
        if row["cold"]["digest"] != row["warm"]["digest"]:
            raise SystemExit("warm results differ from cold results")
        rounds.append(row)

    def med(mode: str, key: str) -> float:
        return statistics.median(r[mode][key] for r in rounds)

    base_s, cold_s, warm_s = med("baseline", "seconds"), med("cold", "seconds"), med("warm", "seconds")
    ratios = [r["cold"]["seconds"] / r["baseline"]["seconds"] for r in rounds]
    first = rounds[0]
    rss_main = max(max(r[m]["rss_main_mib"] for m in ("cold", "warm")) for r in rounds)
    rss_worker = max(max(r[m]["rss_worker_mib"] for m in ("cold", "warm")) for r in rounds)
    result = {
        "packages": first["cold"]["packages"],
        "py_files": first["baseline"]["py_files"],
        "py_mb": round(first["baseline"]["py_bytes"] / 1e6, 1),
        "cpus": os.cpu_count(),
        "rounds": len(rounds),
        "baseline_ast_parse_s": round(base_s, 2),
        "cold_s": round(cold_s, 2),
        "warm_s": round(warm_s, 3),
        "cold_over_baseline": round(statistics.median(ratios), 3),
        "cold_over_baseline_per_round": [round(x, 3) for x in ratios],
        "warm_process_s": round(med("warm", "process_s"), 3),
        "peak_rss_mib_main": round(rss_main, 1),
        "peak_rss_mib_worker": round(rss_worker, 1),
        "verdicts": first["cold"]["verdicts"],
        "targets": {"cold_over_baseline": 0.5, "warm_s": 0.5, "peak_rss_mib": 300},
    }
    if args.json:
        print(json.dumps(result, indent=2, sort_keys=True))
        return
    print(f"workload: {result['packages']} packages, {result['py_files']} .py files, {result['py_mb']} MB, "
          f"{result['cpus']} CPUs, {len(rounds)} interleaved rounds (medians)")
    print(f"baseline (1 process, ast.parse every .py): {base_s:.2f} s")
    print(f"cold (empty cache):  {cold_s:.2f} s   = {result['cold_over_baseline']:.2f} x baseline (target <= 0.5; "
          f"per round {', '.join(f'{x:.2f}' for x in ratios)})")
    print(f"warm (cached):       {warm_s:.3f} s   (target <= 0.5 s; whole process incl. start-up "
          f"{result['warm_process_s']:.2f} s)")
    print(f"peak RSS: main {rss_main:.0f} MiB, largest worker {rss_worker:.0f} MiB (target < 300 MiB)")
    print(f"verdicts: {result['verdicts']}")


if __name__ == "__main__":
    main()
