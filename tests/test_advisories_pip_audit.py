"""``--online`` through pip-audit: parsing recorded output (including its silent all-skipped
failure) and running it as a real subprocess -- a stand-in ``pip_audit`` module replays the
recorded outputs, so no network and no pip-audit install are needed."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import pytest

from blastradius.advisories import assess, index_for, parse_pip_audit_json, run_pip_audit
from blastradius.advisories import pip_audit as pa

RECORDED = Path(__file__).resolve().parent.parent / "fixtures" / "advisories" / "pip-audit"
ASKED = [("litellm", "1.82.8", ()), ("telnyx", "4.87.1", ()), ("requests", "2.19.0", ()), ("urllib3", "1.24.1", ())]


def test_recorded_run_with_findings():
    result = parse_pip_audit_json((RECORDED / "vulns.json").read_text(), ASKED, index=index_for())
    found = {f.package: f for f in result.findings}
    assert set(found) == {"telnyx", "requests", "urllib3"}
    telnyx = found["telnyx"]
    # pip-audit does not distinguish malware; the MAL alias and the offline feed do
    assert telnyx.compromised and telnyx.advisory_id == "PYSEC-2026-3"
    assert telnyx.rotate and "Telnyx API keys" in telnyx.rotate[0]
    assert telnyx.notes == ("the offline feed marks this as malicious (MAL-2026-2254)",)
    requests = found["requests"]
    assert requests.kind == "vulnerability" and requests.fixed_versions == ("2.20.0",)
    assert "CVE-2018-18074" in requests.aliases and requests.source == "pip-audit"
    assert requests.summary.startswith("The Requests package before 2.20.0")
    assert "PYSEC-2020-148" not in {f.advisory_id for f in result.findings}  # withdrawn, dropped by pip-audit
    assert [(u.name, u.version) for u in result.unaudited] == [("litellm", "1.82.8")]
    assert "could not be audited" in result.unaudited[0].reason
    assert result.audited == 3
    assert result.findings[0].package == "telnyx"  # compromised first


def test_all_skipped_run_is_unaudited_never_clean():
    # the trap, as recorded: pip-audit said everything was fine and exited 0
    assert "No known vulnerabilities found" in (RECORDED / "all-skipped.stderr.txt").read_text()
    result = parse_pip_audit_json((RECORDED / "all-skipped.json").read_text(), ASKED)
    assert result.findings == ()
    assert result.audited == 0
    assert [(u.name, u.version) for u in result.unaudited] == [
        ("litellm", "1.82.8"), ("requests", "2.19.0"), ("telnyx", "4.87.1"), ("urllib3", "1.24.1")]
    assert all(u.reason.startswith("skipped by pip-audit: Dependency not found") for u in result.unaudited)


def test_pins_missing_from_output_are_unaudited():
    text = json.dumps({"dependencies": [{"name": "Requests", "version": "2.19.0", "vulns": []}], "fixes": []})
    result = parse_pip_audit_json(text, [("requests", "2.19.0", ()), ("idna", "3.10", ())])
    assert result.findings == () and result.audited == 1
    assert [(u.name, u.reason) for u in result.unaudited] == [("idna", "not in pip-audit's output")]


@pytest.mark.parametrize("text", ["", "No known vulnerabilities found", "[]", '{"deps": []}'])
def test_output_that_is_not_pip_audit_json(text):
    with pytest.raises(ValueError):
        parse_pip_audit_json(text, ASKED)


def test_requirements_file_hashes_are_all_or_nothing():
    hashed = [("LiteLLM", "1.82.8", ("sha256:" + "a" * 64, "md5:ignored")), ("requests", "2.19.0", ("sha256:" + "b" * 64,))]
    text, all_hashed, skipped = pa.requirements_text(hashed + [("corelib", None, ())])
    assert all_hashed
    assert text.splitlines() == [f"litellm==1.82.8 --hash=sha256:{'a' * 64}", f"requests==2.19.0 --hash=sha256:{'b' * 64}"]
    assert [(s.name, s.version) for s in skipped] == [("corelib", None)]
    # one unhashed pin: pip's hash-checking mode would reject it, so no hashes at all
    text, all_hashed, _ = pa.requirements_text(hashed + [("idna", "3.10", ())])
    assert not all_hashed and "--hash" not in text


# ------------------------------------------------------------------ the real subprocess


def fake_pip_audit(tmp_path: Path, monkeypatch, stdout_file: Path | None, stderr_file: Path | None, code: int) -> Path:
    """A ``pip_audit`` package whose ``__main__`` replays a recording and writes down the
    arguments and the generated requirements file it was given."""
    package = tmp_path / "site" / "pip_audit"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    seen = tmp_path / "seen.json"
    (package / "__main__.py").write_text(textwrap.dedent(f"""
        import json, sys
        args = sys.argv[1:]
        req = open(args[args.index("-r") + 1]).read()
        json.dump({{"args": args, "requirements": req}}, open({str(seen)!r}, "w"))
        if {str(stdout_file) if stdout_file else ''!r}:
            sys.stdout.write(open({str(stdout_file) if stdout_file else ''!r}).read())
        if {str(stderr_file) if stderr_file else ''!r}:
            sys.stderr.write(open({str(stderr_file) if stderr_file else ''!r}).read())
        sys.exit({code})
    """))
    monkeypatch.setenv("PYTHONPATH", str(tmp_path / "site"))
    return seen


def test_run_replays_all_skipped_as_unaudited(tmp_path, monkeypatch):
    seen = fake_pip_audit(tmp_path, monkeypatch, RECORDED / "all-skipped.json", RECORDED / "all-skipped.stderr.txt", 0)
    result = run_pip_audit(ASKED, python=sys.executable)
    assert result.error is None
    assert len(result.unaudited) == 4 and result.findings == ()
    call = json.loads(seen.read_text())
    for flag in ("--no-deps", "--disable-pip", "--progress-spinner"):
        assert flag in call["args"]
    assert call["args"][call["args"].index("--format") + 1] == "json"
    assert "--require-hashes" not in call["args"]
    assert call["requirements"].splitlines() == ["litellm==1.82.8", "requests==2.19.0", "telnyx==4.87.1", "urllib3==1.24.1"]
    assert result.command[0] == Path(sys.executable).name and "<generated requirements>" in result.command


def test_run_with_hashes_requires_hashes(tmp_path, monkeypatch):
    seen = fake_pip_audit(tmp_path, monkeypatch, RECORDED / "vulns.json", RECORDED / "vulns.stderr.txt", 1)
    hashed = [(n, v, ("sha256:" + "c" * 64,)) for n, v, _ in ASKED]
    result = run_pip_audit(hashed, python=sys.executable, index=index_for())
    assert result.error is None  # exit 1 with JSON = "vulnerabilities found", not a failure
    assert {f.package for f in result.findings} == {"telnyx", "requests", "urllib3"}
    call = json.loads(seen.read_text())
    assert "--require-hashes" in call["args"]
    assert all("--hash=sha256:" in line for line in call["requirements"].splitlines())


def test_run_where_the_service_refuses_is_reported_not_fatal(tmp_path, monkeypatch):
    fake_pip_audit(tmp_path, monkeypatch, RECORDED / "service-403.stdout.txt", RECORDED / "service-403.stderr.txt", 1)
    result = run_pip_audit(ASKED, python=sys.executable)
    assert result.error and "did not answer" in result.error and "403" in result.error
    assert len(result.unaudited) == 4
    assert all(u.reason.startswith("pip-audit failed") for u in result.unaudited)


def test_missing_pip_audit_is_a_note(monkeypatch):
    monkeypatch.setattr(pa, "pip_audit_available", lambda: False)
    result = run_pip_audit(ASKED)
    assert result.error == pa.INSTALL_HINT and "blastradius[audit]" in result.error
    assert {u.reason for u in result.unaudited} == {"pip-audit not installed"}


def test_missing_module_in_the_interpreter_is_a_note(tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))  # no pip_audit here (nor in the dev venv)
    monkeypatch.setenv("PYTHONNOUSERSITE", "1")
    if __import__("importlib").util.find_spec("pip_audit") is not None:
        pytest.skip("pip-audit is installed in this interpreter")
    result = run_pip_audit(ASKED, python=sys.executable)
    assert result.error == pa.INSTALL_HINT


def test_error_text_never_carries_url_credentials():
    stderr = "Traceback...\nrequests.exceptions.ConnectionError: https://user:s3cr3t@index.example/simple failed\n"
    assert "s3cr3t" not in pa._last_line(stderr)
    assert "***@index.example" in pa._last_line(stderr)


def test_assess_online_merges_pip_audit_with_offline_findings(tmp_path, monkeypatch):
    fake_pip_audit(tmp_path, monkeypatch, RECORDED / "vulns.json", None, 1)
    monkeypatch.setattr(pa, "pip_audit_available", lambda: True)
    monkeypatch.setattr(pa.sys, "executable", sys.executable)
    the_pins = [(f"{n}=={v}", n, v, h) for n, v, h in ASKED]
    report = assess(the_pins, online=True)
    ids = [(f.package, f.advisory_id) for f in report.findings]
    # litellm offline (pip-audit skipped it), telnyx once (offline MAL record, pip-audit's PYSEC is an alias)
    assert ids == [("litellm", "MAL-2026-2144"), ("telnyx", "MAL-2026-2254"),
                   ("requests", "PYSEC-2018-28"), ("urllib3", "PYSEC-2019-132")]
    assert [(u.name, u.version) for u in report.unaudited] == [("litellm", "1.82.8")]
    assert report.pip_audit is not None and report.pip_audit.audited == 3
