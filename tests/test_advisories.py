"""Advisories stage: the embedded incident feed, OSV directories and all.zip archives, PEP 440
matching, and admissible-malicious ranges -- all offline, on real files."""

from __future__ import annotations

import json
import re
import sys
import zipfile
from pathlib import Path

import pytest
import yaml
from hypothesis import assume, given
from hypothesis import strategies as st
from packaging.version import Version

from blastradius.advisories import assess, attach_paths, check_packages, check_requirements, index_for, load_embedded, load_path
from blastradius.advisories.cvss import cvss3_base_score, cvss3_rating
from blastradius.advisories.match import _compile_range, in_range
from blastradius.advisories.model import VersionRange
from blastradius.errors import AdvisoryError
from blastradius.model import Location, Requirement

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "advisories"
OSV_DIR = FIXTURES / "osv"


def pins(*items: tuple[str, str]) -> list[tuple[str, str, str]]:
    return [(f"{n}=={v}", n, v) for n, v in items]


def by_package(findings):
    return {(f.package, f.version): f for f in findings}


# ------------------------------------------------------------------ embedded feed


def test_embedded_feed_keeps_ids_sources_and_adds_rotate():
    db = load_embedded()
    ids = {a.id for a in db.advisories}
    assert {"MAL-2026-2144", "MAL-2026-2254", "PYSEC-2024-154", "GSD-2022-1002521", "BLASTRADIUS-2022-TORCHTRITON",
            "MAL-2026-3201", "MAL-2026-3083", "MAL-2026-3608", "MAL-2026-3607"} <= ids
    for advisory in db.advisories:
        assert advisory.kind == "malicious", advisory.id
        assert advisory.severity == "critical"
        assert advisory.rotate, f"{advisory.id} has no 'what to rotate'"
        assert advisory.what_it_did, advisory.id
        assert advisory.source.startswith("https://"), advisory.id
        assert advisory.origin == "embedded"
    litellm = next(a for a in db.advisories if a.id == "MAL-2026-2144")
    assert set(litellm.aliases) == {"PYSEC-2026-2", "GHSA-92x9-889m-jgmw"}
    torchtriton = next(a for a in db.advisories if a.id == "BLASTRADIUS-2022-TORCHTRITON")
    assert any("secondary" in u for u in torchtriton.unverified)
    # the data file itself carries the curated fields inside database_specific (OSV-compatible)
    raw = json.loads((Path(__file__).resolve().parent.parent / "src/blastradius/data/incidents.osv.json").read_text())
    assert all("blastradius" in r["database_specific"] for r in raw)


def test_litellm_1_82_8_fails_offline_with_ids_payload_and_rotation():
    findings = check_packages(pins(("litellm", "1.82.8"), ("httpx", "0.28.1")))
    assert len(findings) == 1
    f = findings[0]
    assert f.compromised and f.kind == "malicious" and f.severity == "critical"
    assert f.advisory_id == "MAL-2026-2144"
    assert {"PYSEC-2026-2", "GHSA-92x9-889m-jgmw"} <= set(f.aliases)
    assert ".pth" in f.what_it_did
    assert any("LLM provider" in r for r in f.rotate)
    assert f.package_key == "litellm==1.82.8"
    assert f.source.startswith("https://github.com/ossf/malicious-packages/")
    assert f.to_dict()["compromised"] is True


@pytest.mark.parametrize(
    "name,version,expected",
    [
        ("litellm", "1.82.7", "MAL-2026-2144"),
        ("LiteLLM", "1.82.8", "MAL-2026-2144"),  # PEP 503 name
        ("telnyx", "4.87.2", "MAL-2026-2254"),
        ("ultralytics", "8.3.46", "PYSEC-2024-154"),
        ("ctx", "0.1.2-1", "GSD-2022-1002521"),  # PEP 440: 0.1.2.post1
        ("ctx", "0.2.0", "GSD-2022-1002521"),  # PEP 440: equal to the listed 0.2
        ("torchtriton", "3.0.0", "BLASTRADIUS-2022-TORCHTRITON"),
        ("elementary_data", "0.23.3", "MAL-2026-3083"),
        ("mistralai", "2.4.6", "MAL-2026-3608"),
        ("Guardrails.AI", "0.10.1", "MAL-2026-3607"),
        ("lightning", "2.6.2", "MAL-2026-3201"),
        ("embiggen", "0.11.97", "BLASTRADIUS-2026-MIASMA-PTH"),
        ("mrmustard", "0.7.4", "BLASTRADIUS-2026-MRMUSTARD"),
    ],
)
def test_embedded_feed_matches_each_incident(name, version, expected):
    findings = check_packages([("k", name, version)])
    assert [f.advisory_id for f in findings] == [expected]
    assert findings[0].compromised


@pytest.mark.parametrize(
    "name,version",
    [("litellm", "1.82.6"), ("litellm", "1.82.9"), ("ctx", "0.1.2"), ("ultralytics", "8.3.43"),
     ("telnyx", "4.87.0"), ("requests", "2.32.3"), ("nx", "21.5.0"), ("litellm", "not-a-version")],
)
def test_clean_versions_and_other_ecosystems_do_not_match(name, version):
    assert check_packages([("k", name, version)]) == []


# ------------------------------------------------------------------ fixture locks are real and pin real incidents


def test_fixture_locks_pin_compromised_versions_of_several_incidents():
    uv = tomllib.loads((FIXTURES / "uv-project" / "uv.lock").read_text())
    uv_pins = [(f"{p['name']}=={p['version']}", p["name"], p["version"]) for p in uv["package"] if "registry" in p["source"]]
    poetry = tomllib.loads((FIXTURES / "poetry-project" / "poetry.lock").read_text())
    poetry_pins = [(f"{p['name']}=={p['version']}", p["name"], p["version"]) for p in poetry["package"]]
    text = (FIXTURES / "requirements-project" / "requirements.txt").read_text()
    req_pins = [(f"{n}=={v}", n, v) for n, v in re.findall(r"^([A-Za-z0-9._-]+)==(\S+)", text, re.M)]
    pylock = tomllib.loads((FIXTURES / "pylock-project" / "pylock.toml").read_text())
    pylock_pins = [(f"{p['name']}=={p['version']}", p["name"], p["version"]) for p in pylock["packages"]]
    assert "index.example" in (FIXTURES / "uv-project" / "uv.lock").read_text()

    def ids(p):
        return {(f.package, f.advisory_id) for f in check_packages(p)}

    assert ids(uv_pins) == {("litellm", "MAL-2026-2144"), ("telnyx", "MAL-2026-2254"), ("ultralytics", "PYSEC-2024-154")}
    assert ids(req_pins) == {("litellm", "MAL-2026-2144"), ("mistralai", "MAL-2026-3608"),
                             ("guardrails-ai", "MAL-2026-3607"), ("ctx", "GSD-2022-1002521")}
    assert ids(poetry_pins) == {("lightning", "MAL-2026-3201"), ("elementary-data", "MAL-2026-3083"),
                                ("torchtriton", "BLASTRADIUS-2022-TORCHTRITON")}
    assert ids(pylock_pins) == {("mrmustard", "BLASTRADIUS-2026-MRMUSTARD"), ("pyphetools", "BLASTRADIUS-2026-MIASMA-PTH"),
                                ("gpsea", "BLASTRADIUS-2026-MIASMA-PTH")}


# ------------------------------------------------------------------ --advisories: directory


def test_directory_source_skips_withdrawn_and_staging_records():
    db = load_path(OSV_DIR)
    ids = {a.id for a in db.advisories}
    assert "PYSEC-2020-148" not in ids  # withdrawn
    assert "" not in ids  # ossf staging file
    (info,) = db.sources
    assert info.skipped_withdrawn == 1 and info.skipped_empty_id == 1
    assert info.records == 7
    assert any("GIT ranges" in n for n in info.notes)
    assert not any(o.startswith("/") for o in (a.origin for a in db.advisories))
    mal = next(a for a in db.advisories if a.id == "MAL-2026-2144")
    assert mal.origin == "osv/osv/malicious/pypi/litellm/MAL-2026-2144.json"


def test_directory_vulnerabilities_carry_severity_and_fix():
    findings = check_packages(pins(("requests", "2.19.0"), ("urllib3", "1.24.1"), ("urllib3", "1.24.2")),
                              extra_sources=[OSV_DIR])
    found = by_package(findings)
    assert set(found) == {("requests", "2.19.0"), ("urllib3", "1.24.1")}
    req = found[("requests", "2.19.0")]
    assert req.kind == "vulnerability" and not req.compromised
    assert req.severity == "high"  # CVSS:3.1 .../C:H/I:N/A:N = 7.5
    assert req.fixed_versions == ("2.20.0",)
    assert req.source == "https://github.com/advisories/GHSA-x84v-xcm2-53pg"
    assert req.affected == "2.19.0 (range <2.20.0)"
    url = found[("urllib3", "1.24.1")]
    assert url.advisory_id == "GHSA-mh33-7rrq-662w" and url.severity == "high"  # database_specific
    assert "PYSEC-2020-148" not in url.aliases  # the withdrawn record contributed nothing


def test_records_about_one_incident_merge_into_one_finding():
    findings = check_packages(pins(("litellm", "1.82.8")), extra_sources=[OSV_DIR])
    assert len(findings) == 1
    f = findings[0]
    assert f.advisory_id == "MAL-2026-2144"
    assert {"PYSEC-2026-2", "GHSA-92x9-889m-jgmw"} <= set(f.aliases)
    assert f.origins == ("embedded", "osv/osv/malicious/pypi/litellm/MAL-2026-2144.json",
                         "osv/vulns/litellm/PYSEC-2026-2.yaml")
    assert f.rotate  # from the curated record
    assert set(dict(f.iocs)["domains"]) >= {"litellm.cloud", "checkmarx.zone"}


def test_range_records_and_curated_list_disagree_with_a_note():
    found = by_package(check_packages(pins(("ultralytics", "8.3.41"), ("ultralytics", "8.3.43"),
                                           ("ultralytics", "8.3.47")), extra_sources=[OSV_DIR]))
    assert set(found) == {("ultralytics", "8.3.41"), ("ultralytics", "8.3.43")}
    assert found[("ultralytics", "8.3.41")].compromised
    clean_fix = found[("ultralytics", "8.3.43")]
    assert not clean_fix.compromised
    assert clean_fix.fixed_versions == ("8.3.47",)
    assert "lists only 8.3.41, 8.3.42, 8.3.45, 8.3.46" in clean_fix.notes[0]


def test_last_affected_and_introduced_zero():
    found = by_package(check_packages(pins(("litellm", "1.82.9"), ("lltellm", "0.0.1"), ("LLTeLLM", "99.0")),
                                      extra_sources=[OSV_DIR], ))
    assert set(found) == {("lltellm", "0.0.1"), ("lltellm", "99.0")}
    assert all(f.compromised and f.advisory_id == "MAL-FIXTURE-0001" for f in found.values())
    assert found[("lltellm", "99.0")].affected == "99.0 (range every version)"


# ------------------------------------------------------------------ --advisories: all.zip


def make_all_zip(path: Path, extra: dict[str, bytes] | None = None) -> Path:
    """An all.zip-shaped archive: flat <ID>.json members (the OSV bucket serves JSON only)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for record in sorted(OSV_DIR.rglob("*")):
            if record.suffix == ".json":
                data = json.loads(record.read_text())
            elif record.suffix == ".yaml":
                data = yaml.safe_load(record.read_text())
                data = json.loads(json.dumps(data, default=str))
            else:
                continue
            name = (data["id"] or record.stem) + ".json"
            zf.writestr(name, json.dumps(data))
        for name, raw in (extra or {}).items():
            zf.writestr(name, raw)
    return path


def test_all_zip_matches_like_the_directory_without_extracting(tmp_path):
    archive = make_all_zip(tmp_path / "all.zip")
    before = sorted(p.name for p in tmp_path.iterdir())
    the_pins = pins(("litellm", "1.82.8"), ("requests", "2.19.0"), ("urllib3", "1.24.1"), ("ultralytics", "8.3.43"),
                    ("lltellm", "1.0"), ("httpx", "0.28.1"))
    from_zip = check_packages(the_pins, extra_sources=[archive])
    from_dir = check_packages(the_pins, extra_sources=[OSV_DIR])
    assert [(f.package, f.version, f.advisory_id, f.kind, f.severity) for f in from_zip] == \
        [(f.package, f.version, f.advisory_id, f.kind, f.severity) for f in from_dir]
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing extracted
    lit = next(f for f in from_zip if f.package == "litellm")
    assert "all.zip!MAL-2026-2144.json" in lit.origins
    (info,) = load_path(archive).sources
    assert info.label == "all.zip" and info.skipped_withdrawn == 1 and info.skipped_empty_id == 1


def test_zip_member_that_is_not_json_names_member_and_line(tmp_path):
    archive = make_all_zip(tmp_path / "all.zip", {"PYSEC-9999-1.json": b'{\n  "id": "PYSEC-9999-1",\n  "affected": [,]\n}'})
    with pytest.raises(AdvisoryError) as err:
        load_path(archive)
    assert err.value.path.endswith("all.zip!PYSEC-9999-1.json")
    assert err.value.line == 3
    assert "invalid JSON" in err.value.one_line()


def test_corrupt_zip_is_one_error(tmp_path):
    bad = tmp_path / "all.zip"
    make_all_zip(bad)
    raw = bad.read_bytes()
    bad.write_bytes(raw[: len(raw) // 2] + b"\0" * 64 + raw[len(raw) // 2 + 64:])
    with pytest.raises(AdvisoryError):
        load_path(bad)


# ------------------------------------------------------------------ malformed records


def test_malformed_json_record_names_file_and_line(tmp_path):
    (tmp_path / "vulns").mkdir()
    (tmp_path / "vulns" / "GHSA-x.json").write_text('{\n "id": "GHSA-x",\n "affected": [}\n')
    with pytest.raises(AdvisoryError) as err:
        load_path(tmp_path)
    assert err.value.path.endswith("GHSA-x.json") and err.value.line == 3


def test_malformed_yaml_record_names_file_and_line(tmp_path):
    (tmp_path / "PYSEC-1.yaml").write_text("id: PYSEC-1\naffected:\n- package: {name: x\n  ecosystem: PyPI\n")
    with pytest.raises(AdvisoryError) as err:
        load_path(tmp_path)
    assert err.value.path.endswith("PYSEC-1.yaml") and err.value.line is not None


@pytest.mark.parametrize(
    "content,message",
    [
        ('["not an object"]', "not an object"),
        ('{"summary": "no id"}', "no string 'id'"),
        ('{"id": "X-1", "affected": {"package": 1}}', "'affected' is not a list"),
        ('{"id": "X-1", "affected": [{"package": {"ecosystem": "PyPI", "name": "a"}, "versions": "1.0"}]}', "'versions'"),
    ],
)
def test_structurally_broken_records_are_errors(tmp_path, content, message):
    (tmp_path / "X-1.json").write_text(content)
    with pytest.raises(AdvisoryError, match=re.escape(message)):
        load_path(tmp_path / "X-1.json")


def test_yaml_versions_stay_strings(tmp_path):
    """PyPA writes versions unquoted: 1.10 must not become the float 1.1."""
    (tmp_path / "PYSEC-2.yaml").write_text(
        "id: PYSEC-2\naffected:\n- package: {name: demo, ecosystem: PyPI}\n  versions:\n  - 1.10\n"
        "  ranges:\n  - type: ECOSYSTEM\n    events:\n    - introduced: 2.0\n    - fixed: 2.10\n"
    )
    the_pins = pins(("demo", "1.10"), ("demo", "1.1"), ("demo", "2.9"), ("demo", "2.10"))
    found = by_package(check_packages(the_pins, extra_sources=[tmp_path]))
    assert set(found) == {("demo", "1.10"), ("demo", "2.9")}


def test_missing_source_and_wrong_file_kind(tmp_path):
    with pytest.raises(AdvisoryError, match="does not exist"):
        load_path(tmp_path / "nope")
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(AdvisoryError, match="not an OSV source"):
        load_path(tmp_path / "notes.txt")


# ------------------------------------------------------------------ OSV range semantics


def _range(*events: tuple[str, str]):
    compiled = _compile_range(VersionRange("ECOSYSTEM", events))
    assert compiled is not None
    return compiled


def test_range_with_two_intervals():
    r = _range(("introduced", "1.0"), ("fixed", "1.2"), ("introduced", "2.0"), ("last_affected", "2.3"))
    verdicts = {v: in_range(Version(v), r) for v in ["0.9", "1.0", "1.1.5", "1.2", "1.9", "2.0", "2.3", "2.3.1", "3"]}
    assert verdicts == {"0.9": False, "1.0": True, "1.1.5": True, "1.2": False, "1.9": False, "2.0": True,
                        "2.3": True, "2.3.1": False, "3": False}


_small_versions = st.tuples(st.integers(0, 5), st.integers(0, 5), st.integers(0, 5)).map(lambda t: Version(".".join(map(str, t))))


@given(_small_versions, _small_versions, _small_versions)
def test_range_matches_half_open_interval(low, high, v):
    assume(low < high)
    r = _range(("introduced", str(low)), ("fixed", str(high)))
    assert in_range(v, r) == (low <= v < high)
    last = _range(("introduced", str(low)), ("last_affected", str(high)))
    assert in_range(v, last) == (low <= v <= high)


# ------------------------------------------------------------------ CVSS


@pytest.mark.parametrize(
    "vector,score,rating",
    [
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, "critical"),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0, "critical"),
        ("CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N", 5.9, "medium"),
        ("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.8, "high"),
        ("CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N", 5.4, "medium"),
        ("CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N", 1.6, "low"),
    ],
)
def test_cvss3_base_scores(vector, score, rating):
    assert cvss3_base_score(vector) == score
    assert cvss3_rating(vector) == rating


def test_cvss_other_versions_are_unknown():
    assert cvss3_base_score("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N") is None
    assert cvss3_base_score("AV:N/AC:L/Au:N/C:P/I:P/A:P") is None


# ------------------------------------------------------------------ admissible-malicious ranges


def test_unlocked_range_admits_litellm_payload():
    (finding,) = check_requirements(
        [Requirement("litellm", ">=1.80", location=Location("pyproject.toml", 8))], None)
    assert finding.requirement == "litellm"
    assert finding.compromised_versions == ("1.82.7", "1.82.8")
    assert finding.advisory_ids == ("MAL-2026-2144",)
    assert finding.lock_avoids is None and finding.locked_version is None
    assert finding.location == "pyproject.toml:8"
    assert finding.rotate


@pytest.mark.parametrize(
    "locked,avoids",
    [({"litellm": "1.82.6"}, True), ({"LiteLLM": "1.82.8"}, False), ({"litellm": ["1.82.6", "1.82.7"]}, False),
     ({"httpx": "0.28.1"}, None)],
)
def test_lock_says_whether_it_avoids_the_admitted_versions(locked, avoids):
    (finding,) = check_requirements([Requirement("litellm", ">=1.80")], locked)
    assert finding.lock_avoids is avoids


@pytest.mark.parametrize(
    "specifier,admitted",
    [
        ("<1.82.7", ()),
        ("==1.82.6", ()),
        (">=1.80,!=1.82.7,!=1.82.8", ()),
        (">=1.80,!=1.82.7", ("1.82.8",)),
        ("~=1.82.0", ("1.82.7", "1.82.8")),
        ("==1.82.*", ("1.82.7", "1.82.8")),
        ("", ("1.82.7", "1.82.8")),
    ],
)
def test_specifier_semantics(specifier, admitted):
    found = check_requirements([Requirement("litellm", specifier)], None)
    assert (found[0].compromised_versions if found else ()) == admitted


def test_bare_name_admits_every_listed_version_and_urls_are_skipped():
    (ctx,) = check_requirements([Requirement("ctx"), Requirement("litellm", url="https://index.example/litellm.whl")], None)
    assert ctx.requirement == "ctx" and len(ctx.compromised_versions) == 11
    assert ctx.compromised_versions[0] == "0.1.2.post1"


def test_range_only_malicious_records(tmp_path):
    (finding,) = check_requirements([Requirement("lltellm", ">=2")], None, extra_sources=[OSV_DIR])
    assert finding.compromised_versions == ()
    assert finding.admitted_ranges == ("every version (MAL-FIXTURE-0001)",)
    (tmp_path / "MAL-X.json").write_text(json.dumps({
        "id": "MAL-X", "affected": [{"package": {"ecosystem": "PyPI", "name": "demo"},
                                     "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "3.1"}, {"fixed": "3.2"}]}]}]}))
    assert check_requirements([Requirement("demo", "<3")], None, extra_sources=[tmp_path]) == []
    (hit,) = check_requirements([Requirement("demo", ">=3")], {"demo": "3.1.5"}, extra_sources=[tmp_path])
    assert hit.admitted_ranges == (">=3.1, <3.2 (MAL-X)",) and hit.lock_avoids is False


def test_invalid_specifier_is_a_note_not_a_crash():
    notes: list[str] = []
    assert check_requirements([Requirement("litellm", ">=>1")], None, notes=notes) == []
    assert notes and "litellm" in notes[0]


# ------------------------------------------------------------------ whole stage, determinism


def test_assess_is_deterministic_and_complete(tmp_path):
    archive = make_all_zip(tmp_path / "all.zip")
    the_pins = [("litellm==1.82.8", "litellm", "1.82.8", ()), ("requests==2.19.0", "requests", "2.19.0", ()),
                ("httpx==0.28.1", "httpx", "0.28.1", ())]
    reqs = [Requirement("litellm", ">=1.80", location=Location("pyproject.toml", 7)), Requirement("httpx")]
    first = assess(reversed(the_pins), reqs, extra_sources=[archive])
    second = assess(the_pins, list(reversed(reqs)), extra_sources=[archive])
    a = json.dumps(first.to_dict(), sort_keys=True)
    assert a == json.dumps(second.to_dict(), sort_keys=True)
    assert [f.package for f in first.findings] == ["litellm", "requests"]  # compromised first
    assert first.compromised[0].advisory_id == "MAL-2026-2144"
    assert first.admissible[0].lock_avoids is False
    assert [s.label for s in first.sources] == ["embedded:incidents.osv.json", "all.zip"]
    assert str(tmp_path) not in a  # no absolute paths in the report data
    with_paths = attach_paths(first.findings, {"litellm==1.82.8": ("mcp-router", "litellm==1.82.8")})
    assert with_paths[0].to_dict()["dependency_path"] == ["mcp-router", "litellm==1.82.8"]


def test_index_is_shared_and_lazy_on_a_large_archive(tmp_path):
    """10,000 pins against a 3,000-record archive: every pin is looked up, only the names that
    have records are compiled."""
    archive = tmp_path / "all.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for i in range(3000):
            zf.writestr(f"PYSEC-2000-{i}.json", json.dumps({
                "id": f"PYSEC-2000-{i}", "affected": [{"package": {"ecosystem": "PyPI", "name": f"pkg_{i}"},
                                                       "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.0"}]}]}]}))
    index = index_for([archive])
    the_pins = [(f"p{i}", f"pkg-{i}", "1.0" if i % 2 else "2.0") for i in range(10000)]
    findings = check_packages(the_pins, index=index)
    assert len(findings) == 1500  # odd i < 3000 are at 1.0 (< fixed 2.0)
    assert len(index._compiled) == 10000 and sum(1 for v in index._compiled.values() if v) == 3000


def test_names_filter_keeps_only_relevant_records_but_validates_all(tmp_path):
    db = load_path(OSV_DIR, names={"Requests"})
    assert [a.id for a in db.advisories] == ["PYSEC-2018-28"]
    assert db.sources[0].records == 7  # every record was read and counted
    (tmp_path / "a.json").write_text('{"id": "X-1", "affected": [{"package": {"ecosystem": "PyPI", "name": "other"}}]}')
    (tmp_path / "b.json").write_text('{"id": "X-2", "affected": "broken"}')
    with pytest.raises(AdvisoryError, match="not a list"):
        load_path(tmp_path, names={"requests"})
