"""Markdown for PR comments and ``$GITHUB_STEP_SUMMARY``: the verdict and what would shrink it
first, the long lists folded into ``<details>``.

Why the size budget: GitHub rejects a step summary over 1 MiB (and a PR comment over 65,536
characters), so the package list is cut to fit with a note saying so. Why :func:`md`: package
names, summaries and paths come from the scanned project and from advisory feeds, i.e. from
strangers; every one is escaped so it renders as text -- no HTML, no links, no @-mentions,
no table breakage.
"""

from __future__ import annotations

import re
from typing import Any

from blastradius.report import present

MAX_BYTES = 1024 * 1024  # GitHub's step-summary limit (1 MiB)
DEFAULT_BUDGET = MAX_BYTES - 64 * 1024  # margin for other steps appending to the same summary
MAX_CELL = 300
MAX_FINDINGS = 60
MAX_CREDENTIALS = 100
MAX_GATE_DETAILS = 200

_SPECIAL = re.compile(r"([\\`*_\[\]~|])")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def md(value: Any, limit: int = MAX_CELL) -> str:
    """Text from the report as inert Markdown (safe in a table cell too)."""
    text = _CONTROL.sub(" ", str(value)).strip()
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _SPECIAL.sub(r"\\\1", text)
    return text.replace("@", "&#64;").replace(":/", "&#58;/")


def _row(cells: list[Any]) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def _num(value: Any) -> str:
    return "–" if value is None else md(value)


def render(report: dict[str, Any], *, budget: int = DEFAULT_BUDGET, **_: Any) -> str:
    head: list[str] = []
    score = present.score_value(report)
    gate = present.gate(report)
    roots = report["summary"].get("roots") or [report["input"]["file"]]
    title = "## blastradius: " + md(", ".join(roots))
    verdict = f"**Score {md(score)}/100**" if score is not None else "**Not scored** (the scoring stage did not run)"
    if gate:
        verdict += " · gate **" + ("PASS" if gate["passed"] else "FAIL") + "**"
        if gate["threshold"] is not None:
            verdict += f" (fails above {md(gate['threshold'])})"
        else:
            verdict += f" ({md(gate['criteria'])})"
    head += [title, "", verdict, ""]
    for line in present.compromised_lines(report):
        head += [f"> **🛑 {md(line, 600)}**", ""]  # one quote each: consecutive ">" lines merge
    for unit in present.units(report):
        if unit["credentials"] and unit["packages"] is not None:
            head.append(
                f"> Any one of {md(unit['packages'])} packages in the {md(unit['name'])} process can read "
                f"{len(unit['credentials'])} credential(s): {md(', '.join(unit['credentials']), 600)}."
            )
    if head[-1] == "":
        head.pop()
    if gate and gate["summary"]:
        head += [""] + [f"- ✗ {md(r, 600)}" for r in gate["summary"]]
        if gate["details"]:
            head += ["", f"<details><summary>What {'grew' if gate['growth'] else 'failed'} ({len(gate['details'])} item(s))</summary>", ""]
            head += [f"- {md(d, 400)}" for d in gate["details"][:MAX_GATE_DETAILS]]
            if len(gate["details"]) > MAX_GATE_DETAILS:
                head.append(f"- … and {len(gate['details']) - MAX_GATE_DETAILS} more (see the JSON report)")
            head += ["", "</details>"]
    if gate:
        head += [f"- note: {md(n, 600)}" for n in gate["notes"]]
    inp = report["input"]
    summary = report["summary"]
    head += [
        "",
        f"Input: {md(inp['file'])} ({md(inp['kind'])}) · {md(summary['packages'])} packages "
        f"({md(summary['direct'])} direct) · view: {md(report['view']['description'])} · "
        f"network: {md('; '.join(report.get('online') or []) or 'none')} · blastradius {md(report['tool']['version'])}",
    ]
    not_run = [md(c, 800) for c in present.coverage(report)]
    not_run += [f"{md(s['label'])}: {md(s['missing'])}" for s in present.stages(report) if not s["ran"]]
    if not_run:
        head += ["", "**Not part of this report:**", ""] + [f"- {line}." for line in not_run]

    body: list[str] = []
    findings = present.findings(report)
    if findings:
        body += ["", "### Findings and fixes", ""]
        reach = [f for f in findings if f["rule"] == "BR002"]
        others = [f for f in findings if f["rule"] != "BR002"]
        for f in others[:MAX_FINDINGS]:
            where = present.location_text(f["location"])
            body.append(f"- **{f['rule']}** {md(f['title'])}" + (f" ({md(where)})" if where else ""))
            body.append(f"  - Fix: {md(f['remediation'], 600)}")
        if len(others) > MAX_FINDINGS:
            body.append(f"- … and {len(others) - MAX_FINDINGS} more findings (see the HTML or JSON report)")
        if reach:
            body.append(f"- **BR002** {len(reach)} credential(s) share one process with many packages:")
            for f in reach[:MAX_FINDINGS]:
                body.append(f"  - {md(f['credential'])}: within reach of {md(f['reach'])} packages. {md(f['remediation'], 600)}")
            if len(reach) > MAX_FINDINGS:
                body.append(f"  - … and {len(reach) - MAX_FINDINGS} more")

    rows = present.comparison_rows(report)
    if rows and report.get("credentials") is not None and not present.credentials(report):
        body += ["", "### Single- vs multi-provider", "", "No credentials were found, so splitting the project by provider changes nothing."]
    elif rows:
        body += ["", "### Single- vs multi-provider", "", _row(["Variant", "Packages within reach", "Credentials", "Exposure pairs", "Score"]), "|---|--:|--:|--:|--:|"]
        for v in rows:
            shown = v["packages_display"] if v["packages_display"] is not None else v["packages"]
            body.append(_row([md(v["label"]), _num(shown), _num(v["credentials"]), _num(v["exposure"]), _num(v["score"])]))

    creds = present.credentials(report)
    if creds:
        body += ["", "### Credentials (names and places only)", "", _row(["Credential", "Provider", "Kind", "Within reach of", "Where found"]), "|---|---|---|--:|---|"]
        for c in creds[:MAX_CREDENTIALS]:
            where = list(dict.fromkeys(loc["where"] or loc["how"] for loc in c["locations"]))
            text = ", ".join(where[:4]) + (f", +{len(where) - 4} more" if len(where) > 4 else "")
            if c["fingerprints"]:
                text += " — literal value committed (" + ", ".join(c["fingerprints"]) + ")"
            body.append(_row([md(c["name"]), md(c["provider"] or "–"), md(c["kind"]), _num(c["reach"]), md(text)]))
        if len(creds) > MAX_CREDENTIALS:
            body.append(f"\n… and {len(creds) - MAX_CREDENTIALS} more credentials (see the JSON report)")

    tail: list[str] = []
    if report.get("score"):
        tail += ["", "<details><summary>How the score was computed</summary>", ""]
        formula = present.formula(report)
        if formula:
            tail.append(f"Formula: {md(formula, 1000)}")
            tail.append("")
        for name, value in present.weights(report):
            tail.append(f"- weight {md(name)} = {md(value)}")
        for line in present.explanation(report):
            tail.append(f"- {md(line, 1000)}")
        tail += ["", "</details>"]

    text = "\n".join(head + body)
    closing = "\n".join(tail) + "\n"
    packages = present.sort_packages(present.packages(report))
    table = [
        "",
        "",
        f"<details><summary>Packages ({len(packages)})</summary>",
        "",
        _row(["Package", "Version", "Depth", "Dependents", "Credentials reachable", "Capabilities", "Advisories", "Path from root"]),
        "|---|---|--:|--:|--:|---|---|---|",
    ]
    used = len(text.encode("utf-8")) + len(closing.encode("utf-8")) + sum(len(t.encode("utf-8")) + 1 for t in table) + 400
    shown = 0
    package_rows: list[str] = []
    for p in packages:
        advisories = ", ".join(a.get("advisory_id", "") for a in p["advisories"]) or ("none known" if report.get("advisories") else "–")
        caps = p["capabilities_text"] or "–"
        if p["verdict"] and p["verdict"] != "clean":
            caps = f"{p['verdict']}: {caps}"
        path = " → ".join(p["path"]) if p["path"] else "(parent unknown)"
        line = _row([md(p["name"]), md(p["version"] or "?"), _num(p["depth"]), md(p["dependents"]), _num(p["reach_count"]), md(caps), md(advisories), md(path, 400)])
        size = len(line.encode("utf-8")) + 1
        if used + size > budget:
            break
        used += size
        package_rows.append(line)
        shown += 1
    table += package_rows
    if shown < len(packages):
        table += ["", f"Showing {shown} of {len(packages)} packages to stay under GitHub's 1 MiB summary limit; the JSON and HTML reports list all of them."]
    table += ["", "</details>"]
    return text + "\n".join(table) + closing
