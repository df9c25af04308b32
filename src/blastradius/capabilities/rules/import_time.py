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

# Module-level statements that could reach a sink (prefilter on a newline-prefixed buffer;
# the AST decides): a bare call at column 0, an assignment from a sink call at column 0, or a
# sink call one level inside a module-level compound statement (try/if/with/for).
_COL0_CALL = re.compile(rb"\n(?!if\b|for\b|while\b|with\b|try\b|def\b|class\b|return\b|print\b|assert\b|raise\b)[A-Za-z_][\w.]*\s*\(")
_COL0_ASSIGN = re.compile(
    rb"\n[A-Za-z_][\w.]*\s*=\s*(?:os\.system|os\.popen|subprocess\.|requests\.|urlopen|urllib\.request|"
    rb"httpx\.|socket\.|Popen|threading\.Thread|[A-Za-z_]\w*\(\)\s*\n)"
)
_COMPOUND = re.compile(rb"\n(?:try|with|for|while|if\s+(?!__name__|TYPE_CHECKING|typing\.TYPE_CHECKING))\b")
_INDENTED_SINK = re.compile(
    rb"\n(?:    |\t)(?:[\w.]+\s*=\s*)?(?:os\.system|os\.popen|subprocess\.|requests\.|urlopen|urllib\.request|"
    rb"httpx\.|socket\.|Popen\(|[A-Za-z_]\w*\(\)\s*\n)"
)


class _TopLevel:
    @staticmethod
    def search(padded: bytes) -> bool:
        if _COL0_CALL.search(padded) or _COL0_ASSIGN.search(padded):
            return True
        return bool(_COMPOUND.search(padded) and _INDENTED_SINK.search(padded))


TOP_LEVEL_CALL = _TopLevel()
SINK_HINT = re.compile(rb"\.(?:system|popen|Popen|run|call|check_output|check_call|urlopen|urlretrieve|get|post|"
                       rb"request|create_connection|gethostbyname|exec[lv]|spawn)\s*\(")

_SUBPROCESS = {"run", "call", "Popen", "check_call", "check_output", "getoutput", "getstatusoutput"}
_NET = {"get", "post", "put", "patch", "delete", "request", "head"}


def sink_label(call: ast.Call) -> str | None:
    func = call.func
    parts: list[str] = []
    node = func
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    parts.reverse()
    if not parts:
        return None
    dotted = ".".join(parts)
    head, last = parts[0], parts[-1]
    if head == "os" and (last in ("system", "popen") or last.startswith(("exec", "spawn", "posix_spawn"))):
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
    if head in ("http", "HTTPConnection", "HTTPSConnection") and "HTTP" in last:
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


def _summaries(tree: ast.Module) -> tuple[dict[str, str], dict[str, str]]:
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
            label = sink_label(sub)
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


def import_time_sites(tree: ast.Module) -> list[tuple[int, str]]:
    reach, class_reach = _summaries(tree)
    out: list[tuple[int, str]] = []

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
                _check(stmt.test)
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
                    _check(item.context_expr)
                visit(stmt.body)
                continue
            if isinstance(stmt, (ast.For, ast.AsyncFor, ast.While)):
                _check(stmt.iter if isinstance(stmt, (ast.For, ast.AsyncFor)) else stmt.test)
                visit(stmt.body)
                visit(stmt.orelse)
                continue
            _check(stmt)

    def _check(node: ast.AST) -> None:
        for call in _calls(node):
            label = sink_label(call)
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

    visit(tree.body)
    return out
