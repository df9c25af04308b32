"""Terminal report: the verdict first, then why, then the tables. Colour only on a terminal
and never when NO_COLOR is set."""

from __future__ import annotations

import os
from typing import Any


def _style(text: str, colour: bool, **kwargs: Any) -> str:
    if not colour:
        return text
    import click

    return click.style(text, **kwargs)


def _table(headers: list[str], rows: list[list[str]], right: set[int] = frozenset()) -> list[str]:  # type: ignore[assignment]
    widths = [len(h) for h in headers]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))

    def line(cells: list[str]) -> str:
        out = []
        for i, cell in enumerate(cells):
            out.append(cell.rjust(widths[i]) if i in right else cell.ljust(widths[i]))
        return "  ".join(out).rstrip()

    return [line(headers)] + [line(r) for r in rows]


def _join_limited(items: list[str], limit: int = 6) -> str:
    if len(items) <= limit:
        return ", ".join(items)
    return ", ".join(items[:limit]) + f", ... (+{len(items) - limit})"


def render(report: dict[str, Any], *, colour: bool | None = None, verbose: bool = False, limit: int = 25) -> str:
    if colour is None:
        colour = False
    if os.environ.get("NO_COLOR"):
        colour = False
    out: list[str] = []
    inp = report["input"]
    summary = report["summary"]
    score = report.get("score")
    gate = report.get("gate")

    if score:
        verdict = f"Blast radius: {score['score']}/100"
        if gate:
            if gate.get("passed"):
                verdict += " (" + _style("PASS", colour, fg="green", bold=True) + _gate_threshold(gate) + ")"
            else:
                verdict += " (" + _style("FAIL", colour, fg="red", bold=True) + _gate_threshold(gate) + ")"
        out.append(_style(verdict, colour, bold=True))
        for unit in score.get("units", []):
            creds = unit.get("credentials", [])
            out.append(
                f"  {unit['name']} unit: {unit['packages']} packages × {len(creds)} credentials"
                f" = {unit['exposure_pairs']} exposure pairs"
            )
            if creds:
                out.append(f"  any one of {unit['packages']} packages reaches {_join_limited(creds)}")
        for line in score.get("explanation", []):
            out.append(f"  · {line}")
        if gate:
            out += _gate_lines(gate, colour, verbose)
        out.append("")

    from blastradius.report import present

    alerts = [_style(line, colour, fg="red", bold=True) for line in present.compromised_lines(report)]
    alerts += [f"Not covered: {line}" for line in present.coverage(report)]
    alerts += [f"Not run:  {s['label']}: {s['missing']}" for s in present.stages(report) if not s["ran"]]
    if alerts:
        out += alerts + [""]

    out.append(f"Input:    {inp['file']} — {inp['reason']}")
    resolver = inp.get("resolver")
    if resolver and resolver["name"] == "none":
        out.append("Resolver: not run (--offline): the transitive set is unknown")
    elif resolver:
        online = "online" if resolver["online"] else "offline"
        out.append(f"Resolver: {resolver['name']} {resolver.get('version') or ''} ({online}, binary-only metadata)".replace("  ", " "))
    out.append(f"View:     {report['view']['description']}")
    if report.get("online"):
        out.append("Online:   " + "; ".join(report["online"]))
    else:
        out.append("Online:   nothing (offline scan on embedded data)")
    pkgs = summary["packages"]
    line = f"Packages: {pkgs} ({summary['direct']} direct, {summary['transitive']} transitive)"
    if inp.get("edges_complete"):
        line += f", max depth {summary['max_depth']}"
    out.append(line)
    if summary.get("group_counts"):
        extras = [f"{g} +{n}" for g, n in summary["group_counts"].items() if g != "main"]
        if extras:
            out.append("Groups:   " + _join_limited(extras, 8) + "  (packages each group adds; --group NAME / --all-groups)")
    if summary.get("cycles"):
        out.append(f"Cycles:   {len(summary['cycles'])}")
    for note in inp.get("notes", []):
        out.append(f"Note:     {note}")
    for warning in report.get("warnings", []):
        out.append(_style("Warning:  ", colour, fg="yellow") + warning)

    comparison = report.get("comparison")
    if comparison and comparison.get("variants"):
        out.append("")
        out.append(_style("Single- vs multi-provider", colour, bold=True))
        rows = []
        for variant in comparison["variants"]:
            credentials = variant.get("credentials_max")
            rows.append(
                [
                    variant["label"],
                    str(variant.get("packages")),
                    str(credentials),
                    str(variant.get("exposure_pairs")),
                    str(variant.get("score")),
                ]
            )
        out += ["  " + r for r in _table(["variant", "packages", "credentials/unit", "exposure", "score"], rows, {1, 2, 3, 4})]

    creds = report.get("credentials")
    if creds and creds.get("credentials"):
        out.append("")
        out.append(_style("Credentials", colour, bold=True) + "  (names and places only; values are never shown)")
        rows = []
        for cred in creds["credentials"]:
            places = []
            for loc in cred.get("locations", []):
                where = loc.get("location") or {}
                if where.get("path"):
                    places.append(where["path"] + (f":{where['line']}" if where.get("line") else ""))
                else:
                    places.append(loc.get("how", ""))
            text = _join_limited(sorted(dict.fromkeys(places), key=places.index), 3)
            if cred.get("fingerprints"):
                text += f"  (literal value present: {', '.join(cred['fingerprints'])}, redacted)"
            provider = cred.get("provider_name") or ""
            provider = provider if len(provider) <= 24 else provider[:23] + "…"
            rows.append([cred["name"], provider, cred.get("kind", ""), text])
        out += ["  " + r for r in _table(["CREDENTIAL", "PROVIDER", "KIND", "WHERE"], rows)]
        for secret in creds.get("plaintext_secrets", []):
            where = secret.get("location") or {}
            out.append(
                "  " + _style("plaintext secret in repository: ", colour, fg="red")
                + f"{secret['name']} at {where.get('path')}:{where.get('line')} ({secret.get('fingerprint')}, redacted)"
            )
        skipped = creds.get("skipped") or {}
        if skipped:
            out.append("  skipped: " + ", ".join(f"{n} {reason}" for reason, n in sorted(skipped.items())))

    out += _advisory_lines(report.get("advisories"), colour)

    out.append("")
    out.append(_style("Packages", colour, bold=True) + f"  (top {min(limit, pkgs)} by dependents; --format json for all)" if pkgs > limit and not verbose else _style("Packages", colour, bold=True))
    packages = sorted(report["packages"], key=lambda p: (-p["dependents"], p["depth"] if p["depth"] is not None else 99, p["name"]))
    if not verbose:
        packages = packages[:limit]
    rows = []
    for p in packages:
        path = " → ".join(p["path"]) if p["path"] else "(parent unknown: the input has no edges)"
        rows.append([p["name"], p["version"] or "?", "?" if p["depth"] is None else str(p["depth"]), str(p["dependents"]), path])
    out += ["  " + r for r in _table(["PACKAGE", "VERSION", "DEPTH", "DEPENDENTS", "PATH FROM ROOT"], rows, {2, 3})]
    return "\n".join(out) + "\n"


def _gate_threshold(gate: dict[str, Any]) -> str:
    config = gate.get("config") or {}
    if gate.get("growth") is not None:
        return ": baseline"
    threshold = config.get("fail_above")
    return f": threshold {threshold}" if threshold is not None else ""


def _gate_lines(gate: dict[str, Any], colour: bool, verbose: bool = False, limit: int = 10) -> list[str]:
    """What the gate decided and why; with a baseline, exactly what grew (the first ``limit``
    items, all of them with --verbose)."""
    from blastradius.report import present

    view = present.gate({"gate": gate}) or {}
    lines: list[str] = []
    for reason in view.get("summary", []):
        lines.append("  " + _style("✗ ", colour, fg="red") + reason)
    details = view.get("details", [])
    shown = details if verbose else details[:limit]
    for item in shown:
        lines.append(f"      {item}")
    if len(shown) < len(details):
        lines.append(f"      ... and {len(details) - len(shown)} more (--verbose or --format json for all)")
    growth = gate.get("growth")
    if growth is not None:
        if not growth.get("grew"):
            lines.append("  nothing grew since the baseline")
        if growth.get("changed_versions"):
            lines.append("  version changes (not growth): " + "; ".join(growth["changed_versions"]))
        if growth.get("changed_paths"):
            lines.append("  path changes (not growth): " + _join_limited(list(growth["changed_paths"]), 5))
        for waived in growth.get("waived", []):
            lines.append(f"  waived: {waived}")
    # expired waivers are among the gate's reasons above
    for note in gate.get("notes", []):
        lines.append(f"  note: {note}")
    config = gate.get("config") or {}
    if not gate.get("passed") and config.get("exit_zero"):
        lines.append("  --exit-zero: exiting 0 anyway")
    return lines


def _advisory_lines(advisories: dict[str, Any] | None, colour: bool) -> list[str]:
    """Known-bad pins first (with what the payload did and what to rotate), then ranges that
    admit a known-malicious release, then what could not be audited -- never shown as clean."""
    if not advisories:
        return []
    lines: list[str] = []
    findings = advisories.get("findings", [])
    if findings:
        lines += ["", _style("Known-bad versions", colour, bold=True, fg="red")]
    for finding in findings:
        ids = finding["advisory_id"]
        if finding.get("aliases"):
            ids += " (" + ", ".join(finding["aliases"]) + ")"
        label = "COMPROMISED" if finding.get("compromised") else (finding.get("severity") or "vulnerability")
        lines.append(f"  {finding['package']} {finding['version']}: {label} — {ids}")
        lines.append(f"    {finding.get('summary', '')}")
        if finding.get("dependency_path"):
            lines.append("    path: " + " → ".join(finding["dependency_path"]))
        if finding.get("what_it_did"):
            lines.append(f"    what it did: {finding['what_it_did']}")
        if finding.get("rotate"):
            lines.append("    rotate: " + "; ".join(finding["rotate"]))
        if finding.get("fixed_versions"):
            lines.append("    fixed in: " + ", ".join(finding["fixed_versions"]))
    admissible = advisories.get("admissible_malicious", [])
    if admissible:
        lines += ["", _style("Ranges that admit a known-malicious release", colour, bold=True, fg="yellow")]
    for item in admissible:
        spec = item.get("specifier") or "(any version)"
        versions = ", ".join(item.get("compromised_versions", [])) or ", ".join(item.get("admitted_ranges", []))
        if item.get("lock_avoids") is True:
            status = f"the lock avoids them (pins {', '.join(item.get('locked_versions', []))})"
        elif item.get("lock_avoids") is False:
            status = _style("the lock pins one of them", colour, fg="red")
        elif item.get("group"):
            status = f"group {item['group']} is outside this view, so its pin was not checked (--group {item['group']})"
        else:
            status = "nothing is locked: an unpinned install can pick one of them"
        where = f" at {item['location']}" if item.get("location") else ""
        lines.append(
            f"  {item['requirement']}{spec}{where} admits {versions} ({', '.join(item.get('advisory_ids', []))}); {status}"
        )
    unaudited = advisories.get("unaudited", [])
    if unaudited:
        names = [f"{u['name']} {u.get('version') or ''}".strip() for u in unaudited]
        lines += ["", _style("Unaudited (not clean: the advisory service did not answer for them)", colour, fg="yellow")]
        lines.append("  " + _join_limited(names, 12))
    for note in advisories.get("notes", []):
        lines.append(f"  note: {note}")
    return lines
