"""``--online``: ask pip-audit about the resolved pins, without letting it resolve or build.

pip-audit is run on a generated requirements file holding exactly the pins (with their hashes
when the lock has them) and ``--no-deps --disable-pip``, so it neither re-resolves nor builds
anything: nothing audited is executed. Its JSON output is parsed separately from the run
(:func:`parse_pip_audit_json`) so recorded outputs can be tested offline.

pip-audit's silent failure is the reason this module exists rather than trusting its exit
code: when its service cannot answer for a package (a 404 from the vulnerability API, which is
also what a mirror or proxy that does not serve the API returns), it *skips* the package with
``skip_reason: "Dependency not found on PyPI and could not be audited"`` and still prints
"No known vulnerabilities found". Every skipped, missing or failed package is therefore
reported as **unaudited**, never as clean. pip-audit being absent or failing is a note, not
an error: the offline checks still stand.
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from blastradius.advisories.match import AdvisoryIndex
from blastradius.advisories.model import (
    KIND_MALICIOUS,
    Advisory,
    KIND_VULNERABILITY,
    AdvisoryFinding,
    PipAuditResult,
    UnauditedPackage,
)
from blastradius.model import normalise_name

AuditPin = tuple[str, str | None, Sequence[str]]  # (name, version, hashes like "sha256:<hex>")

PIP_HASH_ALGORITHMS = ("sha256", "sha384", "sha512")
INSTALL_HINT = "pip-audit is not installed; install blastradius[audit] to use --online"
DEFAULT_TIMEOUT = 600
_CREDENTIALS_IN_URL = re.compile(r"(://)[^/@\s:]+(:[^/@\s]*)?@")


def pip_audit_available() -> bool:
    return importlib.util.find_spec("pip_audit") is not None


def requirements_text(pins: Iterable[AuditPin]) -> tuple[str, bool, list[UnauditedPackage]]:
    """The generated requirements file: one ``name==version`` per pin, with ``--hash``
    options when known. Returns (text, every pin has hashes, pins that cannot be written)."""
    rows: list[tuple[str, list[str]]] = []
    skipped: list[UnauditedPackage] = []
    seen: set[tuple[str, str]] = set()
    for name, version, hashes in sorted(pins, key=lambda p: (normalise_name(p[0]), p[1] or "")):
        norm = normalise_name(name)
        if not version:
            skipped.append(UnauditedPackage(norm, None, "no pinned version (direct reference); pip-audit cannot check it"))
            continue
        if (norm, version) in seen:
            continue
        seen.add((norm, version))
        usable = sorted({h for h in hashes if ":" in h and h.split(":", 1)[0] in PIP_HASH_ALGORITHMS})
        rows.append((f"{norm}=={version}", usable))
    # pip's hash-checking mode is all or nothing: one hashed line makes every unhashed line an
    # error ("does not contain a hash"), so hashes are written only when every pin has them.
    all_hashed = bool(rows) and all(hashes for _, hashes in rows)
    lines = [line + ("".join(f" --hash={h}" for h in hashes) if all_hashed else "") for line, hashes in rows]
    return "\n".join(lines) + ("\n" if lines else ""), all_hashed, skipped


def build_command(requirements_file: str, *, require_hashes: bool, python: str | None = None) -> list[str]:
    command = [
        python or sys.executable,
        "-m",
        "pip_audit",
        "-r",
        requirements_file,
        "--no-deps",
        "--disable-pip",
        "--format",
        "json",
        "--progress-spinner",
        "off",
        "--desc",
        "on",
        "--aliases",
        "on",
    ]
    if require_hashes:
        command.append("--require-hashes")
    return command


def run_pip_audit(
    pins: Iterable[AuditPin],
    *,
    index: AdvisoryIndex | None = None,
    python: str | None = None,
    timeout: int = DEFAULT_TIMEOUT,
    package_keys: dict[tuple[str, str], str] | None = None,
) -> PipAuditResult:
    """Run pip-audit on the pins; its failures become ``error`` + unaudited packages."""
    pins = list(pins)
    text, all_hashed, skipped = requirements_text(pins)
    wanted = _wanted(pins)
    if python is None and not pip_audit_available():
        return PipAuditResult(
            unaudited=tuple(
                sorted(
                    set(skipped) | {UnauditedPackage(n, v, "pip-audit not installed") for n, v in wanted},
                    key=lambda u: (u.name, u.version or ""),
                )
            ),
            error=INSTALL_HINT,
        )
    if not text:
        return PipAuditResult(
            unaudited=tuple(sorted(set(skipped), key=lambda u: (u.name, u.version or ""))),
            notes=("no versioned pins to audit",),
        )
    with tempfile.TemporaryDirectory(prefix="blastradius-audit-") as tmp:
        req_file = Path(tmp) / "requirements.txt"
        req_file.write_text(text, encoding="utf-8")
        command = build_command(str(req_file), require_hashes=all_hashed, python=python)
        shown = tuple("<generated requirements>" if c == str(req_file) else c for c in command)
        shown = (Path(shown[0]).name,) + shown[1:]
        try:
            proc = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False, cwd=tmp)
        except subprocess.TimeoutExpired:
            return _failed(wanted, skipped, shown, f"pip-audit did not finish within {timeout} s")
        except OSError as exc:
            return _failed(wanted, skipped, shown, f"pip-audit could not start: {exc.strerror or exc}")
    if "No module named pip_audit" in proc.stderr:
        return _failed(wanted, skipped, shown, INSTALL_HINT)
    try:
        result = parse_pip_audit_json(proc.stdout, pins, index=index, package_keys=package_keys)
    except ValueError:
        return _failed(wanted, skipped, shown, f"pip-audit exited {proc.returncode}: {_last_line(proc.stderr)}")
    unaudited = set(result.unaudited) | set(skipped)
    return PipAuditResult(
        findings=result.findings,
        unaudited=tuple(sorted(unaudited, key=lambda u: (u.name, u.version or ""))),
        error=None,
        command=shown,
        audited=result.audited,
        notes=result.notes,
    )


def parse_pip_audit_json(
    text: str,
    pins: Iterable[AuditPin] = (),
    *,
    index: AdvisoryIndex | None = None,
    package_keys: dict[tuple[str, str], str] | None = None,
) -> PipAuditResult:
    """pip-audit ``--format json`` output → findings and unaudited packages.

    ``pins`` are what was asked: any pin absent from the output, or present with a
    ``skip_reason``, is unaudited (skipped entries carry no version, so the version comes from
    the pins). ``index`` (the embedded feed and ``--advisories``) marks a pip-audit id as
    malicious when a loaded malicious record shares the id or an alias. Raises ValueError
    when the text is not pip-audit JSON."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON: {exc.msg}") from None
    if not isinstance(data, dict) or not isinstance(data.get("dependencies"), list):
        raise ValueError("no 'dependencies' list")
    wanted = _wanted(list(pins))
    versions_by_name: dict[str, list[str]] = {}
    for n, v in wanted:
        versions_by_name.setdefault(n, []).append(v)
    malicious_ids = _malicious_ids(index)
    findings: list[AdvisoryFinding] = []
    unaudited: set[UnauditedPackage] = set()
    seen: set[tuple[str, str | None]] = set()
    audited = 0
    for dep in data["dependencies"]:
        if not isinstance(dep, dict) or not isinstance(dep.get("name"), str):
            raise ValueError("a dependency without a name")
        name = normalise_name(dep["name"])
        if "skip_reason" in dep:
            reason = " ".join(str(dep.get("skip_reason") or "skipped").split())
            for version in versions_by_name.get(name, [dep.get("version")]):
                unaudited.add(UnauditedPackage(name, version, f"skipped by pip-audit: {reason}"))
                seen.add((name, version))
            continue
        version = str(dep.get("version") or "")
        seen.add((name, version))
        audited += 1
        for vuln in dep.get("vulns") or []:
            findings.append(_finding(name, version, vuln, malicious_ids, package_keys))
    for n, v in wanted:
        if (n, v) not in seen:
            unaudited.add(UnauditedPackage(n, v, "not in pip-audit's output"))
    return PipAuditResult(
        findings=tuple(sorted(set(findings), key=AdvisoryFinding.sort_key)),
        unaudited=tuple(sorted(unaudited, key=lambda u: (u.name, u.version or ""))),
        audited=audited,
    )


def _finding(
    name: str,
    version: str,
    vuln: dict,  # type: ignore[type-arg]
    malicious_ids: dict[str, Advisory],
    package_keys: dict[tuple[str, str], str] | None,
) -> AdvisoryFinding:
    vid = str(vuln.get("id") or "")
    aliases = tuple(sorted({str(a) for a in vuln.get("aliases") or [] if a and a != vid}))
    ids = {vid, *aliases}
    malicious = any(i.upper().startswith("MAL-") for i in ids) or bool(ids & set(malicious_ids))
    known = sorted({malicious_ids[i].id for i in ids if i in malicious_ids})
    notes = (f"the offline feed marks this as malicious ({', '.join(known)})",) if known else ()
    # what to rotate comes from the curated record of the same incident, when there is one
    curated = next((malicious_ids[i] for i in sorted(ids) if i in malicious_ids and malicious_ids[i].rotate), None)
    return AdvisoryFinding(
        advisory_id=vid,
        aliases=aliases,
        package=name,
        version=version,
        summary=" ".join(str(vuln.get("description") or "").split()),
        kind=KIND_MALICIOUS if malicious else KIND_VULNERABILITY,
        severity="critical" if malicious else None,
        fixed_versions=tuple(str(v) for v in vuln.get("fix_versions") or []),
        source="pip-audit",
        package_key=(package_keys or {}).get((name, version), f"{name}=={version}"),
        rotate=curated.rotate if curated else (),
        what_it_did=curated.what_it_did if curated else "",
        unverified=curated.unverified if curated else (),
        iocs=curated.iocs if curated else (),
        affected=version,
        origins=("pip-audit",),
        notes=notes,
    )


def _malicious_ids(index: AdvisoryIndex | None) -> dict[str, Advisory]:
    out: dict[str, Advisory] = {}
    if index is None:
        return out
    for advisory in index.advisories:
        if advisory.is_malicious:
            for i in advisory.ids:
                # the curated (embedded) record wins: it carries what to rotate
                if i not in out or (advisory.origin == "embedded" and out[i].origin != "embedded"):
                    out[i] = advisory
    return out


def _wanted(pins: list[AuditPin]) -> list[tuple[str, str]]:
    return sorted({(normalise_name(n), v) for n, v, _ in pins if v})


def _failed(
    wanted: list[tuple[str, str]], skipped: list[UnauditedPackage], command: tuple[str, ...], error: str
) -> PipAuditResult:
    reason = f"pip-audit failed: {error}"
    unaudited = set(skipped) | {UnauditedPackage(n, v, reason) for n, v in wanted}
    return PipAuditResult(
        unaudited=tuple(sorted(unaudited, key=lambda u: (u.name, u.version or ""))),
        error=error,
        command=command,
    )


def _last_line(stderr: str) -> str:
    """The last meaningful stderr line (a traceback's exception line), plus the HTTP error
    behind a bare ``ServiceError``, with any ``user:password@`` in URLs removed: errors must
    never carry a secret."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    text = lines[-1] if lines else "no output"
    if text.endswith("ServiceError"):
        cause = next((line for line in lines if "HTTPError:" in line or "ConnectionError" in line), None)
        text = "its vulnerability service did not answer" + (f" ({cause})" if cause else f" ({text})")
    return _CREDENTIALS_IN_URL.sub(r"\1***@", text)[:300]
