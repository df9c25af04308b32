"""SARIF 2.1.0: valid against the official schema (vendored under tests/sarif-schema with its
source note), stable rule ids, results at the lock or config line, fingerprints that survive
line moves, and plain-text messages."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import pytest

from report_support import HOSTILE, full_report, hostile_report, run_cli

from blastradius.report import present, sarif

SCHEMA = json.loads((Path(__file__).parent / "sarif-schema" / "sarif-schema-2.1.0.json").read_text())


def validate(document: dict) -> None:
    jsonschema.Draft4Validator(SCHEMA).validate(document)


def results(document: dict) -> list[dict]:
    return document["runs"][0]["results"]


def test_valid_against_the_official_schema():
    document = json.loads(sarif.render(hostile_report()))
    validate(document)
    assert document["version"] == "2.1.0"
    rules = document["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["BR001", "BR002", "BR003", "BR004", "BR005", "BR006", "BR007"]
    for result in results(document):
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["locations"][0]["physicalLocation"]["region"]["startLine"] >= 1


def test_the_validator_can_fail():
    document = json.loads(sarif.render(full_report()))
    broken = copy.deepcopy(document)
    broken["runs"][0]["results"][0]["level"] = "catastrophic"
    with pytest.raises(jsonschema.ValidationError):
        validate(broken)


def test_results_point_at_the_lock_line_and_config_line():
    report = hostile_report()
    document = json.loads(sarif.render(report))
    by_rule: dict[str, list[dict]] = {}
    for result in results(document):
        by_rule.setdefault(result["ruleId"], []).append(result)
    compromised = by_rule["BR001"][0]["locations"][0]["physicalLocation"]
    assert compromised["artifactLocation"]["uri"] == "uv.lock" and compromised["region"]["startLine"] == 1
    # a credential finding points at the config that hands the key to the process
    anthropic = [r for r in by_rule["BR002"] if "ANTHROPIC_API_KEY" in r["message"]["text"]][0]
    where = anthropic["locations"][0]["physicalLocation"]
    credential = next(c for c in report["credentials"]["credentials"] if c["name"] == "ANTHROPIC_API_KEY")
    assert (where["artifactLocation"]["uri"], where["region"]["startLine"]) in {
        (loc["location"]["path"], loc["location"]["line"]) for loc in credential["locations"]
    }
    assert where["artifactLocation"]["uri"] == "config.yaml"


def test_fingerprints_ignore_line_numbers():
    report = hostile_report()
    before = {r["partialFingerprints"]["blastradius/v1"] for r in results(json.loads(sarif.render(report)))}
    moved = copy.deepcopy(report)
    for package in moved["packages"]:
        path, _, line = package["location"].rpartition(":")
        package["location"] = f"{path}:{int(line) + 40}"
    for credential in moved["credentials"]["credentials"]:
        for loc in credential["locations"]:
            if loc["location"]["line"]:
                loc["location"]["line"] += 7
    after_doc = json.loads(sarif.render(moved))
    after = {r["partialFingerprints"]["blastradius/v1"] for r in results(after_doc)}
    assert before == after and len(before) == len(results(after_doc))
    lines = {r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in results(after_doc) if r["ruleId"] == "BR001"}
    assert lines == {41}


def test_messages_are_plain_text_without_embedded_links():
    document = sarif.render(hostile_report())
    texts = [r["message"]["text"] for r in results(json.loads(document))]
    hostile = [t for t in texts if HOSTILE in t]
    assert hostile  # plain text: shown as written
    for text in texts:
        assert "[click](" not in text  # brackets are escaped: no SARIF embedded link
    assert any("\\[click\\]" in t for t in hostile)


def test_rule_ids_match_the_documented_set():
    assert set(present.RULES) == {"BR001", "BR002", "BR003", "BR004", "BR005", "BR006", "BR007"}


def test_cli_sarif_for_the_fixture(tmp_path):
    out = tmp_path / "blastradius.sarif"
    proc = run_cli("scan", "fixtures/litellm-proxy", "--format", "sarif", "-o", str(out))
    assert proc.returncode in (0, 1), proc.stderr
    document = json.loads(out.read_text())
    validate(document)
    assert {r["ruleId"] for r in results(document)} >= {"BR002"}
