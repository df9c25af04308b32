"""SARIF 2.1.0 for GitHub code scanning: one rule per finding type (stable ids ``BR001`` ...),
each result at the lock-file or config line that causes it.

Why fingerprints ignore line numbers: a lock file is rewritten on every update, so a result
keyed by line would close and reopen as a "new" alert each time. ``partialFingerprints`` are
built from the rule and the package/credential identity (plus an occurrence counter when the
same identity appears twice). Message text is plain text: SARIF treats ``[text](n)`` as an
embedded link, so brackets and backslashes from package names or summaries are escaped.
"""

from __future__ import annotations

import json
import re
from typing import Any

from blastradius.report import present

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
MAX_MESSAGE = 1000
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def plain(value: Any, limit: int = MAX_MESSAGE) -> str:
    text = " ".join(_CONTROL.sub(" ", str(value)).split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return re.sub(r"([\\\[\]])", r"\\\1", text) or "-"


def _rule(rule_id: str) -> dict[str, Any]:
    rule = present.RULES[rule_id]
    return {
        "id": rule_id,
        "name": rule["name"],
        "shortDescription": {"text": rule["title"]},
        "fullDescription": {"text": rule["description"]},
        "help": {"text": rule["help"], "markdown": f"**{rule['title']}**\n\n{rule['description']}\n\n{rule['help']}"},
        "defaultConfiguration": {"level": rule["level"]},
        "properties": {
            "tags": ["security", "supply-chain", "blastradius"],
            "precision": "high",
            "problem.severity": "error" if rule["level"] == "error" else "warning",
            "security-severity": rule["security_severity"],
        },
    }


def _uri(path: str, prefix: str) -> str:
    path = path.lstrip("./") if path.startswith("./") else path
    if prefix:
        return f"{prefix.rstrip('/')}/{path}"
    return path


def render(report: dict[str, Any], *, uri_prefix: str | None = None, **_: Any) -> str:
    """``uri_prefix`` is the scanned project's directory relative to the repository root (for
    a project in a subdirectory); by default the report's own ``input.project_dir`` if present."""
    prefix = uri_prefix if uri_prefix is not None else str(report.get("input", {}).get("project_dir") or "")
    if prefix in (".", "./"):
        prefix = ""
    rule_ids = sorted(present.RULES)
    index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
    input_file = report.get("input", {}).get("file") or "."
    results = []
    seen: dict[str, int] = {}
    for finding in present.findings(report):
        location = finding["location"] or {"path": input_file, "line": None}
        line = location.get("line") or 1
        fingerprint = finding["fingerprint"]
        seen[fingerprint] = seen.get(fingerprint, 0) + 1
        text = plain(finding["title"]) + ". " + plain(finding["message"]) + " Fix: " + plain(finding["remediation"])
        result: dict[str, Any] = {
            "ruleId": finding["rule"],
            "ruleIndex": index[finding["rule"]],
            "level": finding["level"],
            "message": {"text": text},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": _uri(location["path"], prefix)},
                        "region": {"startLine": line},
                    }
                }
            ],
            "partialFingerprints": {
                "blastradius/v1": f"{fingerprint}:{seen[fingerprint]}",
                "primaryLocationLineHash": f"{fingerprint}:{seen[fingerprint]}",
            },
            "properties": {"security-severity": finding["security_severity"]},
        }
        if finding.get("path"):
            result["properties"]["dependencyPath"] = [str(p) for p in finding["path"]]
        results.append(result)
    document = {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "blastradius",
                        "version": str(report["tool"]["version"]),
                        "semanticVersion": str(report["tool"]["version"]),
                        "rules": [_rule(r) for r in rule_ids],
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
                "properties": {
                    "score": present.score_value(report),
                    "reportSchema": report.get("schema"),
                    "stagesNotRun": [s["key"] for s in present.stages(report) if not s["ran"]],
                },
            }
        ],
    }
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
