"""The JSON report against its documented schema (docs/report-schema.json)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from report_support import REPO, full_report, run_cli

SCHEMA = json.loads((REPO / "docs" / "report-schema.json").read_text())


def validator() -> jsonschema.Draft202012Validator:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    return jsonschema.Draft202012Validator(SCHEMA)


@pytest.mark.parametrize("project", ["fixtures/litellm-proxy", "fixtures/anthropic-proxy", "fixtures/corpus/pankaj28843__litellm-proxy-headroom"])
def test_real_reports_validate(project):
    proc = run_cli("scan", project, "--format", "json")
    assert proc.returncode in (0, 1), proc.stderr
    report = json.loads(proc.stdout)
    validator().validate(report)
    assert report["schema"] == SCHEMA["properties"]["schema"]["const"]


def test_every_top_level_field_is_documented():
    report = full_report()
    assert set(report) == set(SCHEMA["properties"]) == set(SCHEMA["required"])
    for name, spec in SCHEMA["properties"].items():
        assert spec.get("description") or spec.get("properties") or spec.get("items"), name


def test_the_schema_rejects_a_wrong_report():
    report = full_report()
    report["score"]["score"] = 101
    with pytest.raises(jsonschema.ValidationError):
        validator().validate(report)
    report = full_report()
    del report["packages"][0]["depth"]
    with pytest.raises(jsonschema.ValidationError):
        validator().validate(report)


def test_a_stage_that_did_not_run_is_null_and_valid():
    report = full_report()
    for key in ("credentials", "capabilities", "advisories", "score", "comparison", "gate"):
        report[key] = None
    validator().validate(report)
