"""``requirements*.txt``: a lock when every line pins, a manifest otherwise.

A pip-compile / ``uv pip compile`` file is the only requirements format that states edges, and
only in comments: ``# via parent`` under a pin names who pulled it in. Those annotations are read
in every form the two tools write (single-line, multi-line block, ``--annotation-style=line``,
``-r file`` / ``project (pyproject.toml)`` for direct dependencies, ``-c file`` for constraints).
A file without them gets no edges at all -- ``edges_complete`` is False and the report says why;
inventing "everything hangs off the root" would make every transitive package look direct.

An unpinned file is a manifest: its lines become ``requirements`` and the transitive set comes
from :mod:`blastradius.sources.resolver` (or stays unknown when offline).

Includes (``-r``/``-c``) are followed relative to the including file, never outside the project
directory, never in a loop; options such as ``--index-url`` are recorded for the report and
never used to fetch anything. The line parser is a regex fast path for the common pin
(``name==1.2 \\``); anything else goes through :class:`packaging.requirements.Requirement`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from packaging.markers import InvalidMarker, Marker
from packaging.requirements import InvalidRequirement
from packaging.requirements import Requirement as PackagingRequirement
from packaging.version import InvalidVersion, Version

from blastradius.errors import SourceError
from blastradius.model import Dependency, Location, Package, Requirement, ResolvedProject, normalise_name
from blastradius.sources._io import display_path, load_toml, read_text, strip_credentials_from_url

KIND = "requirements.txt"

# name[extras] ==|=== version [; marker] -- the line pip-compile writes for every pin.
_FAST_PIN = re.compile(
    r"^(?P<name>[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*"
    r"(?:\[(?P<extras>[^\]]*)\])?\s*"
    r"(?P<op>===?)\s*(?P<version>[A-Za-z0-9._+!*-]+)\s*"
    r"(?:;\s*(?P<marker>.+?))?\s*$"
)
_COMMENT = re.compile(r"(^|\s+)#.*$")
_VIA_BLOCK_ITEM = re.compile(r"^\s*#\s{2,}(\S.*?)\s*$")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_VCS_PREFIX = re.compile(r"^(git|hg|svn|bzr)\+", re.IGNORECASE)
_EGG = re.compile(r"[#&]egg=([A-Za-z0-9][A-Za-z0-9._-]*)")
_WHEEL = re.compile(r"^(?P<name>[A-Za-z0-9._]+?)-(?P<version>[^-]+)(-\d[^-]*)?-[^-]+-[^-]+-[^-]+\.whl$")
_SDIST = re.compile(r"^(?P<name>[A-Za-z0-9._-]+?)-(?P<version>\d[^-]*?)\.(tar\.gz|zip|tar\.bz2|tgz)$")
_VIA_PROJECT = re.compile(r"^(?P<name>[^\s()]+)\s+\((?P<origin>[^)]*)\)")
_UNSAFE_HEADER = "the following packages are considered to be unsafe"

_INCLUDE_OPTIONS = {"-r": "requirement", "--requirement": "requirement", "-c": "constraint", "--constraint": "constraint"}
_EDITABLE_OPTIONS = {"-e", "--editable"}
# Global options pip accepts in a requirements file; recorded for the report, never used.
_GLOBAL_OPTIONS = {
    "-i": "--index-url",
    "--index-url": "--index-url",
    "--extra-index-url": "--extra-index-url",
    "--no-index": "--no-index",
    "-f": "--find-links",
    "--find-links": "--find-links",
    "--trusted-host": "--trusted-host",
    "--pre": "--pre",
    "--prefer-binary": "--prefer-binary",
    "--only-binary": "--only-binary",
    "--no-binary": "--no-binary",
    "--require-hashes": "--require-hashes",
    "--use-feature": "--use-feature",
    "-Z": "--always-unzip",
    "--always-unzip": "--always-unzip",
}
_FLAG_OPTIONS = {"--no-index", "--pre", "--prefer-binary", "--require-hashes", "--always-unzip"}


@dataclass
class ReqEntry:
    """One requirement line as written (a pin, a range, an editable or a direct URL)."""

    name: str
    specifier: str
    version: str | None  # the exact pin (``==1.2`` / ``===1.2``), else None
    extras: tuple[str, ...]
    marker: str | None
    location: Location
    source: str = "registry"
    url: str | None = None
    hashes: list[str] = field(default_factory=list)
    via: list[str] = field(default_factory=list)
    local_path: Path | None = None  # resolved local target of a path/editable line

    @property
    def pinned(self) -> bool:
        return self.version is not None or self.source != "registry"

    def as_requirement(self, group: str | None = None) -> Requirement:
        return Requirement(
            name=self.name,
            specifier=self.specifier,
            extras=self.extras,
            marker=self.marker,
            group=group,
            location=self.location,
            url=self.url,
        )

    def pep508(self) -> str:
        """The line as a PEP 508 string (what a resolver is given)."""
        text = self.name
        if self.extras:
            text += "[" + ",".join(self.extras) + "]"
        if self.url:
            text += f" @ {self.url}"
        else:
            text += self.specifier
        if self.marker:
            text += f" ; {self.marker}"
        return text


@dataclass
class ParsedRequirements:
    """Everything a requirements file (and its includes) states."""

    entries: list[ReqEntry] = field(default_factory=list)
    constraints: list[ReqEntry] = field(default_factory=list)
    options: list[tuple[str, str | None, Location]] = field(default_factory=list)
    files_read: list[str] = field(default_factory=list)
    unsafe: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unfollowed: list[str] = field(default_factory=list)

    @property
    def annotated(self) -> bool:
        return any(e.via for e in self.entries)

    @property
    def pinned(self) -> bool:
        return bool(self.entries) and all(e.pinned for e in self.entries)


@lru_cache(maxsize=4096)
def _check_marker(text: str) -> str:
    return str(Marker(text))


def _normalise_extras(text: str | None) -> tuple[str, ...]:
    if not text:
        return ()
    return tuple(sorted({normalise_name(e) for e in text.split(",") if e.strip()}))


class _Parser:
    def __init__(self, project_dir: Path | None) -> None:
        self.project_dir = project_dir.resolve() if project_dir is not None else None
        self.result = ParsedRequirements()
        self.seen: set[Path] = set()

    # -- files ---------------------------------------------------------------------------
    def shown(self, path: Path) -> str:
        return display_path(path, self.project_dir)

    def parse_file(self, path: Path, stack: tuple[Path, ...], constraint: bool) -> None:
        resolved = path.resolve()
        shown = self.shown(path)
        text = read_text(path, shown)
        self.seen.add(resolved)
        self.result.files_read.append(shown)
        self.parse_text(text, shown, path.parent, stack + (resolved,), constraint)

    def include(self, target: str, how: str, base: Path | None, stack: tuple[Path, ...], loc: Location) -> None:
        if _SCHEME.match(target):
            safe = strip_credentials_from_url(target) or target
            self.result.unfollowed.append(f"{how} {safe} ({loc})")
            return
        if base is None or self.project_dir is None:
            raise SourceError(f"`{how} {target}` cannot be followed here", loc.path, loc.line)
        candidate = (base / target).resolve()
        try:
            candidate.relative_to(self.project_dir)
        except ValueError:
            raise SourceError(
                f"`{how} {target}` points outside the project directory (not followed)", loc.path, loc.line
            ) from None
        if candidate in stack:
            chain = " -> ".join(self.shown(p) for p in stack[stack.index(candidate) :]) + " -> " + self.shown(candidate)
            raise SourceError(f"include loop: {chain}", loc.path, loc.line)
        if not candidate.is_file():
            raise SourceError(f"included file not found: {target}", loc.path, loc.line)
        if candidate in self.seen:
            return  # included twice (a diamond, not a loop): read once
        self.parse_file(candidate, stack, constraint=(how in ("-c", "--constraint")))

    # -- lines ---------------------------------------------------------------------------
    def parse_text(
        self, text: str, shown: str, base: Path | None, stack: tuple[Path, ...], constraint: bool = False
    ) -> None:
        result = self.result
        target_list = result.constraints if constraint else result.entries
        last: ReqEntry | None = None
        in_via_block = False
        in_unsafe = False
        pending: list[str] = []
        pending_line = 0
        lines = text.splitlines()
        for number, raw in enumerate(lines, start=1):
            if pending:
                # Continuation of a logical line; a comment line inside one ends it (pip does too).
                stripped_raw = raw.rstrip()
                if stripped_raw.endswith("\\"):
                    pending.append(stripped_raw[:-1])
                    continue
                pending.append(stripped_raw)
                logical, start = " ".join(pending), pending_line
                pending = []
                entry = self.logical_line(logical, shown, start, base, stack, target_list)
                if entry is not None:
                    last = entry
                continue
            stripped = raw.strip()
            if not stripped:
                in_via_block = False
                continue
            if stripped[0] == "#":
                body = stripped[1:].strip()
                if body.startswith("via"):
                    rest = body[3:]
                    if rest == "" or rest[0] in " \t":
                        in_via_block = not rest.strip()
                        if last is not None and rest.strip():
                            last.via.extend(_split_via(rest))
                        continue
                if in_via_block and last is not None:
                    match = _VIA_BLOCK_ITEM.match(stripped)
                    if match:
                        last.via.append(match.group(1))
                        continue
                in_via_block = False
                if _UNSAFE_HEADER in body.lower():
                    in_unsafe, last = True, None
                elif in_unsafe and raw[0] == "#" and re.match(r"^[A-Za-z0-9][A-Za-z0-9._-]*(\s*==\S+)?$", body):
                    result.unsafe.append(body.replace(" ", ""))
                continue
            in_via_block = False
            in_unsafe = False
            if stripped.endswith("\\"):
                pending, pending_line = [stripped[:-1]], number
                continue
            entry = self.logical_line(stripped, shown, number, base, stack, target_list)
            if entry is not None:
                last = entry
        if pending:
            entry = self.logical_line(" ".join(pending), shown, pending_line, base, stack, target_list)

    def logical_line(
        self,
        line: str,
        shown: str,
        number: int,
        base: Path | None,
        stack: tuple[Path, ...],
        target_list: list[ReqEntry],
    ) -> ReqEntry | None:
        via: list[str] = []
        if "#" in line:
            match = _COMMENT.search(line)
            if match:
                comment = match.group(0).strip()[1:].strip()
                if comment.startswith("via ") or comment.startswith("via\t"):
                    via = _split_via(comment[3:])
                line = line[: match.start()].rstrip()
        line = line.strip()
        if not line:
            return None
        loc = Location(shown, number)
        if line[0] == "-" and not line.startswith("-e") and not line.startswith("--editable"):
            self.option_line(line, loc, base, stack)
            return None
        entry = self.requirement_line(line, loc, base)
        entry.via.extend(via)
        target_list.append(entry)
        return entry

    def option_line(self, line: str, loc: Location, base: Path | None, stack: tuple[Path, ...]) -> None:
        option, value = _split_option(line)
        if option in _INCLUDE_OPTIONS:
            if not value:
                raise SourceError(f"`{option}` needs a file name", loc.path, loc.line)
            self.include(value, option, base, stack, loc)
            return
        canonical = _GLOBAL_OPTIONS.get(option)
        if canonical is None:
            self.result.options.append((option, _safe_value(value), loc))
            self.result.notes.append(f"unrecognised option {option} at {loc} (recorded, ignored)")
            return
        if canonical not in _FLAG_OPTIONS and not value:
            raise SourceError(f"`{option}` needs a value", loc.path, loc.line)
        self.result.options.append((canonical, _safe_value(value), loc))

    def requirement_line(self, line: str, loc: Location, base: Path | None) -> ReqEntry:
        editable = False
        if line.startswith(("-e", "--editable")):
            option, value = _split_option(line)
            if option not in _EDITABLE_OPTIONS or not value:
                raise SourceError("`-e` needs a path or URL", loc.path, loc.line)
            editable, line = True, value
        # Per-requirement options (--hash, --config-settings ...) start at the first token
        # beginning with "-", exactly as pip splits them.
        hashes: list[str] = []
        if " -" in line or "\t-" in line:
            tokens = line.split()
            for index, token in enumerate(tokens):
                if token.startswith("-"):
                    line = " ".join(tokens[:index])
                    hashes = _hashes(tokens[index:], loc)
                    break
        if editable:
            return self.direct_line(line, loc, base, editable=True, hashes=hashes)
        match = _FAST_PIN.match(line)
        if match and "*" not in match.group("version"):
            version = match.group("version")
            op = match.group("op")
            if op == "==":
                try:
                    Version(version)
                except InvalidVersion:
                    raise SourceError(f"invalid version {version!r} in requirement", loc.path, loc.line) from None
            marker = match.group("marker")
            if marker:
                try:
                    marker = _check_marker(marker)
                except InvalidMarker as exc:
                    raise SourceError(f"invalid marker: {_first_line(exc)}", loc.path, loc.line) from None
            return ReqEntry(
                name=normalise_name(match.group("name")),
                specifier=f"{op}{version}",
                version=version,
                extras=_normalise_extras(match.group("extras")),
                marker=marker,
                location=loc,
                hashes=hashes,
            )
        if _looks_like_direct(line):
            return self.direct_line(line, loc, base, editable=False, hashes=hashes)
        try:
            req = PackagingRequirement(line)
        except InvalidRequirement as exc:
            raise SourceError(f"invalid requirement: {_first_line(exc)}", loc.path, loc.line) from None
        marker = str(req.marker) if req.marker is not None else None
        extras = tuple(sorted(normalise_name(e) for e in req.extras))
        if req.url:
            classified = self.classify_url(req.url, base, editable=False)
            return _direct_entry(req.name, req.url, extras, marker, loc, hashes, classified)
        specs = list(req.specifier)
        version = None
        if len(specs) == 1 and specs[0].operator in ("==", "===") and "*" not in specs[0].version:
            version = specs[0].version
        return ReqEntry(
            name=normalise_name(req.name),
            specifier=str(req.specifier),
            version=version,
            extras=extras,
            marker=marker,
            location=loc,
            hashes=hashes,
        )

    def direct_line(self, line: str, loc: Location, base: Path | None, *, editable: bool, hashes: list[str]) -> ReqEntry:
        """``-e path|url``, a bare URL or path, or ``name @ url`` behind ``-e``."""
        marker = None
        target = line
        # A marker after a URL must be separated by "; " (pip's rule), after a path by ";".
        for sep in (" ; ", "; ", ";"):
            if sep in target:
                left, right = target.split(sep, 1)
                if right.strip():
                    try:
                        marker = _check_marker(right.strip())
                    except InvalidMarker:
                        continue
                    target = left.strip()
                    break
        name_part = None
        if " @ " in target:
            name_part, _, target = (s.strip() for s in target.partition(" @ "))
        extras: tuple[str, ...] = ()
        if target.endswith("]") and "[" in target and not _SCHEME.match(target):
            target, _, extras_text = target[:-1].partition("[")
            extras = _normalise_extras(extras_text)
        classified = self.classify_url(target, base, editable=editable)
        source, url, local = classified
        name = None
        if name_part:
            try:
                parsed = PackagingRequirement(name_part + " @ https://index.example/x")
            except InvalidRequirement as exc:
                raise SourceError(f"invalid requirement: {_first_line(exc)}", loc.path, loc.line) from None
            name = parsed.name
            extras = extras or tuple(sorted(normalise_name(e) for e in parsed.extras))
        name = name or _name_from_target(target, local)
        if not name:
            raise SourceError(f"cannot tell the package name of {url or source + ' reference'!r}", loc.path, loc.line)
        return _direct_entry(name, target, extras, marker, loc, hashes, classified)

    def classify_url(self, target: str, base: Path | None, *, editable: bool) -> tuple[str, str | None, Path | None]:
        """Source kind, a shareable URL (no credentials, no machine paths) and the local path."""
        if _VCS_PREFIX.match(target):
            kind = "git" if target.lower().startswith("git+") else "url"
            return kind, strip_credentials_from_url(target), None
        local: Path | None = None
        if target.lower().startswith("file:"):
            from urllib.parse import unquote, urlparse

            parsed = urlparse(target)
            local = Path(unquote(parsed.path))
        elif _SCHEME.match(target):
            return ("editable" if editable else "url"), strip_credentials_from_url(target), None
        else:
            local = Path(target) if base is None else (base / target)
        resolved = local.resolve() if local is not None else None
        shown = self.shown(resolved) if resolved is not None else target
        if resolved is not None and Path(shown).is_absolute():
            shown = "file:" + resolved.name  # outside the project: never carry a machine path
        if editable:
            return "editable", shown, resolved
        if resolved is not None and resolved.is_dir():
            return "directory", shown, resolved
        return "path", shown, resolved


def _split_option(line: str) -> tuple[str, str | None]:
    if line.startswith("--") and "=" in line.split(None, 1)[0]:
        option, _, value = line.partition("=")
        return option.strip(), value.strip() or None
    parts = line.split(None, 1)
    option = parts[0]
    value = parts[1].strip() if len(parts) > 1 else None
    if value is None and len(option) > 2 and option[0] == "-" and option[1] != "-":
        option, value = option[:2], option[2:].strip()  # "-rfile.txt"
    return option, value


def _safe_value(value: str | None) -> str | None:
    if value and _SCHEME.match(value):
        return strip_credentials_from_url(value)
    return value


def _direct_entry(
    name: str,
    target: str,
    extras: tuple[str, ...],
    marker: str | None,
    loc: Location,
    hashes: list[str],
    classified: tuple[str, str | None, Path | None],
) -> ReqEntry:
    """A requirement that points at a URL, VCS or local path instead of an index pin."""
    source, url, local = classified
    return ReqEntry(
        name=normalise_name(name),
        specifier="",
        version=_version_from_filename(target),
        extras=extras,
        marker=marker,
        location=loc,
        source=source,
        url=url,
        hashes=hashes,
        local_path=local,
    )


_HEX = re.compile(r"[0-9a-fA-F]+")


def _hashes(tokens: list[str], loc: Location) -> list[str]:
    found: list[str] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.startswith("--hash"):
            value = token[7:] if token.startswith("--hash=") else (tokens[index + 1] if index + 1 < len(tokens) else "")
            if not token.startswith("--hash="):
                index += 1
            algorithm, _, digest = value.partition(":")
            if not algorithm or not _HEX.fullmatch(digest):
                raise SourceError("malformed --hash (expected algorithm:hexdigest)", loc.path, loc.line)
            found.append(value)
        elif token.startswith("--config-settings") or token.startswith("--global-option") or token.startswith(
            "--install-option"
        ):
            if "=" not in token:
                index += 1
        elif token.startswith("-"):
            raise SourceError(f"unknown per-requirement option {token.split('=')[0][:40]}", loc.path, loc.line)
        else:
            raise SourceError("unexpected text after the requirement (only --hash options may follow)", loc.path, loc.line)
        index += 1
    return found


def _split_via(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _looks_like_direct(line: str) -> bool:
    head = line.split(";", 1)[0].strip()
    if " @ " in head or _SCHEME.match(head) or _VCS_PREFIX.match(head):
        return True
    return head.startswith((".", "/", "~")) or "/" in head or "\\" in head or head.endswith((".whl", ".tar.gz", ".zip"))


def _version_from_filename(target: str) -> str | None:
    tail = target.split("#", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    match = _WHEEL.match(tail) or _SDIST.match(tail)
    return match.group("version") if match else None


def _name_from_target(target: str, local: Path | None) -> str | None:
    egg = _EGG.search(target)
    if egg:
        return egg.group(1)
    tail = target.split("#", 1)[0].split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    match = _WHEEL.match(tail) or _SDIST.match(tail)
    if match:
        return match.group("name")
    if local is not None and local.is_dir():
        name = _static_project_name(local)
        if name:
            return name
        return local.name
    if tail.endswith(".git"):
        tail = tail[:-4]
    if "@" in tail:
        tail = tail.split("@", 1)[0]
    return tail or None


def _static_project_name(directory: Path) -> str | None:
    """The name in a local project's pyproject.toml, read as data (never built or run)."""
    pyproject = directory / "pyproject.toml"
    if not pyproject.is_file():
        return None
    try:
        data, _ = load_toml(pyproject)
    except SourceError:
        return None
    name = (data.get("project") or {}).get("name") or ((data.get("tool") or {}).get("poetry") or {}).get("name")
    return str(name) if name else None


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


# --- public parsing API ------------------------------------------------------------------


def parse_file(path: Path, project_dir: Path) -> ParsedRequirements:
    """Parse a requirements file and everything it includes (``-r``/``-c``)."""
    parser = _Parser(project_dir)
    parser.parse_file(path, (), constraint=False)
    return parser.result


def parse_text(text: str, shown: str) -> ParsedRequirements:
    """Parse requirements text that has no file of its own (a resolver's output); includes are
    refused there."""
    parser = _Parser(None)
    parser.parse_text(text, shown, None, ())
    return parser.result


# --- the synthetic root ------------------------------------------------------------------


def project_identity(project_dir: Path) -> tuple[str, str | None, dict[str, Any] | None]:
    """Root name and version: the pyproject's ``[project]``/``[tool.poetry]`` name when there is
    one, else the directory name. Returns the parsed pyproject too (or None)."""
    pyproject = project_dir / "pyproject.toml"
    data: dict[str, Any] | None = None
    if pyproject.is_file():
        data, _ = load_toml(pyproject, display_path(pyproject, project_dir))
        project = data.get("project") or {}
        poetry = (data.get("tool") or {}).get("poetry") or {}
        name = project.get("name") or poetry.get("name")
        if name:
            version = project.get("version") or poetry.get("version")
            return str(name), (str(version) if version else None), data
    return project_dir.resolve().name or "project", None, data


def make_root(project: ResolvedProject, project_dir: Path, shown_manifest: str | None = None) -> Package:
    name, version, _ = project_identity(project_dir)
    root = Package(
        name=name,
        version=version,
        key=f"{normalise_name(name)}@root",
        source="virtual",
        is_root=True,
        location=Location(shown_manifest) if shown_manifest else None,
    )
    return project.add_package(root)


# --- load --------------------------------------------------------------------------------


def load(path: Path, project_dir: Path, options: Any = None) -> ResolvedProject:
    shown = display_path(path, project_dir)
    parsed = parse_file(path, project_dir)
    project = ResolvedProject(project_dir=str(project_dir), input_file=shown, input_kind=KIND)
    project.files_read.extend(parsed.files_read)
    project.notes.extend(parsed.notes)
    _note_options(project, parsed)
    if parsed.unfollowed:
        project.transitive_known = False
        project.notes.append(
            "includes by URL were not followed (blastradius never fetches them): " + "; ".join(parsed.unfollowed)
        )
    if parsed.unsafe:
        project.notes.append(
            "pip-compile left these out as 'unsafe' (commented, not pinned): " + ", ".join(sorted(set(parsed.unsafe)))
        )
    if not parsed.entries:
        raise SourceError("no requirements in file", shown)
    pyproject_shown = "pyproject.toml" if (project_dir / "pyproject.toml").is_file() else None
    root = make_root(project, project_dir, pyproject_shown)
    self_dir = project_dir.resolve()
    entries = [e for e in parsed.entries if e.local_path is None or e.local_path != self_dir]
    self_refs = [e for e in parsed.entries if e.local_path is not None and e.local_path == self_dir]
    offline = bool(getattr(options, "offline", False))
    if parsed.pinned or (offline and parsed.annotated):
        # A compiled file with a few hand-added ranges is still mostly a lock: offline, keep its
        # pins and annotated edges and show the ranges as direct requirements of unknown version.
        _load_pinned(project, root, entries, parsed, project_dir, bool(self_refs))
        if not parsed.pinned:
            from blastradius.model import ResolverInfo

            project.resolver = ResolverInfo(name="none", version=None, online=False)
    else:
        _load_manifest(project, root, entries, parsed, project_dir, options, bool(self_refs))
    return project


def _note_options(project: ResolvedProject, parsed: ParsedRequirements) -> None:
    if not parsed.options:
        return
    shown = sorted({f"{opt} {val}" if val else opt for opt, val, _ in parsed.options})
    project.notes.append("options recorded, not used to fetch anything: " + "; ".join(shown))
    if any(opt == "--extra-index-url" for opt, _, _ in parsed.options):
        project.notes.append(
            "--extra-index-url lets any index serve any name (dependency-confusion risk for private names)"
        )


def _declared_roots(project_dir: Path) -> tuple[list[tuple[Requirement, str | None]], list[Requirement]]:
    """The project's own declared requirements, when it has a pyproject: (requirement, root
    extra) pairs for root edges, and the flat list for ``ResolvedProject.requirements``."""
    if not (project_dir / "pyproject.toml").is_file():
        return [], []
    from blastradius.sources.pyproject import declared_pairs, read_declared

    declaration = read_declared(project_dir / "pyproject.toml", project_dir)
    return declared_pairs(declaration), declaration.all_requirements()


def _load_pinned(
    project: ResolvedProject,
    root: Package,
    entries: list[ReqEntry],
    parsed: ParsedRequirements,
    project_dir: Path,
    self_ref: bool,
) -> None:
    by_name: dict[str, list[Package]] = {}
    pairs: list[tuple[ReqEntry, Package]] = []
    ranges = [e for e in entries if not e.pinned]
    entries = [e for e in entries if e.pinned]
    edges: dict[Dependency, None] = {}  # insertion-ordered set
    direct: list[ReqEntry] = []
    for entry in entries:
        package = Package(
            name=entry.name,
            version=entry.version,
            source=entry.source,
            source_url=entry.url,
            hashes=tuple(sorted(set(entry.hashes))),
            marker=entry.marker,
            location=entry.location,
            extras=entry.extras,
        )
        project.add_package(package)
        by_name.setdefault(package.name, []).append(package)
        pairs.append((entry, package))

    unresolved: set[str] = set()
    without_via = 0
    if ranges:
        for entry in ranges:
            existing = by_name.get(entry.name)
            if not existing:
                package = project.add_package(
                    Package(name=entry.name, version=None, source="registry", location=entry.location, extras=entry.extras)
                )
                existing = by_name[entry.name] = [package]
            for package in existing:
                edges[Dependency(root.key, package.key, marker=entry.marker, extras=entry.extras)] = None
            direct.append(entry)
        project.transitive_known = False
        project.notes.append(
            f"{len(ranges)} lines state ranges, not pins ({', '.join(sorted({e.name for e in ranges}))}): "
            "their versions and dependencies are unknown without a resolver"
        )
    for entry, package in pairs:
        if not entry.via:
            # A pin without annotation in an annotated file was added by hand to the top-level
            # file: pip installs it because the file asks for it, i.e. a direct requirement.
            without_via += 1
            if parsed.annotated:
                edges[Dependency(root.key, package.key, marker=entry.marker, extras=entry.extras)] = None
                direct.append(entry)
            continue
        for via in entry.via:
            kind, parent_name, group = classify_via(via)
            if kind == "constraint":
                continue
            if kind == "root":
                edges[Dependency(root.key, package.key, group=group)] = None
                if group is None:
                    direct.append(entry)
                continue
            parents = by_name.get(parent_name or "")
            if not parents and parent_name == root.name:
                # `# via <project>` under a file with `-e .`: the project itself is the root
                edges[Dependency(root.key, package.key)] = None
                direct.append(entry)
                continue
            if not parents:
                unresolved.add(parent_name or via)
                continue
            for parent in parents:
                edges[Dependency(parent.key, package.key)] = None

    declared, declared_flat = _declared_roots(project_dir)
    if parsed.annotated and not self_ref:
        # Compiled files already say which pins are direct; the declaration only adds detail
        # (extras, markers) to those runtime root edges, never new ones.
        via_root = {e.child for e in edges if e.parent == root.key and e.group is None}
        direct_names = {project.packages[k].name for k in via_root}
        declared = [(r, x) for r, x in declared if r.group is None and x is None and r.name in direct_names]
    if parsed.annotated:
        project.notes.append(f"{len(pairs)} pins; edges from pip-compile `# via` annotations")
        if without_via:
            project.edges_complete = False
            project.notes.append(
                f"{without_via} pins carry no `# via` annotation (added by hand): shown as direct "
                "requirements of the file; whether anything else also needs them is unknown"
            )
        if unresolved:
            project.edges_complete = False
            project.notes.append(
                "`# via` names a package not pinned in the file: " + ", ".join(sorted(unresolved))
            )
    else:
        project.edges_complete = False
        project.notes.append(
            f"{len(pairs)} pins without `# via` annotations: which package pulled in which is unknown "
            "(no edges invented; every pin counts as installed)"
        )
    # Root edges from the project's own declaration (``-e .`` in the file, or no annotations).
    for requirement, via_extra in declared:
        for package in by_name.get(requirement.name, ()):
            # The declaration says more (marker, extras, extra, group) than a bare `-r` edge.
            edges.pop(Dependency(root.key, package.key, group=requirement.group), None)
            edges[
                Dependency(
                    root.key,
                    package.key,
                    marker=requirement.marker,
                    extras=requirement.extras,
                    via_extra=via_extra,
                    group=requirement.group,
                )
            ] = None
    if declared_flat:
        project.requirements.extend(declared_flat)
    else:
        project.requirements.extend(e.as_requirement() for e in direct)
    project.dependencies.extend(
        sorted(edges, key=lambda d: (d.parent, d.child, d.group or "", d.via_extra or "", d.marker or "", d.extras))
    )
    if any(p.source != "registry" for _, p in pairs):
        kinds = sorted({p.source for _, p in pairs if p.source != "registry"})
        project.notes.append("direct references bypass the index: " + ", ".join(kinds))


def classify_via(via: str) -> tuple[str, str | None, str | None]:
    """One ``# via`` item -> (kind, parent name, group).

    kind is ``root`` (``-r file``, ``project (pyproject.toml)``, ``project (pyproject.toml:dev)``,
    ``project (setup.py)``), ``constraint`` (``-c file``) or ``package``.
    """
    text = via.strip()
    if text.startswith(("-r ", "--requirement")):
        return "root", None, None
    if text.startswith(("-c ", "--constraint")):
        return "constraint", None, None
    match = _VIA_PROJECT.match(text)
    if match:
        origin = match.group("origin")
        group = None
        if ":" in origin:
            origin, group_name = origin.split(":", 1)
            group = normalise_name(group_name) or None
        return "root", normalise_name(match.group("name")), group
    return "package", normalise_name(text.split("[", 1)[0]), None


def _load_manifest(
    project: ResolvedProject,
    root: Package,
    entries: list[ReqEntry],
    parsed: ParsedRequirements,
    project_dir: Path,
    options: Any,
    self_ref: bool,
) -> None:
    from blastradius.sources.resolver import DirectRequirement, resolve_into

    direct = [DirectRequirement(e.as_requirement(), None, e) for e in entries]
    if self_ref:
        # ``-e .``: the project itself is part of the set, so are its own declared deps.
        pairs, _flat = _declared_roots(project_dir)
        for requirement, via_extra in pairs:
            direct.append(DirectRequirement(requirement, via_extra, None))
        project.notes.append("`-e .` installs the project itself: its pyproject requirements are included")
    project.requirements.extend(d.requirement for d in direct)
    constraints = [c.pep508() for c in parsed.constraints if c.source == "registry"]
    project.notes.append(
        f"manifest: {len(entries)} requirement lines without exact pins; versions and edges come from the resolver"
    )
    resolve_into(project, root, direct, options, constraints=constraints)
