"""Markdown for PR comments and the step summary: hostile text stays text, tables keep their
shape, and the output stays under GitHub's 1 MiB limit at any size."""

from __future__ import annotations

import re

from report_support import HOSTILE, full_report, hostile_report, run_cli

from blastradius.report import markdown

_UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


def table_rows(text: str) -> list[list[str]]:
    return [_UNESCAPED_PIPE.split(line)[1:-1] for line in text.splitlines() if line.startswith("| ")]


def test_hostile_text_is_inert():
    out = markdown.render(hostile_report())
    assert HOSTILE not in out and "<img" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert "](javascript" not in out and "[click]" not in out  # no link survives
    assert "@octocat" not in out  # no mention pings anyone
    assert "`" not in out.replace("\\`", "")  # no code span can open
    # every table row has as many cells as its header: no pipe from a name broke a table
    widths = {len(row) for row in table_rows(out)}
    assert widths <= {5, 8}, widths


def test_summary_has_verdict_comparison_and_a_details_package_list():
    report = full_report()
    out = markdown.render(report)
    assert f"**Score {report['score']['score']}/100**" in out
    assert "gate **FAIL**" in out and f"fails above {report['gate']['config']['fail_above']}" in out
    assert "<details><summary>Packages (" in out and out.count("</details>") == out.count("<details>")
    for variant in report["comparison"]["variants"]:
        assert str(variant["exposure_pairs"]) in out
    assert re.search(r"own proxy: −\d+ packages within its reach", out)
    package_rows = [r for r in table_rows(out) if len(r) == 8][1:]
    assert len(package_rows) == len(report["packages"])


def test_ten_thousand_packages_stay_under_one_mebibyte():
    report = full_report()
    template = report["packages"][0]
    report["packages"] = [
        dict(template, key=f"p{i}==1", name=f"package-number-{i}", path=[f"very-long-parent-name-{j}" for j in range(8)])
        for i in range(10_000)
    ]
    out = markdown.render(report)
    assert len(out.encode("utf-8")) < 1024 * 1024
    shown = re.search(r"Showing (\d+) of 10000 packages", out)
    assert shown and 0 < int(shown.group(1)) < 10_000
    assert out.rstrip().endswith("</details>")


def test_cli_markdown_output(tmp_path):
    out = tmp_path / "summary.md"
    proc = run_cli("scan", "fixtures/litellm-proxy", "--format", "markdown", "-o", str(out))
    assert proc.returncode in (0, 1), proc.stderr
    assert out.read_text(encoding="utf-8").startswith("## blastradius: ")
