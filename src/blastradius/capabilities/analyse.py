"""Per-file scanning and per-package aggregation.

Why a regex pass decides whether ``ast`` runs at all: ``ast.parse`` costs ~11 MB/s per core,
regex ~100+ MB/s. Every rule has a cheap byte-level trigger; a file is parsed only when a
trigger that needs the tree (exec of decoded data, whole-environment use, built import names,
a module-level call next to a sink) is present. Most files of big packages stop after the
regex pass.

Results are per file (small tuples, cheap to send between processes); aggregation into a
:class:`PackageAnalysis` -- the combination of sources and sinks into a verdict -- happens
once per package in the parent.
"""

from __future__ import annotations

import ast
import hashlib
import os
import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from blastradius.capabilities import archive
from blastradius.capabilities.model import Evidence, PackageAnalysis, worst
from blastradius.capabilities.rules import RULES, RULES_VERSION
from blastradius.capabilities.rules import credentials as cred_rules
from blastradius.capabilities.rules import astindex, execution, import_time, install, pth, sinks
from blastradius.errors import ArtifactError
from blastradius.model import normalise_name

Hit = tuple[str, str, "int | None", str]  # (rule_id, severity, line, message)

# info-level rules listed at most this many times per package (the rest are counted in notes)
_MAX_INFO_EVIDENCE = 5
_SCRIPT_SUFFIXES = (".sh", ".bash", ".ps1", ".bat", ".cmd")


@dataclass
class FileResult:
    path: str
    hits: list[Hit] = field(default_factory=list)
    env_names: list[tuple[str, int]] = field(default_factory=list)
    cred: dict[str, int] = field(default_factory=dict)
    network: int | None = None
    subprocess: int | None = None
    harvest: bool = False
    parse_error: bool = False
    parsed: bool = False


def _shifted(line_of):
    """Line numbers for a buffer with one newline prepended."""
    return lambda offset: line_of(max(offset - 1, 0))


def _line_finder(data: bytes):
    cache: list[int] = []

    def line_of(offset: int) -> int:
        if not cache:
            cache.extend(m.start() for m in re.finditer(rb"\n", data))
        import bisect

        return bisect.bisect_right(cache, offset - 1) + 1 if offset else 1

    return line_of


# ---------------------------------------------------------------------------------------------
# roles
def member_role(path: str, kind: str) -> str | None:
    """What a member is for the rules, or None when it is not analysed. ``kind`` is
    "wheel", "sdist" or "site" (path relative to site-packages)."""
    lower = path.lower()
    rel = path
    if kind == "sdist":
        rel = path.split("/", 1)[1] if "/" in path else path
    top = "/" not in rel
    if kind == "wheel":
        m = re.match(r"[^/]+\.data/(?:purelib|platlib)/([^/]+)$", rel)
        if m:
            rel, top = m.group(1), True
    if lower.endswith(".pth"):
        return "pth" if top else None
    if lower.endswith(".start"):
        return "start" if top else None
    if lower.endswith((".py", ".pyw")):
        name = rel.rsplit("/", 1)[-1]
        if kind == "sdist" and rel == "setup.py":
            return "setup"
        if top and name in ("sitecustomize.py", "usercustomize.py"):
            return "sitecustomize"
        return "module"
    if kind == "sdist" and rel == "pyproject.toml":
        return "pyproject"
    if lower.endswith(_SCRIPT_SUFFIXES) or (kind == "wheel" and re.match(r"[^/]+\.data/scripts/", rel)):
        return "script"
    if kind == "wheel" and re.match(r"[^/]+\.dist-info/METADATA$", rel):
        return "metadata"
    if kind == "sdist" and rel == "PKG-INFO":
        return "metadata"
    return None


def want_member(kind: str):
    def want(path: str) -> bool:
        return member_role(path, kind) is not None

    return want


# ---------------------------------------------------------------------------------------------
# scanning one file
def _regex_facts(result: FileResult, data: bytes, line_of, *, python: bool, pad: int = 0) -> None:
    """Byte-level rules. Each starts with a check that is cheap in CPython (a literal ``in``, or
    a regex anchored on a newline, dot or slash) so a file with none of them costs ~nothing.
    ``pad``: newlines prepended to ``data`` (the ``sinks`` functions count lines in ``data``)."""

    def real(line: int | None) -> int | None:
        return None if line is None else max(line - pad, 1)

    result.network = real(sinks.network(data))
    result.subprocess = real(sinks.subprocess(data))
    if python and (b"environ" in data or b"getenv" in data):
        result.env_names = cred_rules.named_env_reads(data, line_of)
    result.cred = cred_rules.credential_families(data, line_of)
    found = sinks.persistence(data)
    if found:
        result.hits.append(("BR-PERSISTENCE", "medium", real(found[0]), found[1]))
    found = sinks.download_exec(data, result.network is not None)
    if found:
        result.hits.append(("BR-DOWNLOAD-EXEC", "high", real(found[0]), found[1]))
    if len(data) >= 1024 and max(map(len, data.split(b"\n"))) >= 1024:
        for rule_id, line, message in execution.encoded_literals(data, line_of):
            result.hits.append((rule_id, RULES[rule_id].severity, line, message))


def _parse(data: bytes | str, path: str) -> ast.Module | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(data, filename=path)
    except (SyntaxError, ValueError, RecursionError, MemoryError, UnicodeDecodeError):
        return None


def _ast_rules(result: FileResult, tree: ast.Module, *, need_exec: bool, need_remote: bool,
               need_harvest: bool, need_obf: bool, need_import: bool, role: str) -> None:
    index = astindex.build(tree) if (need_exec or need_remote or need_harvest or need_obf or need_import) else None
    if need_exec or need_remote:
        for rule_id, line, message in execution.exec_sites(tree, want_decoded=need_exec, want_remote=need_remote,
                                                           index=index):
            result.hits.append((rule_id, RULES[rule_id].severity, line, message))
    if need_harvest:
        sites = cred_rules.harvest_sites(tree, index=index)
        for line, how in sites[:3]:
            result.hits.append(("BR-ENV-HARVEST", "info", line, f"reads the whole environment: {how}"))
        result.harvest = bool(sites)
    if need_obf:
        for line, message in execution.obfuscated_names(tree, index=index):
            result.hits.append(("BR-OBFUSCATED-NAME", "high" if message.startswith("hides") else "medium", line,
                                message))
    if need_import:
        for line, message in import_time.import_time_sites(tree, index=index)[:5]:
            shell_or_net = not ("subprocess." in message or "Popen" in message or "check_" in message)
            if role == "setup":
                severity = "high" if shell_or_net else "medium"
                result.hits.append(("BR-INSTALL-SINK", severity, line, f"setup.py: {message.replace('on import', 'at install')}"))
            else:
                result.hits.append(("BR-IMPORT-TIME", "high" if shell_or_net else "medium", line, message))


def scan_python(path: str, data: bytes, role: str = "module") -> FileResult:
    result = FileResult(path)
    line_of = _line_finder(data)
    padded = data if data.startswith(b"\n") else b"\n" + data
    _regex_facts(result, padded, _shifted(line_of), python=True, pad=len(padded) - len(data))
    has_exec = b"exec(" in data or b"eval(" in data or b"-c'" in data or b'-c"' in data
    need_exec = has_exec and execution.DECODE_HINT.search(data) is not None
    need_remote = has_exec and result.network is not None
    need_harvest = b"environ" in data and cred_rules.ENV_WHOLE_HINT.search(data) is not None
    need_obf = execution.needs_obfuscation_check(data)
    need_import = role == "setup" or import_time.could_run_sink_on_import(
        padded, result.network is not None or result.subprocess is not None)
    persist = next((i for i, h in enumerate(result.hits) if h[0] == "BR-PERSISTENCE"), None)
    tree = None
    if role == "setup" or need_exec or need_remote or need_harvest or need_obf or need_import or persist is not None:
        tree = _parse(data, path)
        result.parsed = True
        if tree is None:
            result.parse_error = True
        else:
            _ast_rules(result, tree, need_exec=need_exec, need_remote=need_remote, need_harvest=need_harvest,
                       need_obf=need_obf, need_import=need_import, role=role)
            if role == "setup":
                for line, message in install.cmdclass_sites(tree):
                    result.hits.append(("BR-INSTALL-CMDCLASS", "medium", line, message))
    if persist is not None:
        # an autostart write is a feature a user may ask for (a daemon installing its own unit); next
        # to network in the same file (a polled next stage) or run on import, it is the attack shape
        _rid, _sev, line, message = result.hits[persist]
        on_import = tree is not None and line is not None and import_time.runs_on_import(tree, line)
        if result.network or on_import:
            why = "runs on import" if on_import else "network in the same file"
            result.hits[persist] = ("BR-PERSISTENCE", "high", line, f"{message}; {why}")
    if role == "setup":
        result.hits.append(("BR-INSTALL-SETUP-PY", "info", None, "sdist setup.py runs when installed from source"))
        reasons = []
        if result.network:
            reasons.append("network")
        if result.harvest:
            reasons.append("environment harvest")
        if cred_rules.is_credential_source(set(result.cred), same_file=True):
            reasons.append("credential files")
        if any(h[0] in ("BR-EXEC-DECODED", "BR-EXEC-REMOTE", "BR-DOWNLOAD-EXEC") for h in result.hits):
            reasons.append("hidden or downloaded code")
        if reasons:
            result.hits.append(("BR-INSTALL-SINK", "high", result.network,
                                f"setup.py reaches {', '.join(reasons)} at install time"))
    if role == "sitecustomize":
        result.hits.append(("BR-STARTUP-SITECUSTOMIZE", "high", None,
                            f"{path.rsplit('/', 1)[-1]} at the install root runs at every Python start"))
    return result


def scan_pth(path: str, data: bytes, owner: str | None) -> FileResult:
    hits, code = pth.check_pth(path, data, owner)
    result = FileResult(path, hits=list(hits))
    for number, text in code:
        line_bytes = text.encode("utf-8", "replace")
        sub = scan_python(path, line_bytes, "module")
        for rule_id, severity, _line, message in sub.hits:
            if rule_id == "BR-IMPORT-TIME":
                continue  # every executable .pth line is start-up code; already critical
            result.hits.append((rule_id, severity, number, message))
        result.cred.update({k: number for k in sub.cred})
        result.env_names += [(n, number) for n, _ in sub.env_names]
        if sub.network:
            result.network = number
        if sub.subprocess:
            result.subprocess = number
        result.harvest = result.harvest or sub.harvest
    return result


def scan_member(path: str, data: bytes, kind: str, owner: str | None = None) -> FileResult | None:
    role = member_role(path, kind)
    if role is None or role == "metadata":
        return None
    if role == "pth":
        return scan_pth(path, data, owner)
    if role == "start":
        return FileResult(path, hits=list(pth.check_start(path, data)))
    if role == "pyproject":
        return FileResult(path, hits=install.build_backend_hits(data))
    if role == "script":
        result = FileResult(path)
        _regex_facts(result, data, _line_finder(data), python=False)
        return result
    return scan_python(path, data, role)


# ---------------------------------------------------------------------------------------------
# aggregation
def aggregate(
    name: str,
    version: str | None,
    artifact: str,
    sha256: str | None,
    files: Iterable[FileResult],
    *,
    extra: Iterable[Evidence] = (),
    notes: Iterable[str] = (),
) -> PackageAnalysis:
    files = sorted((f for f in files if f is not None), key=lambda f: f.path)
    evidence: list[Evidence] = list(extra)
    note_list = list(notes)
    caps: set[str] = set()
    env_first: dict[str, tuple[str, int]] = {}
    families: dict[str, tuple[str, int]] = {}
    network_at: tuple[str, int] | None = None
    subprocess_at: tuple[str, int] | None = None
    info_seen: dict[str, int] = {}
    parse_errors = 0

    def add(rule_id: str, severity: str, path: str, line: int | None, message: str) -> None:
        rule = RULES[rule_id]
        if rule.capability and not (rule_id == "BR-PTH-KNOWN"):
            caps.add(rule.capability)
        if severity == "info":
            count = info_seen.get(rule_id, 0) + 1
            info_seen[rule_id] = count
            if count > _MAX_INFO_EVIDENCE and rule_id not in ("BR-ENV-READ", "BR-CRED-FILE"):
                return
        evidence.append(Evidence(rule_id, severity, path, line, message))

    source_files: list[tuple[str, str]] = []
    own = cred_rules.own_stores(normalise_name(name))
    for f in files:
        parse_errors += f.parse_error
        for rule_id, severity, line, message in f.hits:
            add(rule_id, severity, f.path, line, message)
        for env_name, line in f.env_names:
            env_first.setdefault(env_name, (f.path, line))
        for family, line in f.cred.items():
            families.setdefault(family, (f.path, line))
        if f.network and network_at is None:
            network_at = (f.path, f.network)
        if f.subprocess and subprocess_at is None:
            subprocess_at = (f.path, f.subprocess)
        if f.network or f.subprocess:
            caps.add("network" if f.network else "subprocess")
            if f.network and f.subprocess:
                caps.add("subprocess")
        file_source = f.harvest or cred_rules.is_credential_source(set(f.cred) - own, same_file=True)
        if file_source:
            what = "environment harvest" if f.harvest else "credential files (" + ", ".join(sorted(set(f.cred) - own)) + ")"
            source_files.append((f.path, what))
            if f.network:
                add("BR-COMBO-EXFIL", "critical", f.path, f.network,
                    f"{what} and network in the same file")
    if network_at:
        add("BR-NETWORK", "info", network_at[0], network_at[1], "can open network connections")
    if subprocess_at:
        add("BR-SUBPROCESS", "info", subprocess_at[0], subprocess_at[1], "can run other programs")
    for env_name in sorted(env_first):
        path, line = env_first[env_name]
        add("BR-ENV-READ", "info", path, line, f"reads environment variable {env_name}")
    for family in sorted(families):
        path, line = families[family]
        if family == "ai-tools":
            add("BR-AI-TOOL-CONFIG", "medium", path, line, "names an AI coding tool's config (e.g. ~/.claude, MCP)")
        else:
            add("BR-CRED-FILE", "info", path, line, f"names {family} credentials")
    sweep_files = [f for f in files if cred_rules.is_credential_source(set(f.cred) - own)]
    harvest_files = [f for f in files if f.harvest]
    if (sweep_files or harvest_files) and network_at and not any(e.rule_id == "BR-COMBO-EXFIL" for e in evidence):
        if harvest_files:
            src_path, what = harvest_files[0].path, "environment harvest"
        else:
            src_path = sweep_files[0].path
            what = "credential files (" + ", ".join(sorted(set(sweep_files[0].cred) - own)) + ")"
        add("BR-COMBO-EXFIL", "high", src_path, None,
            f"{what} in {src_path} and network in {network_at[0]} (same package)")
    for rule_id, count in sorted(info_seen.items()):
        if count > _MAX_INFO_EVIDENCE and rule_id not in ("BR-ENV-READ", "BR-CRED-FILE"):
            note_list.append(f"{rule_id}: {count - _MAX_INFO_EVIDENCE} more locations not listed")
    if parse_errors:
        note_list.append(f"{parse_errors} Python file(s) could not be parsed; regex rules still applied")
    evidence_sorted = tuple(sorted(set(evidence), key=Evidence.sort_key))
    verdict = worst(e.severity for e in evidence_sorted)
    return PackageAnalysis(
        name=normalise_name(name),
        version=version,
        artifact=artifact,
        sha256=sha256,
        capabilities=tuple(sorted(caps)),
        env_names=tuple(sorted(env_first)),
        verdict=verdict,
        evidence=evidence_sorted,
        files_scanned=len(files),
        notes=tuple(sorted(set(note_list))),
    )


# ---------------------------------------------------------------------------------------------
# artifacts
def _name_version_from_filename(filename: str) -> tuple[str, str | None]:
    if filename.endswith(".whl"):
        parts = filename[:-4].split("-")
        return parts[0], parts[1] if len(parts) > 1 else None
    stem = filename
    for suffix in archive.SDIST_SUFFIXES:
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    name, sep, version = stem.rpartition("-")
    return (name, version) if sep else (stem, None)


def _metadata_name_version(data: bytes) -> tuple[str | None, str | None]:
    head = data.split(b"\n\n", 1)[0].decode("utf-8", "replace")
    name = version = None
    for line in head.splitlines():
        if line.startswith("Name:") and name is None:
            name = line[5:].strip()
        elif line.startswith("Version:") and version is None:
            version = line[8:].strip()
    return name, version


def artifact_kind(filename: str) -> str:
    lower = filename.lower()
    if lower.endswith(".whl"):
        return "wheel"
    if archive.is_sdist_name(lower):
        return "sdist"
    raise ArtifactError("not a wheel (.whl) or sdist (.tar.gz, .zip)", path=filename)


def _wheel_owner(path: str, meta_name: str | None, file_name: str) -> str:
    return normalise_name(meta_name or file_name)


def scan_artifact_files(path: Path, data: bytes | None = None) -> tuple[str, str | None, list[FileResult], list[Evidence], list[str]]:
    """Read one artifact and scan its members (single process)."""
    filename = path.name
    kind = artifact_kind(filename)
    file_name, file_version = _name_version_from_filename(filename)
    source: str | Path | bytes = data if data is not None else path
    reader = archive.ArchiveReader(source, label=filename)
    members: list[tuple[str, bytes]] = []
    meta_name = meta_version = None
    iterator = reader.iter_zip(want_member(kind)) if kind == "wheel" else None
    if kind == "sdist":
        iterator = archive.iter_sdist(source, want=want_member(kind), reader=reader)
    for member_path, member_data in iterator:  # type: ignore[union-attr]
        if member_role(member_path, kind) == "metadata":
            meta_name, meta_version = _metadata_name_version(member_data)
            continue
        members.append((member_path, member_data))
    owner = normalise_name(meta_name or file_name)
    results = [r for r in (scan_member(p, d, kind, owner) for p, d in members) if r is not None]
    extra: list[Evidence] = []
    notes: list[str] = []
    for member, reason in sorted(reader.skipped):
        if "escapes" in reason or "symlink" in reason:
            extra.append(Evidence("BR-ARCHIVE-MEMBER", "medium", archive.safe_member_path(member) or member.replace("\x00", "?"),
                                  None, f"archive member ignored: {reason}"))
        else:
            notes.append(f"{member}: not analysed ({reason})")
    if kind == "sdist":
        if not any(r.path.split("/", 1)[-1] == "setup.py" for r in results):
            if any(r.path.split("/", 1)[-1] == "pyproject.toml" for r in results):
                notes.append("sdist builds through its PEP 517 backend when installed from source")
        extra.append(Evidence("BR-INSTALL-SETUP-PY", "info", filename, None,
                              "an sdist runs build code when installed") ) if False else None
    return meta_name or file_name, meta_version or file_version, results, extra, notes


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _normalise_hash(value: str) -> str:
    value = value.strip().lower()
    return value.split(":", 1)[1] if value.startswith("sha256:") else value.split("=", 1)[-1]


def analyse_artifact(path: Path, *, expected_hashes: Iterable[str] = (), cache_dir: str | Path | None = None,
                     use_cache: bool = True) -> PackageAnalysis:
    """Analyse one wheel or sdist without executing or extracting it.

    ``expected_hashes`` (``sha256:<hex>`` or bare hex) come from the lock; when given and the
    artifact matches none of them, a critical ``BR-HASH-MISMATCH`` is part of the result.
    """
    from blastradius.capabilities.cache import ResultCache

    path = Path(path)
    if not path.is_file():
        raise ArtifactError("artifact not found or not a file", path=str(path))
    artifact_kind(path.name)
    digest = sha256_of(path)
    expected = {_normalise_hash(h) for h in expected_hashes if h}
    cache = ResultCache(cache_dir, enabled=use_cache)
    key = hashlib.sha256(f"artifact:{digest}:{RULES_VERSION}".encode()).hexdigest()
    analysis = cache.get(key)
    if analysis is None:
        name, version, results, extra, notes = scan_artifact_files(path)
        analysis = aggregate(name, version, path.name, digest, results, extra=extra, notes=notes)
        cache.put(key, analysis)
    if expected and digest not in expected:
        mismatch = Evidence("BR-HASH-MISMATCH", "critical", path.name, None,
                            f"sha256 {digest[:16]}... is not among the {len(expected)} hash(es) the lock pins")
        evidence = tuple(sorted(set(analysis.evidence) | {mismatch}, key=Evidence.sort_key))
        analysis = PackageAnalysis(analysis.name, analysis.version, analysis.artifact, analysis.sha256,
                                   analysis.capabilities, analysis.env_names, "critical", evidence,
                                   analysis.files_scanned, analysis.notes)
    return analysis


def default_jobs(jobs: int | None) -> int:
    if jobs is not None and jobs > 0:
        return jobs
    return max(1, min(os.cpu_count() or 1, 8))
