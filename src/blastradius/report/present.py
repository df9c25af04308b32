"""What the human and machine formats (HTML, Markdown, SARIF) show, gathered from the report
object in one place so the three agree.

Why a separate module: the report object is organised by pipeline stage (packages, credentials,
advisories, capabilities, score, comparison, gate); a reviewer wants it organised by question
("how big, why, what shrinks it"). This module only *looks things up and joins them* -- every
number it returns was already in the report; nothing is recomputed. The few sections other
stages own are read tolerantly (a missing key is "not reported", never an exception) so a stage
that did not run, or an older report, still renders.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any, Iterable

# Stable SARIF rule ids (never renumber: GitHub code scanning keys alerts by rule id).
RULES: dict[str, dict[str, Any]] = {
    "BR001": {
        "name": "KnownCompromisedPackage",
        "title": "Known-compromised package pinned",
        "description": "A pinned package version is a known-malicious release: its code already ran with every "
        "credential the process held.",
        "help": "Remove or re-pin the package to a clean version, rebuild every image and environment that "
        "installed it, and rotate every credential the process could read.",
        "level": "error",
        "security_severity": "10.0",
    },
    "BR002": {
        "name": "HighBlastRadiusCredential",
        "title": "Credential reachable by many packages",
        "description": "A credential sits in a process with many third-party packages: any one of them, if "
        "compromised, can read it.",
        "help": "Give the credential its own process (a single-provider proxy or a separate service) so fewer "
        "packages share its memory and environment.",
        "level": "warning",
        "security_severity": "7.0",
    },
    "BR003": {
        "name": "PlaintextSecretInRepository",
        "title": "Plaintext secret in repository",
        "description": "A literal secret value is committed to the repository (only its redacted fingerprint "
        "is reported).",
        "help": "Rotate the secret, remove it from the repository history, and reference it from the "
        "environment or a secret store instead.",
        "level": "error",
        "security_severity": "8.0",
    },
    "BR004": {
        "name": "RangeAdmitsMaliciousRelease",
        "title": "Declared range admits a known-malicious release",
        "description": "A declared requirement range admits a release known to be malicious; an unlocked install "
        "(pip, uvx, a fresh image build) can pick it.",
        "help": "Pin the requirement (or exclude the malicious versions with !=) and install from a lock with "
        "hashes.",
        "level": "error",
        "security_severity": "9.0",
    },
    "BR005": {
        "name": "DangerousPackageCapability",
        "title": "Package code has dangerous capabilities",
        "description": "Static analysis of the package found high-risk behaviour (start-up hooks, decoded "
        "execution, environment harvesting, credential-file reads).",
        "help": "Review the evidence; replace or pin the package and keep it away from processes that hold "
        "credentials.",
        "level": "warning",
        "security_severity": "7.5",
    },
    "BR006": {
        "name": "KnownVulnerability",
        "title": "Pinned package has a known vulnerability",
        "description": "A pinned package version is affected by a published (non-malicious) vulnerability.",
        "help": "Upgrade to a fixed version; if none exists, review the advisory and keep the package away from "
        "processes that hold credentials.",
        "level": "warning",
        "security_severity": "5.0",
    },
    "BR007": {
        "name": "BlastRadiusGateFailed",
        "title": "Blast-radius gate failed",
        "description": "The CI gate failed: the score is above the configured threshold, a known-compromised "
        "release is pinned, or the blast radius grew since the baseline.",
        "help": "Fix what the message names: remove compromised pins, split credentials into smaller processes "
        "(see the comparison), or remove what grew since the baseline.",
        "level": "error",
        "security_severity": "7.0",
    },
}

# Where a credential finding points: the config that hands the key to the process beats a
# template file that merely names it.
_HOW_RANK = {"litellm": 0, "python": 1, "compose": 2, "kubernetes": 2, "dockerfile": 3, "github": 3, "dotenv": 4}

_SEVERITY_SCORE = {"critical": "9.5", "high": "8.0", "medium": "5.5", "moderate": "5.5", "low": "3.0"}


def stable_id(*parts: str) -> str:
    """A short hash of a finding's identity (rule + package/credential), never of a line number,
    so an alert survives edits that move lines."""
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


def parse_location(value: Any) -> dict[str, Any] | None:
    """``"uv.lock:123"`` or ``{"path": ..., "line": ...}`` -> ``{"path", "line"}`` (None if empty)."""
    if not value:
        return None
    if isinstance(value, dict):
        path = value.get("path") or ""
        line = value.get("line")
        return {"path": path, "line": line if isinstance(line, int) else None} if path else None
    text = str(value)
    path, sep, tail = text.rpartition(":")
    if sep and tail.isdigit() and path:
        return {"path": path, "line": int(tail)}
    return {"path": text, "line": None}


def location_text(location: dict[str, Any] | None) -> str:
    if not location:
        return ""
    return location["path"] if location.get("line") is None else f"{location['path']}:{location['line']}"


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def _count(value: Any) -> int | None:
    """A reach may be reported as a number or as the list of what is reached."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, (list, tuple)):
        return len(value)
    if isinstance(value, dict):
        for key in ("count", "packages", "reach", "credentials"):
            if key in value:
                return _count(value[key])
    return None


def _names(value: Any) -> list[str]:
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    if isinstance(value, dict):
        for key in ("credentials", "names", "reach"):
            if isinstance(value.get(key), (list, tuple)):
                return [str(v) for v in value[key]]
    return []


# ---------------------------------------------------------------------------------------------
# Section accessors


def stages(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Which optional stages ran, so every format can say plainly what was not looked at."""
    labels = [
        ("credentials", "Credential inventory", "credentials were not inventoried"),
        ("capabilities", "Capability analysis", "package code was not analysed (run with --fetch or --env)"),
        ("advisories", "Advisories", "no advisory check ran"),
        ("score", "Scoring", "no blast-radius score was computed"),
        ("comparison", "Single- vs multi-provider comparison", "no comparison was made"),
        ("gate", "Gate", "no gate was configured"),
    ]
    out = [
        {"key": key, "label": label, "ran": report.get(key) is not None, "missing": missing}
        for key, label, missing in labels
    ]
    caps = report.get("capabilities")
    if isinstance(caps, dict) and not capabilities_by_package(report):
        skipped = not_analysed(report)
        reasons = sorted(set(skipped.values()))
        out[1]["ran"] = False
        out[1]["missing"] = f"no package code was analysed ({_skipped_count(report, skipped)} not analysed"
        out[1]["missing"] += f": {reasons[0]})" if len(reasons) == 1 else ")"
    return out


def _skipped_count(report: dict[str, Any], skipped: dict[str, str]) -> int:
    """Package rows (not distinct names) left out, so the count matches the package total:
    a universal lock can pin two versions of one name."""
    rows = sum(1 for p in report.get("packages", []) if p.get("key") in skipped or p.get("name") in skipped)
    return rows or len(skipped)


def capabilities_by_package(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Capability analyses keyed by package key *and* name (the stage may key by either)."""
    caps = report.get("capabilities")
    if not isinstance(caps, dict):
        return {}
    source = caps.get("analyses") if isinstance(caps.get("analyses"), dict) else caps
    if isinstance(caps.get("packages"), dict):
        source = caps["packages"]
    out: dict[str, dict[str, Any]] = {}
    items: Iterable[tuple[str, Any]]
    if isinstance(source, list):
        items = ((str(a.get("name")), a) for a in source if isinstance(a, dict))
    else:
        items = source.items()
    for key, analysis in items:
        if not isinstance(analysis, dict) or "verdict" not in analysis:
            continue
        out[key] = analysis
        name = analysis.get("name")
        if name:
            version = analysis.get("version")
            out.setdefault(f"{name}=={version}" if version else name, analysis)
            out.setdefault(name, analysis)
    return out


def not_analysed(report: dict[str, Any]) -> dict[str, str]:
    caps = report.get("capabilities")
    if isinstance(caps, dict) and isinstance(caps.get("not_analysed"), dict):
        return {str(k): str(v) for k, v in caps["not_analysed"].items()}
    return {}


def advisories_by_package(report: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    adv = report.get("advisories")
    out: dict[str, list[dict[str, Any]]] = {}
    if not isinstance(adv, dict):
        return out
    for finding in _list(adv.get("findings")):
        key = finding.get("package_key") or f"{finding.get('package')}=={finding.get('version')}"
        out.setdefault(key, []).append(finding)
    return out


def package_reach(report: dict[str, Any]) -> dict[str, list[str]]:
    """Credentials each package can reach, as the scoring stage reported them (by key or name)."""
    score = report.get("score")
    if not isinstance(score, dict):
        return {}
    for field in ("package_reach", "packages", "per_package"):
        value = score.get(field)
        if isinstance(value, dict):
            return {str(k): _names(v) for k, v in value.items()}
        if isinstance(value, list):
            out = {}
            for item in value:
                if isinstance(item, dict) and (item.get("key") or item.get("name")):
                    out[str(item.get("key") or item.get("name"))] = _names(item)
            return out
    return {}


def credential_reach(report: dict[str, Any]) -> dict[str, int]:
    """Packages within reach of each credential, as the scoring stage reported them."""
    score = report.get("score")
    if not isinstance(score, dict):
        return {}
    for field in ("credential_reach", "credentials", "per_credential"):
        value = score.get(field)
        if isinstance(value, dict):
            out = {}
            for k, v in value.items():
                n = _count(v)
                if n is not None:
                    out[str(k)] = n
            return out
        if isinstance(value, list):
            out = {}
            for item in value:
                if isinstance(item, dict) and item.get("name") is not None:
                    n = _count(item.get("packages_reaching", item.get("packages", item.get("reach", item.get("count")))))
                    if n is not None:
                        out[str(item["name"])] = n
            return out
    return {}


def units(report: dict[str, Any]) -> list[dict[str, Any]]:
    score = report.get("score")
    if not isinstance(score, dict):
        return []
    out = []
    for unit in _list(score.get("units")):
        if not isinstance(unit, dict):
            continue
        packages = unit.get("packages")
        creds = _names(unit.get("credentials")) if not isinstance(unit.get("credentials"), (list, tuple)) else [
            str(c) for c in unit["credentials"]
        ]
        out.append(
            {
                "name": str(unit.get("name", "")),
                "packages": _count(packages) if packages is not None else None,
                "credentials": creds,
                "exposure": unit.get("exposure_pairs", unit.get("exposure")),
                "score": unit.get("score"),
            }
        )
    return out


def explanation(report: dict[str, Any]) -> list[str]:
    score = report.get("score")
    if not isinstance(score, dict):
        return []
    for field in ("explanation", "explain", "lines"):
        value = score.get(field)
        if isinstance(value, list):
            return [str(v) for v in value]
        if isinstance(value, str):
            return [value]
    return []


def weights(report: dict[str, Any]) -> list[tuple[str, str]]:
    score = report.get("score")
    value = score.get("weights") if isinstance(score, dict) else None
    if isinstance(value, dict):
        return [(str(k), _plain(value[k])) for k in sorted(value)]
    return []


def _plain(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}={_plain(value[k])}" for k in sorted(value))
    if isinstance(value, (list, tuple)):
        return ", ".join(_plain(v) for v in value)
    return str(value)


def comparison_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per comparison variant. ``packages`` is the largest number of packages any one
    credential shares a process with in that variant (what the bar chart draws);
    ``packages_display`` is the variant's own text (``"7..45"`` across split units)."""
    comparison = report.get("comparison")
    if not isinstance(comparison, dict):
        return []
    rows = []
    for variant in _list(comparison.get("variants")):
        if not isinstance(variant, dict):
            continue
        raw = variant.get("packages")
        packages = variant.get("packages_max")
        if not isinstance(packages, int):
            packages = _count(raw) if not isinstance(raw, str) else (int(raw) if raw.isdigit() else None)
        credentials = variant.get("credentials_total", variant.get("credentials"))
        rows.append(
            {
                "key": str(variant.get("key", "")),
                "label": str(variant.get("label", "")),
                "packages": packages,
                "packages_display": raw if isinstance(raw, str) else None,
                "credentials": _count(credentials),
                "credentials_max": variant.get("credentials_max"),
                "exposure": variant.get("exposure_pairs", variant.get("exposure")),
                "score": variant.get("score"),
                "description": variant.get("description") or "",
                "notes": [str(n) for n in _list(variant.get("notes"))],
                "units": [u for u in _list(variant.get("units")) if isinstance(u, dict)],
                "provider": variant.get("provider"),
            }
        )
    return rows


def comparison_note(report: dict[str, Any]) -> dict[str, str]:
    comparison = report.get("comparison")
    if not isinstance(comparison, dict):
        return {}
    out = {}
    for key in ("model", "provider_reason"):
        if comparison.get(key):
            out[key] = str(comparison[key])
    closures = comparison.get("closures")
    if isinstance(closures, dict) and closures.get("description"):
        out["closures"] = str(closures["description"])
    return out


def gate(report: dict[str, Any]) -> dict[str, Any] | None:
    value = report.get("gate")
    if not isinstance(value, dict):
        return None
    config = value.get("config") if isinstance(value.get("config"), dict) else {}
    threshold = value.get("fail_above")
    if threshold is None:
        threshold = config.get("fail_above", value.get("threshold"))
    baseline = value.get("baseline") or config.get("baseline")
    rules = []
    if threshold is not None and not baseline:
        rules.append(f"score above {threshold}")
    if config.get("max_credentials_per_unit") is not None:
        rules.append(f"more than {config['max_credentials_per_unit']} credentials in one unit")
    if config.get("max_packages") is not None:
        rules.append(f"more than {config['max_packages']} packages")
    for item in _list(config.get("fail_on")):
        rules.append({"known-compromised": "a known-compromised pin"}.get(str(item), str(item)))
    if baseline:
        rules.append(f"growth since the baseline {baseline}")
    reasons = list(dict.fromkeys(str(r) for r in _list(value.get("reasons"))))
    growth = value.get("growth") if isinstance(value.get("growth"), dict) else None
    # The gate lists every new package/credential/path as an indented reason; a reviewer needs
    # the counts first and the list on demand, so the summary folds them into one line.
    details = [r.strip() for r in reasons if r[:1].isspace()]
    summary = []
    for reason in (r for r in reasons if not r[:1].isspace()):
        if growth and details and reason.startswith("grew since the baseline"):
            # the gate's own count includes repeated paths; the summary counts distinct items
            reason = re.sub(r"\s*\(\d+ change\(s\)\)", "", reason).rstrip(":") + ": " + growth_summary(growth)
        summary.append(reason)
    if rules:
        criteria = "fails on " + " or ".join(rules)
    else:
        criteria = "no failure rule configured"
    return {
        "passed": bool(value.get("passed", True)),
        "threshold": None if baseline else threshold,
        "baseline": baseline,
        "rules": rules,
        "criteria": criteria,
        "reasons": reasons,
        "summary": summary,
        "details": details,
        "growth": growth,
        "notes": [str(n) for n in _list(value.get("notes"))],
    }


def growth_summary(growth: dict[str, Any]) -> str:
    """``score 18 → 99 (+81); 116 new packages, 13 new credentials``."""
    parts = []
    before, after = growth.get("score_before"), growth.get("score_after")
    if isinstance(before, (int, float)) and isinstance(after, (int, float)) and after != before:
        parts.append(f"score {before} → {after} ({after - before:+})")
    counts = []
    for key, label in (("new_packages", "new package"), ("new_credentials", "new credential"),
                       ("new_holdings", "new holding")):
        n = len(set(_list(growth.get(key))))
        if n:
            counts.append(f"{n} {label}{'s' if n != 1 else ''}")
    if counts:
        parts.append(", ".join(counts))
    return "; ".join(parts) or "see the details"


def score_value(report: dict[str, Any]) -> Any:
    score = report.get("score")
    return score.get("score") if isinstance(score, dict) else None


def formula(report: dict[str, Any]) -> str:
    score = report.get("score")
    value = score.get("formula") if isinstance(score, dict) else None
    return _plain(value) if value else ""


def credentials(report: dict[str, Any]) -> list[dict[str, Any]]:
    inv = report.get("credentials")
    if not isinstance(inv, dict):
        return []
    reach = credential_reach(report)
    out = []
    for cred in _list(inv.get("credentials")):
        locations = []
        for loc in _list(cred.get("locations")):
            where = parse_location(loc.get("location")) if isinstance(loc, dict) else parse_location(loc)
            how = loc.get("how", "") if isinstance(loc, dict) else ""
            locations.append(
                {
                    "where": location_text(where),
                    "location": where,
                    "how": how,
                    "unit": loc.get("unit", "") if isinstance(loc, dict) else "",
                    "detail": loc.get("detail", "") if isinstance(loc, dict) else "",
                }
            )
        out.append(
            {
                "name": cred.get("name", ""),
                "provider": cred.get("provider_name") or cred.get("provider_id") or "",
                "provider_id": cred.get("provider_id") or "",
                "kind": cred.get("kind", ""),
                "locations": locations,
                "units": [str(u) for u in _list(cred.get("units"))],
                "fingerprints": [str(f) for f in _list(cred.get("fingerprints"))],
                "reach": reach.get(cred.get("name", "")),
            }
        )
    return out


def packages(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Package rows joined with their capabilities, advisories and credential reach."""
    caps = capabilities_by_package(report)
    advs = advisories_by_package(report)
    reach = package_reach(report)
    skipped = not_analysed(report)
    caps_ran = report.get("capabilities") is not None
    out = []
    for p in report.get("packages", []):
        key, name = p["key"], p["name"]
        analysis = caps.get(key) or caps.get(name)
        findings = advs.get(key, []) or advs.get(name, [])
        creds = reach.get(key, reach.get(name))
        if analysis:
            cap_text = ", ".join(analysis.get("capabilities") or []) or "none found"
            verdict = analysis.get("verdict", "clean")
        elif caps_ran:
            cap_text = "not analysed"
            verdict = None
        else:
            cap_text = ""
            verdict = None
        compromised = any(f.get("compromised") or f.get("kind") == "malicious" for f in findings)
        out.append(
            {
                **p,
                "verdict": verdict,
                "capabilities_text": cap_text,
                "analysis": analysis,
                "advisories": findings,
                "compromised": compromised,
                "vulnerable": bool(findings) and not compromised,
                "flagged": verdict in ("high", "critical"),
                "reach": creds,
                "reach_count": None if creds is None else len(creds),
            }
        )
    return out


def _smallest_unit_holding(rows: list[dict[str, Any]], name: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The comparison unit with the fewest packages that still holds credential ``name``."""
    best = None
    for row in rows:
        for unit in row["units"]:
            if name in _list(unit.get("credentials")) and isinstance(unit.get("packages"), int):
                if best is None or unit["packages"] < best[0]["packages"]:
                    best = (unit, row)
    return best


def findings(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Every finding with its rule, where it is caused, and the remediation that removes it.

    ``identity`` is what the SARIF fingerprint is built from (rule + package/credential,
    never a line number)."""
    out: list[dict[str, Any]] = []
    by_key = {p["key"]: p for p in report.get("packages", [])}
    by_name: dict[str, dict[str, Any]] = {}
    for p in report.get("packages", []):
        by_name.setdefault(p["name"], p)
    input_file = report.get("input", {}).get("file") or ""

    def package_location(key: str, name: str) -> dict[str, Any] | None:
        pkg = by_key.get(key) or by_name.get(name)
        return parse_location(pkg.get("location")) if pkg else None

    adv = report.get("advisories") if isinstance(report.get("advisories"), dict) else {}
    for f in _list(adv.get("findings")):
        name, version = str(f.get("package", "")), str(f.get("version", ""))
        key = f.get("package_key") or f"{name}=={version}"
        malicious = f.get("compromised") or f.get("kind") == "malicious"
        fixed = [str(v) for v in _list(f.get("fixed_versions"))]
        rotate = [str(v) for v in _list(f.get("rotate"))]
        path = [str(v) for v in _list(f.get("dependency_path"))]
        if malicious:
            remedy = f"Remove {name} {version} or pin a clean version"
            if fixed:
                remedy += f" (fixed in {', '.join(fixed)})"
            remedy += "; rebuild every environment that installed it"
            if rotate:
                remedy += f"; rotate {', '.join(rotate)}"
            remedy += "."
        else:
            remedy = f"Upgrade {name} to {', '.join(fixed)}." if fixed else f"No fixed version of {name} is known; review the advisory."
        advisory = str(f.get("advisory_id", ""))
        aliases = [str(a) for a in _list(f.get("aliases"))]
        sev = str(f.get("severity") or "").lower()
        out.append(
            {
                "rule": "BR001" if malicious else "BR006",
                "level": "error" if malicious or sev in ("critical", "high") else "warning",
                "security_severity": "10.0" if malicious else _SEVERITY_SCORE.get(sev, "5.0"),
                "title": f"{name} {version} is {'a known-malicious release' if malicious else 'affected by a known vulnerability'} ({advisory})",
                "message": f"{name} {version} matches {advisory}"
                + (f" ({', '.join(aliases)})" if aliases else "")
                + (f": {f.get('summary')}" if f.get("summary") else "")
                + (f". What it did: {str(f.get('what_it_did')).rstrip('.')}." if f.get("what_it_did") else ""),
                "remediation": remedy,
                "location": package_location(key, name),
                "identity": ["BR001" if malicious else "BR006", name, version, advisory],
                "package": name,
                "path": path,
            }
        )
    for a in _list(adv.get("admissible_malicious")):
        req = str(a.get("requirement", ""))
        versions = [str(v) for v in _list(a.get("compromised_versions"))] + [str(v) for v in _list(a.get("admitted_ranges"))]
        admits = _version_span(versions)
        locked = a.get("locked_version")
        lock_note = ""
        if a.get("lock_avoids") is True:
            lock_note = f" The lock pins {locked}, which is clean, but any unlocked install can still pick a bad release."
        elif a.get("lock_avoids") is False:
            lock_note = f" The lock pins {locked}, one of them."
        elif a.get("group"):
            lock_note = f" It is in group {a.get('group')}, outside this view: its pin was not checked (scan with --group {a.get('group')})."
        bad = [str(v) for v in _list(a.get("compromised_versions"))]
        out.append(
            {
                "rule": "BR004",
                "level": "error",
                "security_severity": RULES["BR004"]["security_severity"],
                "title": f"{req}{a.get('specifier') or ''} admits known-malicious {admits}",
                "message": f"The requirement {req}{a.get('specifier') or ''} admits {admits} "
                f"({', '.join(str(i) for i in _list(a.get('advisory_ids')))}).{lock_note}",
                "remediation": f"Pin {req} to a clean version with hashes"
                + (f" (or exclude {','.join('!=' + v for v in bad)})" if bad and len(bad) <= 6 else "")
                + "; unlocked installs (pip, uvx, image builds) can otherwise pick a malicious release.",
                "location": parse_location(a.get("location")),
                "identity": ["BR004", req, str(a.get("specifier") or ""), str(a.get("group") or "")],
                "package": req,
                "path": [],
            }
        )

    inv = report.get("credentials") if isinstance(report.get("credentials"), dict) else {}
    for s in _list(inv.get("plaintext_secrets")):
        loc = parse_location(s.get("location"))
        out.append(
            {
                "rule": "BR003",
                "level": "error",
                "security_severity": RULES["BR003"]["security_severity"],
                "title": f"Plaintext value of {s.get('name')} committed to the repository",
                "message": f"{s.get('name')} has a literal value in {location_text(loc)} (fingerprint {s.get('fingerprint')}, redacted).",
                "remediation": f"Rotate {s.get('name')}, remove the value from the repository and its history, and read it from the environment.",
                "location": loc,
                "identity": ["BR003", str(s.get("name")), str(loc["path"] if loc else ""), str(s.get("fingerprint"))],
                "package": None,
                "path": [],
            }
        )

    rows = comparison_rows(report)
    total = report.get("summary", {}).get("packages")
    for cred in credentials(report):
        reach = cred["reach"]
        # provider keys and cloud credentials are what a per-provider split can isolate
        if reach is None or cred["kind"] not in ("provider-key", "cloud") or reach < 2:
            continue
        remedy = f"Move {cred['name']} to a process of its own (a single-provider proxy) so fewer packages share it."
        alone = _smallest_unit_holding(rows[1:], cred["name"])
        if alone is not None:
            unit, variant = alone
            delta = reach - int(unit["packages"])
            if delta > 0:
                provider = cred["provider"] or cred["name"]
                basis = f", {unit['basis']}" if unit.get("basis") else ""
                remedy = (
                    f"Move the {provider} key to its own proxy: −{delta} packages within its reach "
                    f"({reach} → {unit['packages']}{basis}; comparison variant “{variant['label']}”)."
                )
        declared = sorted(
            (loc for loc in cred["locations"] if loc["location"] and loc["location"]["path"]),
            key=lambda loc: (_HOW_RANK.get(loc["how"].split(" ")[0], 5), loc["where"]),
        )
        out.append(
            {
                "rule": "BR002",
                "level": "warning",
                "security_severity": RULES["BR002"]["security_severity"],
                "title": f"{cred['name']} is within reach of {reach} packages",
                "message": f"{cred['name']} ({cred['provider'] or cred['kind']}) is held by a process with {reach}"
                + (f" of {total}" if total else "")
                + " packages; any one of them, if compromised, can read it.",
                "remediation": remedy,
                "location": declared[0]["location"] if declared else None,
                "identity": ["BR002", str(cred["name"])],
                "credential": cred["name"],
                "reach": reach,
                "package": None,
                "path": [],
            }
        )

    for p in packages(report):
        analysis = p["analysis"]
        if not analysis or not p["flagged"]:
            continue
        evidence = _list(analysis.get("evidence"))
        first = evidence[0] if evidence else {}
        env_names = [str(e) for e in _list(analysis.get("env_names"))]
        out.append(
            {
                "rule": "BR005",
                "level": "error" if p["verdict"] == "critical" else "warning",
                "security_severity": "9.0" if p["verdict"] == "critical" else RULES["BR005"]["security_severity"],
                "title": f"{p['name']} {p['version'] or ''} is flagged {p['verdict']}: {p['capabilities_text']}".replace("  ", " "),
                "message": f"{p['name']} {p['version'] or ''}: {p['capabilities_text']}".replace("  ", " ")
                + (f"; reads {', '.join(env_names)}" if env_names else "")
                + (f". Evidence: {first.get('path')}" + (f":{first.get('line')}" if first.get("line") else "") + f" {first.get('message', '')}" if first else ""),
                "remediation": f"Review {p['name']}'s evidence; pin or replace it and keep it out of processes that hold credentials.",
                "location": parse_location(p.get("location")),
                "identity": ["BR005", p["name"], str(p["version"] or "")],
                "package": p["name"],
                "path": p.get("path", []),
            }
        )

    g = gate(report)
    if g and not g["passed"]:
        out.append(
            {
                "rule": "BR007",
                "level": "error",
                "security_severity": RULES["BR007"]["security_severity"],
                "title": f"Blast-radius gate failed (score {score_value(report)}"
                + (f", threshold {g['threshold']}" if g["threshold"] is not None else "")
                + (", baseline" if g["baseline"] else "")
                + ")",
                "message": "The blast-radius gate failed: " + ("; ".join(g["summary"]) or "see the report").rstrip(".") + ".",
                "remediation": gate_remedy(report, g),
                "location": {"path": input_file, "line": None} if input_file else None,
                "identity": ["BR007", "gate"],
                "package": None,
                "path": [],
            }
        )
    order = {"error": 0, "warning": 1, "note": 2}
    out.sort(key=lambda f: (order.get(f["level"], 3), f["rule"], f["title"]))
    for f in out:
        f["fingerprint"] = stable_id(*f["identity"])
    return out


def gate_remedy(report: dict[str, Any], g: dict[str, Any]) -> str:
    """What would make the failed gate pass, from what the report already holds: the
    compromised pins to remove, the comparison variant that scores under the threshold, or
    the growth to undo."""
    steps = []
    if any(r.startswith("known-compromised") for r in g["summary"]):
        steps.append("Remove or re-pin the known-compromised packages (BR001 findings) and rotate what they could read")
    if g["baseline"] and g["growth"] and g["growth"].get("grew"):
        steps.append("Remove what grew since the baseline (listed in the gate details), or renew the baseline deliberately")
    threshold = g["threshold"]
    score = score_value(report)
    if isinstance(threshold, (int, float)) and isinstance(score, (int, float)) and score > threshold:
        passing = [v for v in comparison_rows(report)[1:] if isinstance(v["score"], (int, float)) and v["score"] <= threshold]
        if passing:
            best = max(passing, key=lambda v: v["score"])
            steps.append(f"The comparison variant “{best['label']}” scores {best['score']} (≤ {threshold}): split the credentials that way (see the BR002 fixes)")
        else:
            steps.append(f"No comparison variant scores {threshold} or less; reduce the packages next to the credentials or raise the threshold deliberately")
    return ("; ".join(steps) or "Reduce the blast radius (see the other findings) or raise the threshold deliberately") + "."


def sort_packages(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Known-compromised first, then flagged code, then vulnerable; then most credentials
    reachable, most dependents, shallowest, name: a reviewer sees the worst rows first."""
    return sorted(
        rows,
        key=lambda p: (
            not p["compromised"], not p["flagged"], not p["vulnerable"], -(p["reach_count"] or 0), -p["dependents"],
            p["depth"] if p["depth"] is not None else 99, p["name"], p["key"],
        ),
    )


def coverage(report: dict[str, Any]) -> list[str]:
    """What the stages that ran did *not* cover, said plainly in every format: an unknown
    transitive set, packages whose code was not analysed, packages no advisory source answered
    for. (A stage that did not run at all is in :func:`stages`.)"""
    out = []
    inp = report.get("input") or {}
    if inp.get("transitive_known") is False:
        out.append(
            f"Transitive dependencies unknown: only the {report.get('summary', {}).get('packages', 0)} declared "
            "requirement(s) are counted, so the real blast radius is larger (lock the project, or scan without --offline)"
        )
    skipped = not_analysed(report)
    if skipped and capabilities_by_package(report):
        reasons = sorted(set(skipped.values()))
        names = sorted(skipped)
        shown = ", ".join(names[:8]) + (f", +{len(names) - 8} more" if len(names) > 8 else "")
        out.append(
            f"Capability analysis: {_skipped_count(report, skipped)} package(s) not analysed ({'; '.join(reasons)}): {shown}"
        )
    adv = report.get("advisories")
    if isinstance(adv, dict) and _list(adv.get("unaudited")):
        names = sorted(f"{u.get('name')} {u.get('version') or ''}".strip() for u in _list(adv.get("unaudited")) if isinstance(u, dict))
        shown = ", ".join(names[:8]) + (f", +{len(names) - 8} more" if len(names) > 8 else "")
        out.append(f"Advisories: {len(names)} package(s) unaudited, not clean (no advisory source answered for them): {shown}")
    return out


def compromised_lines(report: dict[str, Any]) -> list[str]:
    """One line per known-compromised pin, for the top of every format."""
    adv = report.get("advisories")
    if not isinstance(adv, dict):
        return []
    out = []
    for f in _list(adv.get("findings")):
        if f.get("compromised") or f.get("kind") == "malicious":
            rotate = [str(r) for r in _list(f.get("rotate"))]
            line = f"KNOWN-COMPROMISED: {f.get('package')} {f.get('version')} ({f.get('advisory_id')}) is pinned"
            if rotate:
                line += f"; rotate {rotate[0]}" + (f" and {len(rotate) - 1} more" if len(rotate) > 1 else "")
            out.append(line)
    return out


def _version_span(versions: list[str]) -> str:
    """``["1.82.7", "1.82.8"]`` -> ``1.82.7–1.82.8`` when the releases are consecutive
    (same prefix, last component +1 each); otherwise the list as given."""
    if not versions:
        return "a known-malicious release"
    if len(versions) == 1:
        return versions[0]
    parts = [v.split(".") for v in versions]
    consecutive = all(p[-1].isdigit() for p in parts) and all(
        parts[i][:-1] == parts[0][:-1] and int(parts[i][-1]) == int(parts[i - 1][-1]) + 1 for i in range(1, len(parts))
    )
    if consecutive:
        return f"{versions[0]}–{versions[-1]}"
    return ", ".join(versions)
