"""What a reviewer with one minute sees, on real scans: a failed gate says exactly why (and a
baseline failure shows counts first, the list folded), known-compromised pins lead every format,
what was not covered is said plainly, and the gate's fix names what would make it pass."""

from __future__ import annotations

import copy
import json
import re

from report_support import full_report, growth_report, scan_report

from blastradius.report import html, markdown, present, sarif, text


def _sarif_results(report: dict) -> list[dict]:
    return json.loads(sarif.render(report))["runs"][0]["results"]


def _gate_list(page: str) -> list[str]:
    block = re.search(r'<ul class="reasons" id="gate-reasons">(.*?)</ul>', page, re.S)
    assert block, "no gate reasons in the header"
    return re.findall(r"<li>(.*?)</li>", block.group(1))


# --- a baseline failure: counts first, the list on demand ------------------------------------


def test_growth_failure_is_summarised_in_every_format():
    report = growth_report()
    gate = report["gate"]
    growth = gate["growth"]
    assert growth["grew"] and len(gate["reasons"]) > 50  # the gate itemises every new package
    n_packages = len(set(growth["new_packages"]))

    page = html.render(report, date="2026-04-01")
    reasons = _gate_list(page)
    assert len(reasons) == 1, reasons  # before: one <li> per new package (133 in the header)
    assert f"{n_packages} new packages" in reasons[0]
    assert f"score {growth['score_before']} → {growth['score_after']}" in reasons[0]
    details = re.search(r'<details class="small" id="gate-details"><summary>What grew \((\d+) item', page)
    assert details and int(details.group(1)) >= n_packages
    # the header says what the gate checks, not "no threshold set"
    criteria = re.search(r'id="gate-threshold">([^<]*)<', page).group(1)
    assert "growth since the baseline" in criteria
    assert gate["notes"] and gate["notes"][0] in page.replace("&#39;", "'")

    md = markdown.render(report)
    head = md.split("### Findings")[0]
    assert head.count("- ✗ ") == 1 and "<details><summary>What grew (" in head
    assert md.count("<details>") == md.count("</details>")

    out = text.render(report)
    assert re.search(r"\.\.\. and \d+ more \(--verbose", out)
    assert len(out.splitlines()) < len(text.render(report, verbose=True).splitlines())

    gate_results = [r for r in _sarif_results(report) if r["ruleId"] == "BR007"]
    assert len(gate_results) == 1
    message = gate_results[0]["message"]["text"]
    assert f"{n_packages} new packages" in message and len(message) < 600
    assert "Remove what grew since the baseline" in message


# --- compromised pins lead ---------------------------------------------------------------------


def test_compromised_pins_lead_every_format():
    report = scan_report("fixtures/advisories/uv-project")
    bad = sorted(f["package"] for f in report["advisories"]["findings"] if f.get("compromised"))
    assert bad == ["litellm", "telnyx"]

    page = html.render(report, date="2026-04-01")
    headline = re.search(r'id="headline">([^<]*)<', page).group(1)
    assert headline.startswith("2 known-compromised release(s) pinned")  # before: "9 packages resolved; no credentials..."
    rows = re.findall(r'<tr class="([^"]*)" data-package="([^"]+)"', page)
    assert [name for _, name in rows[:2]] == bad and all(cls == "compromised" for cls, _ in rows[:2])
    assert all(cls != "compromised" for cls, _ in rows[2:])
    # no credentials: the comparison says so instead of drawing three identical bars
    assert 'id="no-comparison"' in page and 'id="comparison-chart"' not in page

    md = markdown.render(report)
    assert md.index("KNOWN-COMPROMISED: litellm 1.82.8") < md.index("### Findings")
    package_rows = [line for line in md.splitlines() if line.startswith("| ") and "→" in line]
    assert [row.split(" | ")[0].strip("| ") for row in package_rows[:2]] == bad

    out = text.render(report)
    assert out.index("KNOWN-COMPROMISED: litellm") < out.index("Input:")

    gate_result = [r for r in _sarif_results(report) if r["ruleId"] == "BR007"][0]
    assert "Remove or re-pin the known-compromised packages" in gate_result["message"]["text"]
    assert "raise the threshold" not in gate_result["message"]["text"]  # there is no threshold


def test_range_outside_the_view_is_not_called_unlocked():
    report = scan_report("fixtures/advisories/uv-project")
    dev = [a for a in report["advisories"]["admissible_malicious"] if a["group"] == "dev"]
    assert dev and dev[0]["lock_avoids"] is None
    out = text.render(report)
    line = next(line for line in out.splitlines() if "ultralytics>=8.3" in line)
    assert "outside this view" in line and "nothing is locked" not in line  # the lock does pin it
    finding = next(f for f in present.findings(report) if f["rule"] == "BR004" and f["package"] == "ultralytics")
    assert "--group dev" in finding["message"]
    assert "!=8.3.41" in finding["remediation"]


# --- what was not covered ------------------------------------------------------------------------


def test_unknown_transitive_set_is_said_plainly():
    report = scan_report("fixtures/advisories/unlocked-mcp", "--offline")
    assert report["input"]["transitive_known"] is False
    page = html.render(report, date="2026-04-01")
    assert "their dependencies are unknown" in re.search(r'id="headline">([^<]*)<', page).group(1)
    assert "Transitive dependencies unknown" in re.search(r'id="stages-not-run">(.*?)</div>', page, re.S).group(1)
    assert "Transitive dependencies unknown" in markdown.render(report).split("### Findings")[0]
    assert "Not covered: Transitive dependencies unknown" in text.render(report)
    # a locked scan knows its transitive set and says nothing of the kind
    assert not any("Transitive" in c for c in present.coverage(full_report()))


def test_partly_analysed_code_names_the_packages_left_out():
    report = copy.deepcopy(full_report())
    names = sorted({p["name"] for p in report["packages"]})
    left_out = names[:3]
    report["capabilities"] = {
        "analyses": {
            n: {"name": n, "version": None, "capabilities": [], "env_names": [], "verdict": "clean", "evidence": [], "notes": []}
            for n in names[3:]
        },
        "hash_mismatches": [],
        "not_analysed": {n: "not installed in the environment" for n in left_out},
    }
    line = next(c for c in present.coverage(report) if c.startswith("Capability analysis"))
    assert line.startswith("Capability analysis: 3 package(s) not analysed (not installed in the environment)")
    assert all(n in line for n in left_out)
    page = html.render(report, date="2026-04-01")
    assert "3 package(s) not analysed" in page
    assert "3 package(s) not analysed" in markdown.render(report)
    assert "Not covered: Capability analysis: 3 package(s)" in text.render(report)
    # every package analysed: nothing to say
    report["capabilities"]["not_analysed"] = {}
    assert not any(c.startswith("Capability analysis") for c in present.coverage(report))


# --- a threshold failure names the variant that would pass ---------------------------------------


def test_threshold_failure_names_a_variant_that_passes():
    report = full_report()
    threshold = report["gate"]["config"]["fail_above"]
    passing = [v for v in report["comparison"]["variants"][1:] if v["score"] <= threshold]
    assert passing  # the fixture's single-provider variant scores under the test threshold
    best = max(passing, key=lambda v: v["score"])
    finding = next(f for f in present.findings(report) if f["rule"] == "BR007")
    assert f"“{best['label']}” scores {best['score']} (≤ {threshold})" in finding["remediation"]
    # and says so when nothing passes
    strict = copy.deepcopy(report)
    strict["gate"]["config"]["fail_above"] = strict["gate"]["fail_above"] = 1
    finding = next(f for f in present.findings(strict) if f["rule"] == "BR007")
    assert "No comparison variant scores 1 or less" in finding["remediation"]


def test_one_sarif_rule_per_finding_type():
    report = full_report()
    results = _sarif_results(report)
    assert [r["ruleId"] for r in results].count("BR007") == 1
    assert "BR006" not in {r["ruleId"] for r in results}  # BR006 is a vulnerability, never the gate
    assert present.RULES["BR006"]["name"] == "KnownVulnerability"


def test_credential_places_are_not_repeated_in_markdown():
    report = full_report()
    md = markdown.render(report)
    for row in (line for line in md.splitlines() if line.startswith("| DATABASE")):
        places = row.split(" | ")[4].split(" — ")[0].split(", ")
        assert len(places) == len(set(places)), row
