"""Shared machinery of the lock readers whose edges are *constraints* rather than pinned targets
(poetry.lock, pdm.lock) and of every reader that meets ``extra == ...`` inside a marker.

Three jobs, all pure and cached because a 10,000-package lock calls them tens of thousands of
times:

* :func:`split_extra_marker` -- turn a marker that mentions ``extra`` into structure: the marker
  of the edge when no extra is requested, and the residual marker per extra. The model keeps
  extras as ``via_extra`` labels, never as marker text (``graph`` evaluates markers without an
  ``extra`` variable).
* :func:`poetry_specifier` -- Poetry constraint syntax (``^1.2``, ``~1.2``, ``1.2.*``, ``>=1,<2 ||
  >=3``) as a PEP 440 ``SpecifierSet``, used only to pick between locked entries of one name.
* :func:`pick_candidates` -- which locked entries of a name a dependency means, by version
  constraint and then by whether the markers can hold together in *some* environment (a fixed
  grid of interpreters and platforms), so a universal lock keeps both branches of a split and
  only drops the impossible pairings.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Sequence, TypeVar, Union

from blastradius.model import normalise_name

# --------------------------------------------------------------------------------------------
# Markers: a tiny PEP 508 marker parser, enough to substitute ``extra`` atoms and print back.
# packaging keeps its parse tree private, so we do not lean on it for this rewrite.

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<lparen>\()|(?P<rparen>\))|
        (?P<op>===|==|!=|<=|>=|~=|<|>|not\s+in\b|in\b)|
        (?P<bool>and\b|or\b)|
        (?P<string>'[^']*'|"[^"]*")|
        (?P<name>[A-Za-z_][A-Za-z0-9_.]*)
    )""",
    re.VERBOSE,
)


class MarkerSyntaxError(ValueError):
    pass


# A node is True/False, an atom (lhs, op, rhs) as source text, or ("and"|"or", [children]).
Atom = tuple[str, str, str]
Node = Union[bool, Atom, tuple[str, list]]


def _tokenise(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise MarkerSyntaxError(f"cannot parse marker at {text[pos:pos + 20]!r}")
        kind = match.lastgroup or ""
        value = match.group(kind)
        if kind == "op":
            value = " ".join(value.split())
        tokens.append((kind, value))
        pos = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokenise(text)
        self.i = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        tok = self.peek()
        if tok is None:
            raise MarkerSyntaxError("unexpected end of marker")
        self.i += 1
        return tok

    def parse(self) -> Node:
        node = self.expr()
        if self.peek() is not None:
            raise MarkerSyntaxError(f"unexpected {self.peek()[1]!r} in marker")  # type: ignore[index]
        return node

    def expr(self) -> Node:
        items = [self.conj()]
        while self.peek() == ("bool", "or"):
            self.take()
            items.append(self.conj())
        return items[0] if len(items) == 1 else ("or", items)

    def conj(self) -> Node:
        items = [self.atom()]
        while self.peek() == ("bool", "and"):
            self.take()
            items.append(self.atom())
        return items[0] if len(items) == 1 else ("and", items)

    def atom(self) -> Node:
        kind, value = self.take()
        if kind == "lparen":
            node = self.expr()
            if self.take()[0] != "rparen":
                raise MarkerSyntaxError("unbalanced parenthesis in marker")
            return node
        if kind not in ("string", "name"):
            raise MarkerSyntaxError(f"unexpected {value!r} in marker")
        op_kind, op = self.take()
        if op_kind != "op":
            raise MarkerSyntaxError(f"expected an operator after {value!r}")
        rkind, rhs = self.take()
        if rkind not in ("string", "name"):
            raise MarkerSyntaxError(f"expected a value after {op!r}")
        return (value, op, rhs)


def _is_atom(node: Node) -> bool:
    return isinstance(node, tuple) and len(node) == 3 and isinstance(node[1], str)


_EXTRA_VARIABLES = ("extra", "extras")  # ``extras`` / ``dependency_groups``: PEP 751 set-valued
_GROUP_VARIABLES = ("dependency_groups",)


def _label_value(atom: Atom, variables: tuple[str, ...] = _EXTRA_VARIABLES) -> str | None:
    """The label an ``extra == 'x'`` / ``'x' in extras`` atom names (either side), else None."""
    lhs, _op, rhs = atom
    if lhs in variables and rhs[:1] in ("'", '"'):
        return normalise_name(rhs[1:-1])
    if rhs in variables and lhs[:1] in ("'", '"'):
        return normalise_name(lhs[1:-1])
    return None


def _extra_value(atom: Atom) -> str | None:
    return _label_value(atom, _EXTRA_VARIABLES)


def _substitute(node: Node, active: str | None, variables: tuple[str, ...] = _EXTRA_VARIABLES,
               defaults: frozenset[str] = frozenset()) -> Node:
    """Replace every ``extra`` atom (or other label atom of ``variables``) by its truth value
    when exactly ``active`` (plus ``defaults``) is requested, then fold constants."""
    if isinstance(node, bool):
        return node
    if _is_atom(node):
        atom = node  # type: ignore[assignment]
        named = _label_value(atom, variables)  # type: ignore[arg-type]
        if named is None:
            return node
        op = atom[1]
        on = named == active or named in defaults
        if op in ("==", "===", "in"):
            return on
        if op in ("!=", "not in"):
            return not on
        return True  # ordering on a label: keep the edge (never under-report)
    kind, children = node  # type: ignore[misc]
    folded = [_substitute(c, active, variables, defaults) for c in children]
    if kind == "and":
        if any(c is False for c in folded):
            return False
        rest = [c for c in folded if c is not True]
        if not rest:
            return True
    else:
        if any(c is True for c in folded):
            return True
        rest = [c for c in folded if c is not False]
        if not rest:
            return False
    return rest[0] if len(rest) == 1 else (kind, rest)


def _render(node: Node, parent: str | None = None) -> str:
    if _is_atom(node):
        return " ".join(node)  # type: ignore[arg-type]
    kind, children = node  # type: ignore[misc]
    text = f" {kind} ".join(_render(c, kind) for c in children)
    return f"({text})" if parent is not None and parent != kind else text


_HAS_EXTRA = re.compile(r"\bextra\b")


@lru_cache(maxsize=8192)
def split_extra_marker(marker: str | None) -> tuple[str | None | bool, tuple[tuple[str, str | None], ...]]:
    """Split a marker into (marker when no extra is requested, ((extra, residual marker), ...)).

    The first item is ``False`` when the marker can only hold with some extra requested;
    ``None`` means "always". Residuals are listed only for extras whose branch differs from the
    no-extra branch. A marker without ``extra`` comes back unchanged and with no extras.
    """
    if not marker or not marker.strip():
        return None, ()
    marker = marker.strip()
    if not _HAS_EXTRA.search(marker):
        return marker, ()
    try:
        tree = _Parser(marker).parse()
    except MarkerSyntaxError:
        return marker, ()
    names: set[str] = set()
    _collect_extras(tree, names)
    if not names:
        return marker, ()

    def as_text(node: Node) -> str | None | bool:
        if node is True:
            return None
        if node is False:
            return False
        return _render(node)

    base = as_text(_substitute(tree, None))
    per_extra: list[tuple[str, str | None]] = []
    for name in sorted(names):
        residual = as_text(_substitute(tree, name))
        if residual is False or residual == base:
            continue
        per_extra.append((name, residual))  # type: ignore[arg-type]
    return base, tuple(per_extra)


def _collect_extras(node: Node, out: set[str], variables: tuple[str, ...] = _EXTRA_VARIABLES) -> None:
    if isinstance(node, bool):
        return
    if _is_atom(node):
        named = _label_value(node, variables)  # type: ignore[arg-type]
        if named is not None:
            out.add(named)
        return
    for child in node[1]:  # type: ignore[index]
        _collect_extras(child, out, variables)


@lru_cache(maxsize=8192)
def pylock_marker_labels(
    marker: str | None, default_groups: tuple[str, ...] = ()
) -> tuple[str | None, tuple[str, ...], tuple[str, ...], bool]:
    """A PEP 751 package marker split into (environment-only marker, extras named, dependency
    groups named, needed without any extra and with only the default groups).

    The environment-only marker is the union over every extra / group setting, so it can be
    evaluated with plain ``packaging`` markers."""
    if not marker or not marker.strip():
        return None, (), (), True
    text = marker.strip()
    if "extra" not in text and "dependency_groups" not in text:
        return text, (), (), True
    try:
        tree = _Parser(text).parse()
    except MarkerSyntaxError:
        return text, (), (), True
    extras: set[str] = set()
    groups: set[str] = set()
    _collect_extras(tree, extras)
    _collect_extras(tree, groups, _GROUP_VARIABLES)
    defaults = frozenset(normalise_name(g) for g in default_groups)

    def fold(active_extra: str | None, active_group: str | None) -> Node:
        node = _substitute(tree, active_extra, _EXTRA_VARIABLES)
        return _substitute(node, active_group, _GROUP_VARIABLES, defaults)

    by_default = fold(None, None) is not False
    branches: list[Node] = [fold(None, None)]
    branches += [fold(e, None) for e in sorted(extras)]
    branches += [fold(None, g) for g in sorted(groups)]
    branches = [b for b in branches if b is not False]
    if not branches or any(b is True for b in branches):
        env = None
    else:
        rendered = list(dict.fromkeys(_render(b) for b in branches))
        env = rendered[0] if len(rendered) == 1 else " or ".join(f"({r})" for r in rendered)
    needed_extras = tuple(e for e in sorted(extras) if fold(e, None) is not False)
    needed_groups = tuple(g for g in sorted(groups) if fold(None, g) is not False)
    return env, needed_extras, needed_groups, by_default


@lru_cache(maxsize=8192)
def strip_extra_marker(marker: str | None) -> str | None:
    """A node marker with its ``extra`` clauses removed: the union over every extra setting
    (``extra == 'a' or extra == 'b'`` -> always; ``python_version < '3.10' and extra == 'x'``
    -> ``python_version < '3.10'``). Node markers describe *where* a package is needed; *why*
    (which extra) is carried by the edges."""
    base, per_extra = split_extra_marker(marker)
    branches = [b for b in [base, *(r for _, r in per_extra)] if b is not False]
    if not branches or any(b is None for b in branches):
        return None
    unique = list(dict.fromkeys(branches))  # type: ignore[arg-type]
    if len(unique) == 1:
        return unique[0]  # type: ignore[return-value]
    return " or ".join(f"({b})" for b in unique)


def and_markers(*markers: str | None) -> str | None:
    """Conjunction of markers, ``None`` meaning always."""
    present = list(dict.fromkeys(m.strip() for m in markers if m and m.strip()))
    if not present:
        return None
    if len(present) == 1:
        return present[0]
    return " and ".join(f"({m})" for m in present)


# --------------------------------------------------------------------------------------------
# Marker satisfiability over a fixed environment grid.

_PYTHONS = ["2.7", "3.6", "3.7", "3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "3.14", "3.15"]
_PLATFORMS = [
    ("linux", "Linux", "posix", "x86_64"),
    ("linux", "Linux", "posix", "aarch64"),
    ("win32", "Windows", "nt", "AMD64"),
    ("darwin", "Darwin", "posix", "arm64"),
    ("darwin", "Darwin", "posix", "x86_64"),
]
_IMPLS = [("CPython", "cpython"), ("PyPy", "pypy")]


@lru_cache(maxsize=1)
def _environments() -> tuple[dict[str, str], ...]:
    envs: list[dict[str, str]] = []
    for py in _PYTHONS:
        for patch in ("0", "99"):
            for sys_platform, system, os_name, machine in _PLATFORMS:
                for impl, impl_name in _IMPLS:
                    envs.append(
                        {
                            "python_version": py,
                            "python_full_version": f"{py}.{patch}",
                            "sys_platform": sys_platform,
                            "platform_system": system,
                            "os_name": os_name,
                            "platform_machine": machine,
                            "platform_python_implementation": impl,
                            "implementation_name": impl_name,
                            "implementation_version": f"{py}.{patch}",
                            "platform_release": "",
                            "platform_version": "",
                            "extra": "",
                        }
                    )
    return tuple(envs)


_ALL = None  # sentinel meaning "every environment"


@lru_cache(maxsize=16384)
def marker_mask(marker: str | None) -> int:
    """Bit i set when the marker holds in grid environment i. Unparseable markers hold
    everywhere (never drop an edge because we could not read its condition)."""
    envs = _environments()
    everything = (1 << len(envs)) - 1
    if not marker:
        return everything
    from packaging.markers import InvalidMarker, Marker, UndefinedComparison, UndefinedEnvironmentName

    try:
        parsed = Marker(marker)
    except InvalidMarker:
        return everything
    mask = 0
    for i, env in enumerate(envs):
        try:
            if parsed.evaluate(env):
                mask |= 1 << i
        except (UndefinedComparison, UndefinedEnvironmentName, ValueError, TypeError):
            mask |= 1 << i
    return mask


def markers_compatible(*markers: str | None) -> bool:
    mask = -1
    for marker in markers:
        if marker:
            mask &= marker_mask(marker)
            if not mask:
                return False
    return True


# --------------------------------------------------------------------------------------------
# Versions and constraints.

@lru_cache(maxsize=65536)
def parse_version(text: str | None):  # -> packaging.version.Version | None
    if not text:
        return None
    from packaging.version import InvalidVersion, Version

    try:
        return Version(text)
    except InvalidVersion:
        return None


def _bump(release: tuple[int, ...], index: int) -> str:
    parts = list(release[: index + 1])
    parts[index] += 1
    return ".".join(str(p) for p in parts)


_OPERATOR = re.compile(r"^(===|==|!=|<=|>=|~=|<|>|\^|~|=)?\s*(.*)$")


def _poetry_atom(token: str) -> list[str] | None:
    """One Poetry constraint token as PEP 440 clauses (``None``: unreadable)."""
    token = token.strip()
    if token in ("", "*"):
        return []
    match = _OPERATOR.match(token)
    if not match:
        return None
    op, raw = match.group(1) or "", match.group(2).strip()
    if not raw:
        return None
    if raw in ("*", "x", "X") and op in ("", "=", "=="):
        return []
    if op in ("^", "~"):
        version = parse_version(raw.rstrip(".*"))
        if version is None:
            return None
        release = version.release
        given = len(raw.rstrip(".*").split("."))
        if op == "^":
            first_nonzero = next((i for i, v in enumerate(release[:given]) if v != 0), given - 1)
            upper = _bump(release + (0,) * 3, min(first_nonzero, 2))
        else:
            upper = _bump(release + (0,) * 3, 0 if given == 1 else 1)
        return [f">={raw.rstrip('.*')}", f"<{upper}"]
    if op in ("", "="):
        op = "=="
    if "*" in raw and op not in ("==", "!="):
        raw = raw.replace(".*", "").rstrip(".")
    return [f"{op}{raw}"]


@lru_cache(maxsize=16384)
def poetry_specifier(constraint: str | None) -> tuple[str, ...] | None:
    """A Poetry version constraint as PEP 440 specifier strings, one per ``||`` branch
    (``()`` = any version; ``None`` = unreadable, i.e. do not filter on it)."""
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    if constraint is None:
        return ()
    text = constraint.strip()
    if not text or text == "*":
        return ()
    branches: list[str] = []
    for branch in re.split(r"\s*\|\|?\s*", text):
        clauses: list[str] = []
        tokens = [t for t in re.split(r"\s*,\s*|\s+(?=[<>=!~^])", branch) if t.strip()]
        for token in tokens:
            atom = _poetry_atom(token)
            if atom is None:
                return None
            clauses.extend(atom)
        joined = ",".join(clauses)
        try:
            SpecifierSet(joined)
        except InvalidSpecifier:
            return None
        if not joined:
            return ()
        branches.append(joined)
    return tuple(branches)


@lru_cache(maxsize=16384)
def _specifier_set(text: str):
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        return SpecifierSet(text)
    except InvalidSpecifier:
        return None


def version_admits(branches: tuple[str, ...] | None, version: str | None) -> bool:
    """Whether a locked version satisfies a constraint (any ``||`` branch); unknown -> yes."""
    if not branches or version is None:
        return True
    parsed = parse_version(version)
    if parsed is None:
        return True
    for branch in branches:
        spec = _specifier_set(branch)
        if spec is None or spec.contains(parsed, prereleases=True):
            return True
    return False


P = TypeVar("P")


def pick_candidates(
    candidates: Sequence[P],
    versions: Sequence[str | None],
    node_markers: Sequence[str | None],
    constraint: tuple[str, ...] | None,
    context_markers: Sequence[str | None],
) -> list[P]:
    """The locked entries (of one name) a dependency means.

    One entry: it. Several: those whose version the constraint admits, then those whose node
    marker can hold together with the parent's and the edge's markers in some environment.
    Filters that would leave nothing are not applied (a constraint we misread must not lose
    an edge); the result may hold several entries -- each is needed on some platform.
    """
    if len(candidates) <= 1:
        return list(candidates)
    indexes = list(range(len(candidates)))
    by_version = [i for i in indexes if version_admits(constraint, versions[i])]
    if by_version:
        indexes = by_version
    if len(indexes) > 1:
        context = [m for m in context_markers if m]
        by_marker = [i for i in indexes if markers_compatible(*context, node_markers[i])]
        if by_marker:
            indexes = by_marker
    return [candidates[i] for i in indexes]


# --------------------------------------------------------------------------------------------
# The synthetic root of locks that do not list the project itself (poetry.lock, pdm.lock).

def python_range_marker(constraint: str | None) -> str | None:
    """A lock's ``python-versions`` / ``requires_python`` as a marker on ``python_full_version``
    (to tell "not locked because never needed on these Pythons" from "missing")."""
    branches = poetry_specifier(constraint) if constraint else ()
    if not branches:
        return None
    from packaging.specifiers import SpecifierSet

    parts = []
    for branch in branches:
        clauses = [f'python_full_version {s.operator} "{s.version}"' for s in sorted(SpecifierSet(branch), key=str)]
        parts.append(" and ".join(clauses) if clauses else "")
    parts = [p for p in parts if p]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else " or ".join(f"({p})" for p in parts)


def add_root_edges(
    project,  # ResolvedProject
    declaration,  # RootDeclaration | None
    by_name: dict,
    lock_dir,
    python_range: str | None,
    runtime_groups: tuple[str, ...],
    lock_label: str,
    root_package=None,  # Package | None: an existing root node (pylock ``directory`` "."), else synthetic
) -> None:
    """Add the synthetic root package and its edges (runtime, ``via_extra``, ``group``).

    Without a pyproject the root's edges are inferred from the lock alone -- every entry that no
    other entry depends on -- and the notes say so.
    """
    from blastradius.model import Dependency, Location, Package

    if declaration is None:
        root = project.add_package(
            Package(name=normalise_name(lock_dir.name or "project"), version=None, source="virtual", is_root=True)
        )
        depended = {d.child for d in project.dependencies}
        for key in sorted(project.packages):
            package = project.packages[key]
            if package.is_root or key in depended:
                continue
            groups = package.declared_groups
            group = None if (not groups or any(g in runtime_groups for g in groups)) else groups[0]
            project.dependencies.append(Dependency(parent=root.key, child=key, group=group))
        project.notes.append(
            f"no pyproject.toml next to {lock_label}: the root's direct dependencies are inferred "
            "(lock entries no other entry depends on); declared ranges unknown"
        )
        return

    root = root_package or project.add_package(
        Package(
            name=declaration.name or normalise_name(lock_dir.name or "project"),
            version=declaration.version,
            source="virtual",
            is_root=True,
            location=Location(declaration.path, declaration.line),
            extras=tuple(sorted(declaration.extras)),
        )
    )
    project.requirements.extend(declaration.all_requirements())
    missing: list[str] = []

    def connect(req, via_extra: str | None, group: str | None) -> None:
        base, _ = split_extra_marker(req.marker)
        if base is False:
            return
        if req.name == root.name:
            # `all = ["proj[openai,anthropic]"]`: the project's extras selecting its own extras
            # (the lock has no entry for the root): a self-edge, as uv.lock writes it.
            project.dependencies.append(
                Dependency(parent=root.key, child=root.key, marker=base, extras=req.extras, via_extra=via_extra, group=group)
            )
            return
        candidates = by_name.get(req.name)
        if not candidates:
            if markers_compatible(python_range, base):
                missing.append(req.name)
            return
        constraint = tuple(b for b in req.specifier.split(" || ") if b) if req.specifier else ()
        if constraint and any(_specifier_set(b) is None for b in constraint):
            constraint = None
        chosen = pick_candidates(
            candidates, [c.version for c in candidates], [c.marker for c in candidates], constraint, [base]
        )
        for child in chosen:
            project.dependencies.append(
                Dependency(
                    parent=root.key,
                    child=child.key,
                    marker=base,
                    extras=req.extras,
                    via_extra=via_extra,
                    group=group,
                )
            )

    for req in declaration.requirements:
        connect(req, None, None)
    for extra, reqs in sorted(declaration.extras.items()):
        for req in reqs:
            connect(req, extra, None)
    for group, reqs in sorted(declaration.groups.items()):
        for req in reqs:
            connect(req, None, group)
    if missing:
        project.notes.append(
            f"{declaration.path} declares {', '.join(sorted(set(missing)))} but {lock_label} has no entry for "
            "it (group or extra not locked, or the lock is out of date)"
        )


def file_hashes(files: Any) -> tuple[str, ...]:
    """Sorted ``sha256:...`` strings of a lock entry's ``files = [{file, hash}]`` list (Poetry, PDM)."""
    found: set[str] = set()
    for item in files or ():
        if isinstance(item, dict) and item.get("hash"):
            found.add(str(item["hash"]))
    return tuple(sorted(found))


def open_package_lock(
    path: Any, shown: str, version_key: str, supported_majors: tuple[str, ...]
) -> tuple[dict[str, Any], str, dict[str, Any], list[Any], list[int]]:
    """Read a Poetry/PDM lock: data, text, the ``[metadata]`` table, the ``[[package]]`` entries
    and their header lines; an unknown lock-format major version is one clear error."""
    from blastradius.errors import SourceError
    from blastradius.sources._io import header_lines, load_toml

    data, text = load_toml(path, shown)
    metadata = data.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise SourceError("`metadata` must be a table", shown)
    lock_version = str(metadata.get(version_key) or "")
    if lock_version and lock_version.split(".")[0] not in supported_majors:
        line = next((n for n, raw in enumerate(text.splitlines(), 1) if raw.startswith(version_key)), None)
        readable = " and ".join(f"{major}.x" for major in supported_majors)
        raise SourceError(
            f"unsupported {path.name} {version_key} {lock_version!r} (this tool reads {readable})", shown, line
        )
    entries = data.get("package") or []
    if not isinstance(entries, list):
        raise SourceError("`package` must be an array of tables", shown)
    return data, text, metadata, entries, header_lines(text, "[[package]]")
