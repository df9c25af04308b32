"""HTML: one self-contained file a reviewer opens offline (email attachment, CI artifact).

Why it is built this way: inline CSS and SVG only, the one script is optional (it only adds
sorting) and is allowed by hash in a Content-Security-Policy that forbids every remote load,
so the file can make no request even if a hostile package name tried to inject markup. Jinja2
autoescaping is on; the SVG is produced by :mod:`blastradius.report.svg`, which escapes every
string it draws. Everything shown comes from the report object (via
:mod:`blastradius.report.present`); nothing is recomputed here.
"""

from __future__ import annotations

import base64
import datetime as _dt
import hashlib
import os
from pathlib import Path
from typing import Any

from blastradius.report import present, svg

TEMPLATE = "report.html.j2"


def templates_dir() -> Any:
    """The templates shipped in the wheel (``blastradius/templates``), or the repository's
    ``reports/templates`` when running from a source checkout / editable install."""
    from importlib.resources import files

    packaged = files("blastradius") / "templates"
    if packaged.is_dir() and (packaged / TEMPLATE).is_file():
        return packaged
    source = Path(__file__).resolve().parents[3] / "reports" / "templates"
    if (source / TEMPLATE).is_file():
        return source
    from blastradius.errors import ReportError

    raise ReportError("HTML templates are missing from this installation (blastradius/templates)")


def _read(name: str) -> str:
    return (templates_dir() / name).read_text(encoding="utf-8")


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def report_date() -> str:
    """Today (UTC), or ``SOURCE_DATE_EPOCH`` when set, so a rebuild can be byte-identical."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return _dt.datetime.fromtimestamp(int(epoch), _dt.timezone.utc).strftime("%Y-%m-%d")
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d")


def _headline(report: dict[str, Any], credentials: list[dict[str, Any]], score: Any) -> str:
    n = report["summary"]["packages"]
    units = present.units(report)
    compromised = [f for f in present.findings(report) if f["rule"] == "BR001"]
    if compromised:
        names = ", ".join(f"{f['package']} {f['identity'][2]}" for f in compromised)
        held = f"{len(credentials)} credential(s) found in the project" if credentials else "whatever the host held"
        return (
            f"{len(compromised)} known-compromised release(s) pinned ({names}): their code already ran with "
            f"{held}. Rotate now; see the BR001 findings."
        )
    if report["input"].get("transitive_known") is False:
        return (
            f"{n} declared requirement(s) read; their dependencies are unknown (no lock, offline), so "
            "the real blast radius is larger than shown."
        )
    if credentials:
        names = len(credentials)
        biggest = max((u for u in units if u["packages"] is not None), key=lambda u: u["packages"] or 0, default=None)
        if biggest and biggest["credentials"]:
            return (
                f"Any one of {biggest['packages']} packages in the {biggest['name']} process can read "
                f"{len(biggest['credentials'])} credential(s) ({', '.join(biggest['credentials'][:4])}"
                f"{', …' if len(biggest['credentials']) > 4 else ''})."
            )
        return f"{n} packages are installed next to {names} credential(s)."
    if report.get("credentials") is None:
        return f"{n} packages resolved; credentials were not inventoried, so their reach is unknown."
    return f"{n} packages resolved; no credentials were found in the project."


def _cards(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One card per finding, except the per-credential reach findings, which share one cause
    (one process holds them all) and read better as one card with a line per credential."""
    reach = [f for f in findings if f["rule"] == "BR002"]
    cards = [f for f in findings if f["rule"] != "BR002"]
    if reach:
        card = {
            "rule": "BR002",
            "level": reach[0]["level"],
            "title": f"{len(reach)} credentials share a process with many packages"
            if len(reach) > 1
            else f"{reach[0]['credential']} shares a process with {reach[0]['reach']} packages",
            "message": "Each of these credentials can be read by any one of the packages installed next to it.",
            "remediation": "",
            "location": None,
            "where": "",
            "path": [],
            "members": reach,
        }
        position = next((i for i, f in enumerate(cards) if f["level"] != "error"), len(cards))
        cards.insert(position, card)
    return cards


def render(report: dict[str, Any], *, date: str | None = None, **_: Any) -> str:
    from jinja2 import DictLoader, Environment, select_autoescape
    from markupsafe import Markup

    css = _read("report.css")
    js = _read("report.js")
    env = Environment(
        loader=DictLoader({TEMPLATE: _read(TEMPLATE)}),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    csp = "; ".join(
        [
            "default-src 'none'",
            f"style-src {_csp_hash(css)}",
            f"script-src {_csp_hash(js)}",
            "img-src data:",
            "font-src 'none'",
            "connect-src 'none'",
            "base-uri 'none'",
            "form-action 'none'",
        ]
    )
    credentials = present.credentials(report)
    packages = present.sort_packages(present.packages(report))
    findings = present.findings(report)
    for f in findings:
        f["where"] = present.location_text(f["location"])
        f.setdefault("members", None)
    cards = _cards(findings)
    comparison = present.comparison_rows(report)
    score = present.score_value(report)
    if isinstance(score, (int, float)):
        score_class = "high" if score >= 67 else "mid" if score >= 34 else "low"
    else:
        score_class = "none"
    stages = present.stages(report)
    held = [c["name"] for c in credentials]
    unit_list = [u for u in present.units(report) if u["credentials"]]
    if unit_list:
        # the picture shows the process with the most packages: the one the score is about
        biggest = max(unit_list, key=lambda u: (u["packages"] or 0, len(u["credentials"])))
        held = sorted(biggest["credentials"])
    roots = report["summary"].get("roots") or []
    template = env.get_template(TEMPLATE)
    return template.render(
        r=report,
        csp=csp,
        css=Markup(css),
        js=Markup(js),
        date=date or report_date(),
        project_name=", ".join(roots) if roots else report["input"]["file"],
        score=score,
        score_class=score_class,
        gate=present.gate(report),
        headline=_headline(report, credentials, score),
        credentials=credentials,
        providers=sorted({c["provider"] for c in credentials if c["provider"]}),
        packages=packages,
        n_compromised=sum(1 for p in packages if p["compromised"]),
        n_flagged=sum(1 for p in packages if p["flagged"]),
        findings=cards,
        comparison=comparison,
        comparison_note=present.comparison_note(report),
        comparison_svg=Markup(svg.comparison_bars(comparison)) if comparison else "",
        blast_svg=Markup(svg.blast_radius(packages, held)),
        stages=stages,
        not_run=[s for s in stages if not s["ran"]],
        coverage=present.coverage(report),
        comparison_empty=bool(report.get("credentials") is not None and not credentials),
        formula=present.formula(report),
        weights=present.weights(report),
        units=present.units(report),
        explanation=present.explanation(report),
    )
