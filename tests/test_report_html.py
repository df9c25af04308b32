"""HTML renderer without a browser: escaping, the CSP, no remote references, size at scale,
templates found both in a source checkout and inside a built wheel."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from report_support import HOSTILE, REPO, full_report, hostile_report

from blastradius.report import html, present, svg


def big_report(n: int) -> dict:
    """The fixture's report with ``n`` synthetic packages spread over depths 1-6."""
    report = full_report()
    root = report["summary"]["roots"][0]
    creds = [c["name"] for c in report["credentials"]["credentials"]]
    packages, reach = [], []
    for i in range(n):
        depth = 1 + i % 6
        path = [root] + [f"pkg-{(i // 6) % 20}-{d}" for d in range(1, depth)] + [f"pkg-{i}"]
        packages.append({"key": f"pkg-{i}==1.0", "name": f"pkg-{i}", "version": "1.0", "source": "registry", "depth": depth,
                         "direct": depth == 1, "dependents": i % 4, "groups": ["main"], "path": path, "path_known": True,
                         "hashes": 1, "location": f"uv.lock:{10 + i * 12}"})
        reach.append({"key": f"pkg-{i}==1.0", "name": f"pkg-{i}", "credentials": creds})
    report["packages"] = packages
    report["score"]["packages"] = reach
    report["summary"]["packages"] = n
    return report


def test_hostile_names_are_escaped_everywhere():
    out = html.render(hostile_report(), date="2026-04-01")
    assert HOSTILE not in out
    assert "<img" not in out
    assert "onerror=alert" not in out.replace("onerror=alert(2)&gt;", "")  # only as escaped text
    assert out.count("<script>") == 1
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out


def test_csp_forbids_remote_loads_and_pins_the_script():
    out = html.render(full_report(), date="2026-04-01")
    import html as stdhtml

    csp = stdhtml.unescape(re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', out).group(1))
    assert "default-src 'none'" in csp and "connect-src 'none'" in csp
    assert "http" not in csp and "*" not in csp and "unsafe-inline" not in csp
    import base64
    import hashlib

    script = re.search(r"<script>(.*?)</script>", out, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in csp
    style = re.search(r"<style>(.*?)</style>", out, re.S).group(1)
    assert base64.b64encode(hashlib.sha256(style.encode()).digest()).decode() in csp
    # no inline style attributes (the CSP would block them) and nothing remote to load
    assert ' style="' not in out
    assert not re.search(r'(src|href)="(https?:)?//', out)


def test_stage_that_did_not_run_is_said_plainly():
    report = full_report()
    for key in ("score", "comparison", "gate", "credentials", "advisories", "capabilities"):
        report[key] = None
    out = html.render(report, date="2026-04-01")
    assert 'id="stages-not-run"' in out
    for stage in present.stages(report):
        assert stage["missing"] in out
    assert "not scored" in out and 'id="no-comparison"' in out and 'id="no-credentials"' in out


def test_large_project_stays_small_and_the_picture_aggregates():
    report = big_report(600)
    out = html.render(report, date="2026-04-01")
    assert len(out.encode()) < 2_000_000
    picture = svg.blast_radius(present.packages(report), ["A_KEY"])
    assert 'class="band"' in picture  # crowded rings are aggregated
    assert picture.count('class="pkg ') < 300
    small = svg.blast_radius(present.packages(full_report()), ["A_KEY"])
    assert 'class="band"' not in small  # ... and only when crowded


def test_flagged_package_is_marked_in_the_picture():
    picture = html.render(hostile_report(), date="2026-04-01")
    assert re.search(r'class="pkg compromised" data-name="&lt;script&gt;alert\(1\)&lt;/script&gt;"', picture)


def test_templates_from_the_source_checkout():
    assert (Path(str(html.templates_dir())) / html.TEMPLATE).is_file()


@pytest.mark.network
def test_templates_ship_inside_the_wheel(tmp_path):
    """Build the wheel for real and render from it, away from the repository."""
    proc = subprocess.run(["uv", "build", "--wheel", "--out-dir", str(tmp_path), str(REPO)], capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        pytest.skip(f"cannot build the wheel (package index unreachable?): {proc.stderr.strip()[-200:]}")
    wheel = next(tmp_path.glob("blastradius-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for name in ("report.html.j2", "report.css", "report.js"):
        assert f"blastradius/templates/{name}" in names
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    report = tmp_path / "report.json"
    report.write_text(json.dumps(full_report()))
    code = (
        "import json,sys; from blastradius.report import html; "
        "d=html.templates_dir(); assert str(d).startswith(sys.argv[2]), d; "
        "sys.stdout.write(html.render(json.load(open(sys.argv[1])), date='2026-04-01'))"
    )
    run = subprocess.run([sys.executable, "-c", code, str(report), str(site)], cwd=tmp_path, capture_output=True, text=True,
                         env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"}, timeout=120)
    assert run.returncode == 0, run.stderr
    assert 'id="score-value"' in run.stdout
