"""Loading OSV records: the embedded incident feed, and ``--advisories PATH``.

``PATH`` is a directory of OSV records (``*.json``, ``*.yaml``, ``*.yml``, searched
recursively, so a checkout of ossf/malicious-packages or pypa/advisory-database works as is),
a single record file (an object or a list of objects), or the per-ecosystem ``all.zip`` an
OSV mirror serves. Archives are read member by member in memory and never extracted: the
data is untrusted input like everything else blastradius reads.

Records are skipped, not rejected, when they are withdrawn or when their ``id`` is empty
(the ossf per-source staging files ``MAL-0000-<source>-….json``, which would double-count).
A record that cannot be parsed at all is an :class:`~blastradius.errors.AdvisoryError`
naming the file or member (and the line, when the parser knows it).
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Collection, Iterator, Mapping, Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import Any

from blastradius.advisories.model import (
    KIND_MALICIOUS,
    KIND_VULNERABILITY,
    Advisory,
    AdvisoryDatabase,
    AdvisorySourceInfo,
    AffectedRange,
    VersionRange,
)
from blastradius.errors import AdvisoryError
from blastradius.model import normalise_name

EMBEDDED_FEED = "incidents.osv.json"
RECORD_SUFFIXES = (".json", ".yaml", ".yml")
# all.zip for PyPI is a few hundred MB uncompressed spread over ~20k small members; a single
# member far above this is not an OSV record (zip bomb or wrong file).
MAX_MEMBER_BYTES = 16 * 1024 * 1024
MALWARE_CWE = "CWE-506"
_EVENT_KINDS = ("introduced", "fixed", "last_affected", "limit")


# --------------------------------------------------------------------------------------------
# public loaders


@lru_cache(maxsize=1)
def load_embedded() -> AdvisoryDatabase:
    """The curated incident feed shipped in the package (cached: it never changes at runtime)."""
    text = resources.files("blastradius.data").joinpath(EMBEDDED_FEED).read_text(encoding="utf-8")
    label = f"embedded:{EMBEDDED_FEED}"
    stats = _Stats(label)
    advisories = list(_records_from_text(text, EMBEDDED_FEED, "json", "embedded", stats))
    return AdvisoryDatabase(tuple(advisories), (stats.info(),))


def load_path(path: str | Path, *, names: Collection[str] | None = None) -> AdvisoryDatabase:
    """Load ``--advisories PATH`` (directory, record file, or all.zip) offline.

    ``names`` (PEP 503 names of the packages being checked) keeps only the records about
    them: every record is still parsed and validated, but the whole PyPI archive is not held
    in memory for a project that uses a few hundred packages."""
    root = Path(path)
    wanted = frozenset(normalise_name(n) for n in names) if names is not None else None
    if not root.exists():
        raise AdvisoryError("advisory source does not exist", path)
    if root.is_dir():
        return _load_directory(root, wanted)
    if zipfile.is_zipfile(root):
        return _load_zip(root, wanted)
    suffix = root.suffix.lower()
    if suffix not in RECORD_SUFFIXES:
        raise AdvisoryError(
            "not an OSV source: expected a directory of *.json/*.yaml records, a record file or an all.zip",
            path,
        )
    stats = _Stats(root.name, wanted)
    advisories = list(_records_from_bytes(root.read_bytes(), str(path), suffix, root.name, stats))
    return AdvisoryDatabase(tuple(advisories), (stats.info(),))


def load_sources(
    extra_sources: Sequence[str | Path] = (), *, embedded: bool = True, names: Collection[str] | None = None
) -> AdvisoryDatabase:
    """The embedded feed plus every ``--advisories`` source, in the order given."""
    db = load_embedded() if embedded else AdvisoryDatabase()
    for source in extra_sources:
        db = db + load_path(source, names=names)
    return db


def parse_record(data: Mapping[str, Any], *, origin: str = "embedded", where: str = "<record>") -> Advisory | None:
    """One OSV object → :class:`Advisory`; ``None`` for records to skip (empty id, withdrawn
    handled by the caller). Raises AdvisoryError for structurally broken records."""
    if not isinstance(data, Mapping):
        raise AdvisoryError("OSV record is not an object", where)
    record_id = data.get("id")
    if not isinstance(record_id, str):
        raise AdvisoryError("OSV record has no string 'id'", where)
    if not record_id.strip():
        return None
    aliases = _string_list(data.get("aliases"), "aliases", where)
    affected_raw = data.get("affected", [])
    if not isinstance(affected_raw, list):
        raise AdvisoryError(f"{record_id}: 'affected' is not a list", where)
    affected = tuple(a for a in (_parse_affected(item, record_id, where) for item in affected_raw) if a)
    ds = data.get("database_specific") if isinstance(data.get("database_specific"), Mapping) else {}
    curated = ds.get("blastradius") if isinstance(ds.get("blastradius"), Mapping) else {}
    kind = _kind(record_id, data, ds, curated, affected_raw)
    severity, cvss = _severity(data, ds, kind)
    return Advisory(
        id=record_id.strip(),
        aliases=tuple(sorted({a for a in aliases if a and a != record_id})),
        summary=_one_line(_text(data.get("summary"))),
        details=_text(data.get("details")),
        kind=kind,
        severity=severity,
        affected=affected,
        source=_source(data, ds),
        published=_text(data.get("published")) or None,
        withdrawn=_text(data.get("withdrawn")) or None,
        rotate=tuple(_string_list(curated.get("rotate"), "rotate", where)),
        unverified=tuple(_string_list(curated.get("unverified"), "unverified", where)),
        iocs=_iocs(ds.get("iocs")),
        what_it_did=_one_line(_text(curated.get("what_it_did"))),
        cvss=cvss,
        origin=origin,
        modified=_text(data.get("modified")) or None,
    )


# --------------------------------------------------------------------------------------------
# directories and archives


class _Stats:
    def __init__(self, label: str, wanted: frozenset[str] | None = None) -> None:
        self.label = label
        self.wanted = wanted
        self.records = 0
        self.withdrawn = 0
        self.empty_id = 0
        self.notes: set[str] = set()

    def info(self) -> AdvisorySourceInfo:
        return AdvisorySourceInfo(self.label, self.records, self.withdrawn, self.empty_id, tuple(sorted(self.notes)))

    def keep(self, advisory: Advisory) -> bool:
        return self.wanted is None or any(a.name in self.wanted for a in advisory.affected if a.ecosystem == "PyPI")


def _load_directory(root: Path, wanted: frozenset[str] | None = None) -> AdvisoryDatabase:
    stats = _Stats(root.name + "/", wanted)
    advisories: list[Advisory] = []
    for file in _record_files(root):
        rel = file.relative_to(root).as_posix()
        origin = f"{root.name}/{rel}"
        advisories.extend(_records_from_bytes(file.read_bytes(), str(file), file.suffix.lower(), origin, stats))
    return AdvisoryDatabase(tuple(advisories), (stats.info(),))


def _record_files(root: Path) -> Iterator[Path]:
    """Record files under ``root`` in a stable order, skipping hidden directories (``.git``)."""
    found: list[Path] = []
    for path in root.rglob("*"):
        rel = path.relative_to(root).parts
        if any(part.startswith(".") for part in rel):
            continue
        if path.is_file() and path.suffix.lower() in RECORD_SUFFIXES:
            found.append(path)
    return iter(sorted(found, key=lambda p: p.relative_to(root).as_posix()))


def _load_zip(archive: Path, wanted: frozenset[str] | None = None) -> AdvisoryDatabase:
    stats = _Stats(archive.name, wanted)
    advisories: list[Advisory] = []
    try:
        with zipfile.ZipFile(archive) as zf:
            members = sorted(
                (i for i in zf.infolist() if not i.is_dir() and PurePosixPath(i.filename).suffix.lower() in RECORD_SUFFIXES),
                key=lambda i: i.filename,
            )
            for info in members:
                where = f"{archive}!{info.filename}"
                if info.file_size > MAX_MEMBER_BYTES:
                    raise AdvisoryError(f"member is {info.file_size} bytes, larger than any OSV record", where)
                with zf.open(info) as handle:
                    raw = handle.read(MAX_MEMBER_BYTES + 1)
                if len(raw) > MAX_MEMBER_BYTES:
                    raise AdvisoryError("member is larger than any OSV record", where)
                origin = f"{archive.name}!{info.filename}"
                advisories.extend(
                    _records_from_bytes(raw, where, PurePosixPath(info.filename).suffix.lower(), origin, stats)
                )
    except zipfile.BadZipFile as exc:
        raise AdvisoryError(f"unreadable zip archive: {exc}", archive) from None
    return AdvisoryDatabase(tuple(advisories), (stats.info(),))


# --------------------------------------------------------------------------------------------
# one file / member


def _records_from_bytes(raw: bytes, where: str, suffix: str, origin: str, stats: _Stats) -> Iterator[Advisory]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise AdvisoryError(f"not UTF-8 text (byte {exc.start})", where) from None
    kind = "json" if suffix == ".json" else "yaml"
    return _records_from_text(text, where, kind, origin, stats)


def _records_from_text(text: str, where: str, kind: str, origin: str, stats: _Stats) -> Iterator[Advisory]:
    data = _parse_json(text, where) if kind == "json" else _parse_yaml(text, where)
    items = data if isinstance(data, list) else [data]
    for index, item in enumerate(items):
        label = where if len(items) == 1 else f"{where}[{index}]"
        advisory = parse_record(item, origin=origin, where=label) if isinstance(item, Mapping) else _not_object(label)
        if advisory is None:
            stats.empty_id += 1
            continue
        if advisory.withdrawn:
            stats.withdrawn += 1
            continue
        stats.records += 1
        for affected in advisory.affected:
            for r in affected.ranges:
                if r.type != "ECOSYSTEM" and affected.ecosystem == "PyPI":
                    stats.notes.add(f"{r.type} ranges on PyPI packages are ignored (only ECOSYSTEM ranges carry PEP 440 versions)")
        if stats.keep(advisory):
            yield advisory


def _not_object(where: str) -> None:
    raise AdvisoryError("OSV record is not an object", where)


def _parse_json(text: str, where: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise AdvisoryError(f"invalid JSON: {exc.msg} (column {exc.colno})", where, exc.lineno) from None


def _parse_yaml(text: str, where: str) -> Any:
    import yaml  # lazily: only YAML sources need it

    try:
        return yaml.load(text, Loader=_string_loader())  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise AdvisoryError(f"invalid YAML: {problem}", where, line) from None


@lru_cache(maxsize=1)
def _string_loader() -> type:
    """A SafeLoader that keeps numbers and dates as strings: PyPA writes versions unquoted
    (``fixed: 1.10`` would otherwise become the float 1.1) and timestamps unquoted."""
    import yaml

    class StringLoader(yaml.SafeLoader):
        pass

    dropped = {"tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:timestamp"}
    StringLoader.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag not in dropped]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    return StringLoader


# --------------------------------------------------------------------------------------------
# fields


def _parse_affected(item: Any, record_id: str, where: str) -> AffectedRange | None:
    if not isinstance(item, Mapping):
        raise AdvisoryError(f"{record_id}: an 'affected' entry is not an object", where)
    package = item.get("package")
    if not isinstance(package, Mapping):
        return None  # repository-only entries (GIT ranges without a package): nothing to match
    ecosystem = _text(package.get("ecosystem")).split(":", 1)[0]
    name = _text(package.get("name"))
    if not ecosystem or not name:
        return None
    if ecosystem.lower() == "pypi":
        ecosystem, name = "PyPI", normalise_name(name)
    versions_raw = item.get("versions", [])
    if versions_raw is None:
        versions_raw = []
    if not isinstance(versions_raw, list):
        raise AdvisoryError(f"{record_id}: 'versions' of {name} is not a list", where)
    versions = tuple(str(v).strip() for v in versions_raw if str(v).strip())
    ranges_raw = item.get("ranges", []) or []
    if not isinstance(ranges_raw, list):
        raise AdvisoryError(f"{record_id}: 'ranges' of {name} is not a list", where)
    ranges: list[VersionRange] = []
    for r in ranges_raw:
        if not isinstance(r, Mapping):
            raise AdvisoryError(f"{record_id}: a range of {name} is not an object", where)
        events_raw = r.get("events", [])
        if not isinstance(events_raw, list):
            raise AdvisoryError(f"{record_id}: 'events' of {name} is not a list", where)
        events: list[tuple[str, str]] = []
        for event in events_raw:
            if not isinstance(event, Mapping):
                raise AdvisoryError(f"{record_id}: an event of {name} is not an object", where)
            for key in _EVENT_KINDS:
                if key in event and event[key] is not None:
                    events.append((key, str(event[key]).strip()))
        ranges.append(VersionRange(_text(r.get("type")).upper() or "ECOSYSTEM", tuple(events)))
    return AffectedRange(ecosystem, name, versions, tuple(ranges))


def _kind(record_id: str, data: Mapping[str, Any], ds: Mapping[str, Any], curated: Mapping[str, Any], affected: list[Any]) -> str:
    """Malicious when the record says so in any of the ways real databases do: a ``MAL-`` id,
    ossf's ``malicious-packages-origins``, CWE-506 (embedded malicious code) on an affected
    entry, or the curated feed's own marker."""
    if record_id.upper().startswith("MAL-"):
        return KIND_MALICIOUS
    if curated.get("kind") == KIND_MALICIOUS or "malicious-packages-origins" in ds:
        return KIND_MALICIOUS
    for alias in data.get("aliases") or []:
        if isinstance(alias, str) and alias.upper().startswith("MAL-"):
            return KIND_MALICIOUS
    for item in affected:
        if isinstance(item, Mapping) and isinstance(item.get("database_specific"), Mapping):
            cwes = item["database_specific"].get("cwes") or []
            if any(_cwe_id(c) == MALWARE_CWE for c in cwes):
                return KIND_MALICIOUS
    cwe_ids = ds.get("cwe_ids") or []
    if isinstance(cwe_ids, list) and MALWARE_CWE in cwe_ids:
        return KIND_MALICIOUS
    return KIND_VULNERABILITY


def _cwe_id(value: Any) -> str:
    if isinstance(value, Mapping):
        value = value.get("cweId") or value.get("id") or ""
    return str(value).upper()


_SEVERITY_WORDS = {"CRITICAL": "critical", "HIGH": "high", "MODERATE": "medium", "MEDIUM": "medium", "LOW": "low"}


def _severity(data: Mapping[str, Any], ds: Mapping[str, Any], kind: str) -> tuple[str | None, str | None]:
    """(qualitative severity, CVSS vector). Malicious releases are always critical; for
    vulnerabilities the database's own word wins, else the CVSS v3 base score's rating."""
    vector: str | None = None
    for entry in data.get("severity") or []:
        if isinstance(entry, Mapping) and isinstance(entry.get("score"), str):
            if entry.get("type") in ("CVSS_V3", "CVSS_V4", "CVSS_V2") or entry["score"].startswith("CVSS:"):
                if vector is None or str(entry.get("type")) == "CVSS_V3":
                    vector = entry["score"]
    if kind == KIND_MALICIOUS:
        return "critical", vector
    word = ds.get("severity")
    if isinstance(word, str) and word.upper() in _SEVERITY_WORDS:
        return _SEVERITY_WORDS[word.upper()], vector
    if vector:
        from blastradius.advisories.cvss import cvss3_rating

        rating = cvss3_rating(vector)
        if rating:
            return rating, vector
    return None, vector


def _source(data: Mapping[str, Any], ds: Mapping[str, Any]) -> str:
    """The upstream record's address: the curated ``source``, else the first ADVISORY
    reference, else the first reference."""
    if isinstance(ds.get("source"), str) and ds["source"]:
        return ds["source"]
    refs = [r for r in data.get("references") or [] if isinstance(r, Mapping) and isinstance(r.get("url"), str)]
    for ref in refs:
        if ref.get("type") == "ADVISORY":
            return ref["url"]
    return refs[0]["url"] if refs else ""


def _iocs(raw: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if not isinstance(raw, Mapping):
        return ()
    out: list[tuple[str, tuple[str, ...]]] = []
    for key, value in raw.items():
        if isinstance(value, list):
            items = tuple(sorted({str(v) for v in value}))
        elif isinstance(value, Mapping):
            items = tuple(sorted(f"{k}: {v}" for k, v in value.items()))
        else:
            items = (str(value),)
        out.append((str(key), items))
    return tuple(sorted(out))


def _string_list(value: Any, field: str, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise AdvisoryError(f"'{field}' is not a list", where)
    return [str(v).strip() for v in value if v is not None and str(v).strip()]


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _one_line(text: str) -> str:
    return " ".join(text.split())
