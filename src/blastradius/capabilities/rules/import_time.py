"""Import-time side effects: module-level statements that reach a sink.

ultralytics 8.3.46 put ``os.system("wget ... xmrig ...")`` straight into ``__init__.py``;
telnyx 4.87.x and litellm 1.82.7 injected into modules every user imports; MrMustard 0.7.4
called a module-local ``_check_tf_compatibility()`` at module level. Ordinary modules call
things at import too (``logging.getLogger``, ``TypeVar``), so only calls that *reach* a sink
count: a sink called directly, or a module-local function or class whose body reaches one
(followed through module-local calls, a few levels deep).
"""

from __future__ import annotations

import ast
import re

# Pre-filter (bytes). The AST rule below reports a module-level call only when it resolves to a
# sink (``sink_label``) or to a module-local function/class that reaches one -- so a file with no
# recognisable sink *call* anywhere cannot produce a finding, wherever its module-level code is.
# sink_call_present asks for sink-call text anywhere in the file (position-agnostic: indentation and
# strings cannot hide it), including the forms aliases take: ``import subprocess as sp``,
# ``from os import system as s``, ``__import__("os").system``, ``getattr(os, "system")``.
# It is the expensive check, so it runs last, after a cheap gate (a sink import or an os-sink
# word) and the module-level evidence below.
_CALL = rb"[\s)]*\(|[ \t]+as\b"  # called (through parens/whitespace) or re-bound with "as"
_NET_NAMES = rb"(?:get|post|put|patch|delete|request|head)"


def _module(word: bytes, attrs: bytes) -> re.Pattern[bytes]:
    """``word.attr(`` (also through ``(word).attr``, line continuations), ``import word as``,
    ``from word import (... attr ...)``."""
    return re.compile(
        word + rb"[\s\\)]*\.[\s\\]*" + attrs + rb"\b|" + word + rb"[ \t]+as\b|"
        + word + rb"[ \t]+import[ \t]*(?:\([^)]*|[^\n]*)\b" + attrs + rb"\b"
    )


# (literal that must be present, pattern starting with that literal: fast in CPython's re).
_SINK_WORDS: tuple[tuple[bytes, re.Pattern[bytes]], ...] = (
    (b"Popen", re.compile(rb"Popen(?:" + _CALL + rb")")),
    (b"check_", re.compile(rb"check_(?:output|call)(?:" + _CALL + rb")")),
    (b"getoutput", re.compile(rb"getoutput(?:" + _CALL + rb")")),
    (b"getstatusoutput", re.compile(rb"getstatusoutput(?:" + _CALL + rb")")),
    (b"urlopen", re.compile(rb"urlopen(?:" + _CALL + rb")")),
    (b"urlretrieve", re.compile(rb"urlretrieve(?:" + _CALL + rb")")),
    (b"HTTP", re.compile(rb"HTTPS?Connection(?:" + _CALL + rb")")),
    (b"subprocess", _module(rb"subprocess", rb"(?:run|call|Popen|check_call|check_output|getoutput|getstatusoutput)")),
    (b"requests", _module(rb"requests", _NET_NAMES)),
    (b"httpx", _module(rb"httpx", _NET_NAMES)),
    (b"socket", _module(rb"socket", rb"(?:create_connection|gethostbyname(?:_ex)?)")),
    (b"getattr", re.compile(rb"getattr[\s(]*[\w.]*[\s,]*['\"](?:system|popen|exec[lv]p?e?|spawn[lv]p?e?|"
                            rb"posix_spawnp?|run|call|Popen|check_call|check_output|getoutput|getstatusoutput|"
                            rb"urlopen|urlretrieve|create_connection|gethostbyname(?:_ex)?)['\"]")),
    (b"__import__", re.compile(rb"__import__[\s(]*['\"](?:os|subprocess|requests|httpx|socket)\b")),
    (b"import_module", re.compile(rb"import_module[\s(]*['\"](?:os|subprocess|requests|httpx|socket)\b")),
)
# os functions resolve only as ``<os or an alias of it>.name`` or after ``from os import name``
_OS_FUNCS = (
    (b"system", re.compile(rb"system(?:" + _CALL + rb")")),
    (b"popen", re.compile(rb"popen(?:" + _CALL + rb")")),
    (b"exec", re.compile(rb"exec[lv]p?e?(?:" + _CALL + rb")")),
    (b"spawn", re.compile(rb"spawn[lv]?p?e?(?:" + _CALL + rb")")),
)
_FROM_OS = re.compile(rb"os[ \t]+import\b")


def _os_call(data: bytes) -> bool:
    from_os: bool | None = None
    for word, pattern in _OS_FUNCS:
        if word not in data:
            continue
        for match in pattern.finditer(data):
            i = match.start() - 1
            if word == b"spawn" and data[max(0, i - 5):i + 1] == b"posix_":
                i -= 6
            while i > 0 and data[i] in b" \t\r\n\\":
                i -= 1
            if data[i:i + 1] == b".":
                if word == b"system" and data[max(0, i - 8):i] == b"platform":
                    continue
                return True
            if from_os is None:
                from_os = _FROM_OS.search(data) is not None
            if from_os:
                return True
    return False


def sink_call_present(data: bytes) -> bool:
    """Is there text the AST's ``sink_label`` could resolve to a sink -- anywhere in the file?
    Position-agnostic on purpose (indentation and strings cannot hide a call from it)."""
    for word, pattern in _SINK_WORDS:
        if word in data and pattern.search(data):
            return True
    return _os_call(data)


# Module-level evidence (bytes, on a newline-prefixed buffer): a column-0 statement with a call
# in it (expression, assignment, print(...)), or a column-0 compound/class statement whose body
# has a sink-looking call one level in. Heuristic about *where*; sink_call_present is the part
# about *what*, and both must hold.
_COL0_CALL = re.compile(
    rb"\n(?!def\b|class\b|async\b|import\b|from\b|return\b|raise\b|except\b)[^\s#@][^\n]*\("
)
_COMPOUND = re.compile(rb"\n(?:try|with|for|while|class|async|if\s+(?!__name__|TYPE_CHECKING|typing\.TYPE_CHECKING))\b")
_INDENTED_SINK = re.compile(
    rb"\n(?:    |\t)[^\n]*(?:system|popen|Popen|subprocess|requests|httpx|urlopen|urlretrieve|socket|"
    rb"HTTPS?Connection|spawn|exec[lv]|check_output|check_call|getoutput|\w\(\))"
)
# words without which no os-level sink can be named (aliases, __import__, getattr included)
_OS_WORDS = (b"system", b"popen", b"spawn", b"exec", b"import_")  # import_: __import__, import_module


def could_run_sink_on_import(padded: bytes, has_sink_import: bool) -> bool:
    """Pre-filter for the import-time rule. ``has_sink_import``: the regex pass already saw a
    network or subprocess import (or an ``os.system``-style call)."""
    if not has_sink_import and not any(word in padded for word in _OS_WORDS):
        return False
    if not (_COL0_CALL.search(padded) or (_COMPOUND.search(padded) and _INDENTED_SINK.search(padded))):
        return False
    return sink_call_present(padded)


_SUBPROCESS = {"run", "call", "Popen", "check_call", "check_output", "getoutput", "getstatusoutput"}
_NET = {"get", "post", "put", "patch", "delete", "request", "head"}


_OS_EXEC = {"execl", "execle", "execlp", "execlpe", "execv", "execve", "execvp", "execvpe", "spawnl", "spawnle",
            "spawnlp", "spawnlpe", "spawnv", "spawnve", "spawnvp", "spawnvpe", "posix_spawn", "posix_spawnp"}
_DYNAMIC_IMPORTERS = {"__import__", "import_module", "importlib.import_module"}


def aliases(tree: ast.Module, imports: list[ast.AST] | None = None) -> dict[str, str]:
    """Local names bound by imports (anywhere in the module) to a dotted target:
    ``import subprocess as sp`` -> ``sp: subprocess``; ``from os import system as s`` ->
    ``s: os.system``. Imports without ``as`` of a plain module need no entry."""
    out: dict[str, str] = {}
    for node in (ast.walk(tree) if imports is None else imports):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    out[alias.asname] = alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                if alias.name != "*":
                    out[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return out


def _dotted_parts(node: ast.AST, names: dict[str, str]) -> list[str]:
    """``a.b.c`` as parts, through aliases, ``__import__("os")``/``import_module("os")`` and
    ``getattr(obj, "name")``; [] when the callee is something else."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        target = names.get(node.id, node.id)
        parts.extend(reversed(target.split(".")))
    elif isinstance(node, ast.Call):
        inner = ".".join(_dotted_parts(node.func, {}))
        args = node.args
        if inner in _DYNAMIC_IMPORTERS and args and isinstance(args[0], ast.Constant) and isinstance(args[0].value, str):
            parts.extend(reversed(args[0].value.split(".")))
        elif inner == "getattr" and len(args) >= 2 and isinstance(args[1], ast.Constant) \
                and isinstance(args[1].value, str):
            base = _dotted_parts(args[0], names)
            if not base:
                return []
            parts.append(args[1].value)
            parts.extend(reversed(base))
        else:
            return []
    else:
        return []
    parts.reverse()
    return parts


def sink_label(call: ast.Call, names: dict[str, str] | None = None) -> str | None:
    parts = _dotted_parts(call.func, names or {})
    if not parts:
        return None
    dotted = ".".join(parts)
    head, last = parts[0], parts[-1]
    if head == "os" and len(parts) == 2 and (last in ("system", "popen") or last in _OS_EXEC):
        return dotted
    if head == "subprocess" and last in _SUBPROCESS:
        return dotted
    if len(parts) == 1 and last in ("Popen", "check_output", "check_call", "getoutput", "getstatusoutput"):
        return dotted
    if head in ("requests", "httpx") and last in _NET:
        return dotted
    if last in ("urlopen", "urlretrieve"):
        return dotted
    if head == "socket" and last in ("create_connection", "gethostbyname", "gethostbyname_ex"):
        return dotted
    if head == "http" and last in ("HTTPConnection", "HTTPSConnection"):
        return dotted
    return None


def _is_guard(test: ast.expr) -> bool:
    """``if __name__ == "__main__"`` / ``if TYPE_CHECKING``: not run on import."""
    if isinstance(test, ast.Compare) and isinstance(test.left, ast.Name) and test.left.id == "__name__":
        return True
    if isinstance(test, ast.Name) and test.id == "TYPE_CHECKING":
        return True
    if isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING":
        return True
    return False


def _calls(node: ast.AST):
    """Calls evaluated when this statement runs (not inside nested defs or lambdas)."""
    stack = [node]
    while stack:
        cur = stack.pop()
        if isinstance(cur, ast.Call):
            yield cur
        for child in ast.iter_child_nodes(cur):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                continue
            stack.append(child)


def _summaries(tree: ast.Module, names: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """Module-local functions and classes that reach a sink: name -> label."""
    funcs: dict[str, ast.AST] = {}
    classes: dict[str, ast.ClassDef] = {}
    for stmt in tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            funcs[stmt.name] = stmt
        elif isinstance(stmt, ast.ClassDef):
            classes[stmt.name] = stmt
            for item in stmt.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    funcs[f"{stmt.name}.{item.name}"] = item
    calls: dict[str, list[ast.Call]] = {
        name: [sub for sub in ast.walk(fn) if isinstance(sub, ast.Call)] for name, fn in funcs.items()
    }
    reach: dict[str, str] = {}
    for name, fn_calls in calls.items():
        for sub in fn_calls:
            label = sink_label(sub, names)
            if label:
                reach[name] = label
                break
    for _ in range(4):
        changed = False
        for name, fn_calls in calls.items():
            if name in reach:
                continue
            cls = name.split(".", 1)[0] if "." in name else None
            for sub in fn_calls:
                callee = sub.func
                key = None
                if isinstance(callee, ast.Name):
                    key = callee.id if callee.id in funcs else (
                        f"{callee.id}.__init__" if callee.id in classes else None)
                elif isinstance(callee, ast.Attribute) and isinstance(callee.value, ast.Name) \
                        and callee.value.id == "self" and cls:
                    key = f"{cls}.{callee.attr}"
                if key and key in reach:
                    reach[name] = f"{key.replace('.__init__', '')}() -> {reach[key]}"
                    changed = True
                    break
        if not changed:
            break
    class_reach = {c: reach[f"{c}.__init__"] for c in classes if f"{c}.__init__" in reach}
    return reach, class_reach


def _module_level_calls(tree: ast.Module) -> list[ast.Call]:
    """Calls evaluated on import: module-level statements, into if/try/with/loops and class
    bodies, never into function bodies; ``if __name__ == "__main__"`` / TYPE_CHECKING skipped."""
    out: list[ast.Call] = []

    def visit(stmts: list[ast.stmt]) -> None:
        for stmt in stmts:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Import, ast.ImportFrom)):
                continue
            if isinstance(stmt, ast.ClassDef):
                visit(stmt.body)
                continue
            if isinstance(stmt, ast.If):
                if _is_guard(stmt.test):
                    visit(stmt.orelse)
                    continue
                out.extend(_calls(stmt.test))
                visit(stmt.body)
                visit(stmt.orelse)
                continue
            if isinstance(stmt, (ast.Try, getattr(ast, "TryStar", ast.Try))):
                visit(stmt.body)
                for handler in stmt.handlers:
                    visit(handler.body)
                visit(stmt.orelse)
                visit(stmt.finalbody)
                continue
            if isinstance(stmt, (ast.With, ast.AsyncWith)):
                for item in stmt.items:
                    out.extend(_calls(item.context_expr))
                visit(stmt.body)
                continue
            if isinstance(stmt, (ast.For, ast.AsyncFor, ast.While)):
                out.extend(_calls(stmt.iter if isinstance(stmt, (ast.For, ast.AsyncFor)) else stmt.test))
                visit(stmt.body)
                visit(stmt.orelse)
                continue
            out.extend(_calls(stmt))

    visit(tree.body)
    return out


def _local_names(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for stmt in tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(stmt.name)
    return names


def import_time_sites(tree: ast.Module, index=None) -> list[tuple[int, str]]:
    names = aliases(tree, index.imports if index is not None else None)
    calls = _module_level_calls(tree)
    calls.sort(key=lambda c: (c.lineno, c.col_offset))
    local = _local_names(tree)
    # summaries of module-local functions only when a module-level call could reach one
    needs_reach = any(
        (isinstance(c.func, ast.Name) and c.func.id in local)
        or any(kw.arg == "target" and isinstance(kw.value, ast.Name) and kw.value.id in local for kw in c.keywords)
        for c in calls
    )
    reach, class_reach = _summaries(tree, names) if needs_reach else ({}, {})
    out: list[tuple[int, str]] = []
    for call in calls:
        label = sink_label(call, names)
        if label:
            out.append((call.lineno, f"module-level call to {label} runs on import"))
            continue
        func = call.func
        if isinstance(func, ast.Name):
            if func.id in reach:
                out.append((call.lineno, f"module-level call to {func.id}() runs on import and reaches {reach[func.id]}"))
            elif func.id in class_reach:
                out.append((call.lineno, f"module-level {func.id}() instance runs on import and reaches {class_reach[func.id]}"))
        for kw in call.keywords:
            if kw.arg == "target" and isinstance(kw.value, ast.Name) and kw.value.id in reach:
                out.append((call.lineno, f"module-level thread target {kw.value.id}() reaches {reach[kw.value.id]}"))
    return out


def runs_on_import(tree: ast.Module, line: int) -> bool:
    """Does ``line`` run when the module is imported: module-level code (outside defs and
    ``if __name__ == "__main__"``), or the body of a module-local function that a module-level
    call reaches (through other module-local calls). Used to lift a persistence write that
    happens on import (nx appended to ~/.bashrc, MrMustard wrote a .pth) above one a user asks for."""
    funcs: dict[str, ast.AST] = {}
    guarded: list[tuple[int, int]] = []
    for stmt in tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            funcs[stmt.name] = stmt
        elif isinstance(stmt, ast.ClassDef):
            for item in stmt.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    funcs[f"{stmt.name}.{item.name}"] = item
                    if item.name == "__init__":
                        funcs[stmt.name] = item
        elif isinstance(stmt, ast.If) and _is_guard(stmt.test):
            guarded.append((stmt.lineno, stmt.end_lineno or stmt.lineno))

    def span(node: ast.AST) -> tuple[int, int]:
        start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])  # type: ignore[attr-defined]
        return start, node.end_lineno or node.lineno  # type: ignore[attr-defined]

    defs = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))]
    if not any(span(fn)[0] <= line <= span(fn)[1] for fn in defs):
        return not any(a <= line <= b for a, b in guarded)
    # inside a def: runs on import only through a module-local function a module-level call reaches
    inside = [name for name, fn in funcs.items() if span(fn)[0] <= line <= span(fn)[1]]
    todo = []
    for call in _module_level_calls(tree):
        if isinstance(call.func, ast.Name) and call.func.id in funcs:
            todo.append(call.func.id)
        todo += [kw.value.id for kw in call.keywords
                 if kw.arg == "target" and isinstance(kw.value, ast.Name) and kw.value.id in funcs]
    reached: set[str] = set()
    while todo:
        name = todo.pop()
        if name in reached:
            continue
        reached.add(name)
        for sub in ast.walk(funcs[name]):
            if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name) and sub.func.id in funcs:
                todo.append(sub.func.id)
    return any(name in reached for name in inside)
