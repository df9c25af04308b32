"""Python source, read with ``ast`` (never imported): which environment variables the code
reads, and pydantic-settings fields that become environment variables.

Recognised: ``os.environ[...]``, ``os.environ.get/setdefault/pop``, ``os.getenv``,
``environ``/``getenv`` imported from ``os`` (also under aliases), ``"NAME" in os.environ``,
assignments ``os.environ["NAME"] = ...``, string arguments given through a module-level
constant, and ``BaseSettings`` subclasses (field name + ``env_prefix``, ``Field(alias=...)``,
``validation_alias=`` incl. ``AliasChoices``). A literal default or assigned value under a
credential name is a plaintext secret, kept only as a fingerprint.
"""

from __future__ import annotations

import ast
import re
from bisect import bisect_left
from typing import Iterator

from blastradius.credentials._base import FileContext, Finding, literal

_TRIGGERS = ("environ", "getenv", "Settings", "SecretStr")
# Fallback for a module ``ast`` cannot parse (merge-conflict markers, Python 2): environment reads
# by their literal shape only.
_ENV_READ = re.compile(
    r"""\b(?:environ(?:b)?\s*\.\s*(?:get|setdefault|pop)\s*\(|getenv\s*\(|environ(?:b)?\s*\[)\s*[rbu]?['"]"""
    r"""([A-Za-z_][A-Za-z0-9_]*)['"]"""
)
_OS_IMPORT = re.compile(r"^\s*(?:from\s+os\s+import|import\s+.*\bos\b)")


def _dotted(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


class _Visitor(ast.NodeVisitor):
    def __init__(self, ctx: FileContext, constants: dict[str, str], trigger_lines: list[int] | None = None) -> None:
        self.trigger_lines = trigger_lines
        self.ctx = ctx
        self.constants = constants
        self.os_names = {"os"}
        self.environ_names: set[str] = set()
        self.getenv_names: set[str] = set()
        self.settings_bases = {"BaseSettings"}
        self.findings: list[Finding] = []

    def generic_visit(self, node: ast.AST) -> None:
        """Descend only into statements whose lines mention the environment or settings:
        most of a large module is skipped without visiting its nodes."""
        lines = self.trigger_lines
        for child in ast.iter_child_nodes(node):
            if lines is not None and isinstance(child, ast.stmt) and not isinstance(child, (ast.Import, ast.ImportFrom)):
                first = bisect_left(lines, child.lineno)
                if first >= len(lines) or lines[first] > (child.end_lineno or child.lineno):
                    continue
            self.visit(child)

    # -- imports -----------------------------------------------------------------------
    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name == "os":
                self.os_names.add(alias.asname or "os")

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module == "os":
            for alias in node.names:
                if alias.name == "environ":
                    self.environ_names.add(alias.asname or "environ")
                elif alias.name in ("getenv", "getenvb"):
                    self.getenv_names.add(alias.asname or alias.name)
        for alias in node.names:
            if alias.name == "BaseSettings" and alias.asname:
                self.settings_bases.add(alias.asname)

    # -- helpers -----------------------------------------------------------------------
    def _is_environ(self, node: ast.AST) -> bool:
        dotted = _dotted(node)
        if dotted is None:
            return False
        if dotted in self.environ_names:
            return True
        head, _, tail = dotted.rpartition(".")
        return tail in ("environ", "environb") and head in self.os_names

    def _is_getenv(self, node: ast.AST) -> bool:
        dotted = _dotted(node)
        if dotted is None:
            return False
        if dotted in self.getenv_names:
            return True
        head, _, tail = dotted.rpartition(".")
        return tail in ("getenv", "getenvb") and head in self.os_names

    def _name_of(self, node: ast.AST | None) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Name):
            return self.constants.get(node.id)
        return None

    def _emit(self, name: str | None, node: ast.AST, how: str, value: ast.AST | None = None,
              force: bool = False) -> None:
        if not name:
            return
        catalog = self.ctx.catalog
        fp = None
        if isinstance(value, ast.Constant):
            fp = literal(catalog, name, value.value)
        is_cred = force or catalog.is_credential_name(name)
        if is_cred or fp:
            self.findings.append(Finding(
                name, self.ctx.loc(getattr(node, "lineno", None)), how,
                fingerprint=fp[0] if fp else None, value_provider=fp[1] if fp else "", credential=is_cred,
            ))

    # -- environment access -------------------------------------------------------------
    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        first = node.args[0] if node.args else None
        second = node.args[1] if len(node.args) > 1 else None
        for kw in node.keywords:
            if kw.arg in ("key",) and first is None:
                first = kw.value
            if kw.arg in ("default", "value") and second is None:
                second = kw.value
        if self._is_getenv(func):
            self._emit(self._name_of(first), node, "python os.getenv", second)
        elif isinstance(func, ast.Attribute) and self._is_environ(func.value):
            if func.attr in ("get", "setdefault", "pop"):
                self._emit(self._name_of(first), node, f"python os.environ.{func.attr}", second)
            elif func.attr == "update":
                for kw in node.keywords:
                    if kw.arg:
                        self._emit(kw.arg, node, "python os.environ.update", kw.value)
                if isinstance(first, ast.Dict):
                    for k, v in zip(first.keys, first.values):
                        self._emit(self._name_of(k), node, "python os.environ.update", v)
        self.generic_visit(node)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        if self._is_environ(node.value) and isinstance(node.ctx, ast.Load):
            self._emit(self._name_of(node.slice), node, "python os.environ[]")
        self.generic_visit(node)

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            if isinstance(target, ast.Subscript) and self._is_environ(target.value):
                self._emit(self._name_of(target.slice), node, "python os.environ assignment", node.value)
        self.generic_visit(node)

    def visit_Compare(self, node: ast.Compare) -> None:
        if len(node.ops) == 1 and isinstance(node.ops[0], (ast.In, ast.NotIn)) and self._is_environ(node.comparators[0]):
            self._emit(self._name_of(node.left), node, "python 'in os.environ'")
        self.generic_visit(node)

    # -- pydantic-settings ---------------------------------------------------------------
    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        bases = {(_dotted(b) or "").rsplit(".", 1)[-1] for b in node.bases}
        if bases & self.settings_bases:
            self.settings_bases.add(node.name)
            self._settings_class(node)
        self.generic_visit(node)

    def _settings_class(self, node: ast.ClassDef) -> None:
        prefix = ""
        for stmt in node.body:
            if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "model_config" for t in stmt.targets):
                prefix = _env_prefix(stmt.value) or prefix
            elif isinstance(stmt, ast.ClassDef) and stmt.name == "Config":
                for inner in stmt.body:
                    if isinstance(inner, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "env_prefix" for t in inner.targets):
                        if isinstance(inner.value, ast.Constant) and isinstance(inner.value.value, str):
                            prefix = inner.value.value
        for stmt in node.body:
            if not isinstance(stmt, ast.AnnAssign) or not isinstance(stmt.target, ast.Name):
                continue
            field = stmt.target.id
            if field.startswith("_") or field == "model_config":
                continue
            secret_typed = "Secret" in ast.unparse(stmt.annotation)
            names = [(prefix + field).upper()]
            default: ast.AST | None = stmt.value
            if isinstance(stmt.value, ast.Call) and (_dotted(stmt.value.func) or "").rsplit(".", 1)[-1] == "Field":
                call = stmt.value
                default = call.args[0] if call.args else None
                aliases: list[str] = []
                for kw in call.keywords:
                    if kw.arg == "default":
                        default = kw.value
                    elif kw.arg in ("alias", "validation_alias", "env"):
                        aliases.extend(_alias_names(kw.value))
                if aliases:
                    names = [a.upper() for a in aliases]
            # every alias of a field holds the same value: one credential-looking alias is enough
            force = secret_typed or any(self.ctx.catalog.is_credential_name(n) for n in names)
            for name in names:
                self._emit(name, stmt, "pydantic settings field", default, force=force)


def _env_prefix(value: ast.AST) -> str | None:
    if isinstance(value, ast.Call):
        for kw in value.keywords:
            if kw.arg == "env_prefix" and isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, str):
                return kw.value.value
    if isinstance(value, ast.Dict):
        for k, v in zip(value.keys, value.values):
            if isinstance(k, ast.Constant) and k.value == "env_prefix" and isinstance(v, ast.Constant):
                return str(v.value)
    return None


def _alias_names(value: ast.AST) -> list[str]:
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return [value.value]
    if isinstance(value, ast.Call):  # AliasChoices("A", "B") / AliasPath("A", ...)
        return [a.value for a in value.args if isinstance(a, ast.Constant) and isinstance(a.value, str)][:8]
    if isinstance(value, (ast.List, ast.Tuple, ast.Set)):
        return [a.value for a in value.elts if isinstance(a, ast.Constant) and isinstance(a.value, str)]
    return []


def _module_constants(tree: ast.Module) -> dict[str, str]:
    constants: dict[str, str] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str):
            for target in stmt.targets:
                if isinstance(target, ast.Name):
                    constants[target.id] = stmt.value.value
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) \
                and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str):
            constants[stmt.target.id] = stmt.value.value
    return constants


def _pattern_reads(text: str, ctx: FileContext) -> Iterator[Finding]:
    """Credential names read through ``os.environ``/``os.getenv`` in a module that does not
    parse: a merge-conflicted settings module still names every key the process reads."""
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("#"):
            continue
        for match in _ENV_READ.finditer(line):
            if ctx.catalog.is_credential_name(match.group(1)):
                yield Finding(match.group(1), ctx.loc(number), "python environment read (pattern)")


def find(text: str, ctx: FileContext) -> Iterator[Finding]:
    if not any(trigger in text for trigger in _TRIGGERS):
        return
    try:
        tree = ast.parse(text, filename=ctx.rel)
    except SyntaxError as exc:
        # exc.msg is fixed wording; exc.text (the offending source line) is never shown
        ctx.warn(exc.lineno, f"Python syntax error ({exc.msg}); environment reads found by pattern only")
        yield from _pattern_reads(text, ctx)
        return
    except (ValueError, RecursionError, MemoryError):
        ctx.warn(None, "Python source could not be parsed; file not scanned for credentials")
        return
    lines = text.splitlines()
    # aliases (``import os as o``, ``from os import getenv as ge``) make their own lines relevant
    aliases = {a for line in lines if _OS_IMPORT.match(line) for a in re.findall(r"\bas\s+(\w+)", line)}
    alias_re = re.compile(r"\b(?:" + "|".join(map(re.escape, sorted(aliases))) + r")\b") if aliases else None
    triggers = [n for n, line in enumerate(lines, 1)
                if any(t in line for t in _TRIGGERS) or (alias_re is not None and alias_re.search(line))]
    visitor = _Visitor(ctx, _module_constants(tree), triggers)
    visitor.visit(tree)
    yield from visitor.findings
