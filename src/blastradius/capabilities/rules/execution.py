"""Hidden code: exec/eval/compile of decoded or downloaded data, long encoded literals, and
import/getattr names built from string pieces.

``exec`` of a code template (jinja2, attrs, dataclasses) is ordinary; ``exec`` of something that
went through base64/zlib/marshal first is how every payload in the incident list hid itself
(litellm 1.82.8, jeIlyfish). So only the *decoded* (or *downloaded*) argument is flagged, with
a small taint pass so ``code = b64decode(x); exec(code)`` is caught as well as the one-liner.
"""

from __future__ import annotations

import ast
import base64
import binascii
import hashlib
import re
import zlib

EXEC_CALL = re.compile(rb"\b(?:exec|eval|compile)\s*\(")
DECODE_HINT = re.compile(
    rb"b64decode|b32decode|b16decode|b85decode|a85decode|decodebytes|decodestring|decompress|"
    rb"marshal|fromhex|unhexlify|a2b_|rot.?13|\bchr\s*\("
)
NET_HINT = re.compile(rb"urlopen|requests\.|httpx\.|urllib|socket|aiohttp")
_BUILT = rb"""[^\n]*?(?:['"]\s*\+|\[::-1\]|chr\(|rot.?13|fromhex|b64decode|\.join\()"""
OBF_TRIGGERS = (
    (b"getattr(", re.compile(rb"getattr\(" + _BUILT)),
    (b"__import__(", re.compile(rb"__import__\(" + _BUILT)),
    (b"import_module(", re.compile(rb"import_module\(" + _BUILT)),
)


def needs_obfuscation_check(data: bytes) -> bool:
    return any(literal in data and pattern.search(data) for literal, pattern in OBF_TRIGGERS)

_DECODERS = {
    "b64decode", "b32decode", "b16decode", "b85decode", "a85decode", "urlsafe_b64decode",
    "standard_b64decode", "decodebytes", "decodestring", "decompress", "fromhex", "unhexlify",
    "a2b_base64", "a2b_hex", "a2b_uu",
}
_CODE_LOADERS = {("marshal", "loads"), ("marshal", "load")}
_CODEC_NAMES = {"rot13", "rot_13", "hex", "hex_codec", "base64", "base64_codec", "zlib", "zlib_codec",
                "bz2", "uu"}
_NET_CALLS = {"urlopen", "urlretrieve"}
_NET_MODULES = {"requests", "httpx", "urllib", "aiohttp", "socket", "http"}


def _dotted(node: ast.AST) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    elif isinstance(node, ast.Call):
        parts.append(_dotted(node.func) + "()")
    return ".".join(reversed(parts))


def _is_decode_call(call: ast.Call) -> str | None:
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    dotted = _dotted(func)
    if name in _DECODERS:
        return dotted or name
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and (func.value.id, name) in _CODE_LOADERS:
        return dotted
    if name in ("decode", "encode") and call.args:
        arg = call.args[-1] if dotted.startswith("codecs.") else call.args[0]
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and arg.value.lower() in _CODEC_NAMES:
            return f"{dotted}('{arg.value}')"
    if name == "join" and call.args:
        inner = call.args[0]
        for sub in ast.walk(inner):
            if isinstance(sub, ast.Name) and sub.id == "chr":
                return "''.join(chr(...))"
    return None


def _is_net_call(call: ast.Call) -> str | None:
    dotted = _dotted(call.func)
    head = dotted.split(".", 1)[0]
    name = dotted.rsplit(".", 1)[-1]
    if name in _NET_CALLS:
        return dotted
    if head in _NET_MODULES and name in ("get", "post", "request", "urlopen", "recv", "read"):
        return dotted
    return None


def _find(node: ast.AST, test, tainted: dict[str, str]) -> str | None:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call):
            found = test(sub)
            if found:
                return found
        elif isinstance(sub, ast.Name) and sub.id in tainted:
            return tainted[sub.id]
    return None


def _taint(tree: ast.AST, test, assigns: list[ast.AST] | None = None) -> dict[str, str]:
    """Names bound (anywhere in the module) to a value derived from ``test`` calls; two rounds
    so one intermediate variable is followed."""
    tainted: dict[str, str] = {}
    if assigns is None:
        assigns = [n for n in ast.walk(tree) if isinstance(n, (ast.Assign, ast.AugAssign, ast.AnnAssign))]
    for _ in range(2):
        for node in assigns:
            if node.value is None:
                continue
            found = _find(node.value, test, tainted)
            if not found:
                continue
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for sub in ast.walk(target):
                    if isinstance(sub, ast.Name):
                        tainted.setdefault(sub.id, found)
    return tainted


def _exec_target(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Name) and func.id in ("exec", "eval", "compile"):
        return func.id
    if isinstance(func, ast.Attribute) and func.attr in ("exec", "eval") and isinstance(func.value, ast.Name) \
            and func.value.id in ("builtins", "__builtins__"):
        return func.attr
    if isinstance(func, ast.Call) and isinstance(func.func, ast.Name) and func.func.id == "getattr" \
            and len(func.args) >= 2 and isinstance(func.args[1], ast.Constant) and func.args[1].value in ("exec", "eval"):
        return str(func.args[1].value)
    return None


# ``[sys.executable, "-c", code]`` / ``sh -c code``: running code text in a child interpreter is exec
# by another name (litellm 1.82.7 ran its decoded payload with ``Popen([sys.executable, "-c", ...])``).
_RUNNERS = {"Popen", "run", "call", "check_call", "check_output", "create_subprocess_exec", "execv", "execvp",
            "execl", "execlp", "spawnv", "spawnl", "spawnvp", "spawnlp", "posix_spawn", "posix_spawnp"}


def _dash_c_code(call: ast.Call) -> ast.AST | None:
    """The code argument after ``"-c"`` of a program-running call, or None."""
    if _dotted(call.func).rsplit(".", 1)[-1] not in _RUNNERS or not call.args:
        return None
    first = call.args[0]
    seq = first.elts if isinstance(first, (ast.List, ast.Tuple)) else call.args
    for i, item in enumerate(seq[:-1]):
        if isinstance(item, ast.Constant) and item.value == "-c":
            return seq[i + 1]
    return None


def _params(fn: ast.AST) -> set[str]:
    args = fn.args  # type: ignore[attr-defined]
    return {a.arg for a in args.posonlyargs + args.args + args.kwonlyargs} | (
        {args.vararg.arg} if args.vararg else set())


def _exec_wrappers(tree: ast.AST, calls: list[ast.Call], parents: dict | None) -> dict[str, str]:
    """Module-local names (``run = lambda c: exec(c)``, ``def run(c): exec(c)``) whose body execs one
    of its parameters: calling them is exec (lambda/compile chains hide the exec behind a name)."""
    out: dict[str, str] = {}
    for call in calls:
        target = _exec_target(call)
        if target is None or not call.args:
            continue
        fn = parents.get(call) if parents is not None else None
        while fn is not None and not isinstance(fn, (ast.Lambda, ast.FunctionDef, ast.AsyncFunctionDef, ast.Module)):
            fn = parents.get(fn)
        if fn is None or isinstance(fn, ast.Module):
            continue
        params = _params(fn)
        if not any(isinstance(n, ast.Name) and n.id in params for n in ast.walk(call.args[0])):
            continue
        if isinstance(fn, ast.Lambda):
            holder = parents.get(fn)
            if isinstance(holder, ast.Assign) and len(holder.targets) == 1 and isinstance(holder.targets[0], ast.Name):
                out.setdefault(holder.targets[0].id, target)
        else:
            out.setdefault(fn.name, target)
    return out


def exec_sites(tree: ast.AST, *, want_decoded: bool, want_remote: bool, index=None) -> list[tuple[str, int, str]]:
    """(rule_id, line, message) for exec/eval/compile of decoded or downloaded data (also through an
    exec wrapper, or as the ``-c`` code of a child interpreter or shell)."""
    out: list[tuple[str, int, str]] = []
    calls = index.calls if index is not None else [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
    wrappers = _exec_wrappers(tree, calls, index.parents if index is not None else None)
    exec_calls: list[tuple[ast.Call, str, ast.AST]] = []
    for c in calls:
        target = _exec_target(c)
        if target is not None and c.args:
            exec_calls.append((c, f"{target}()", c.args[0]))
        elif isinstance(c.func, ast.Name) and c.func.id in wrappers and c.args:
            exec_calls.append((c, f"{c.func.id}() (wraps {wrappers[c.func.id]})", c.args[0]))
        else:
            code = _dash_c_code(c)
            if code is not None:
                exec_calls.append((c, f"{_dotted(c.func)}(... -c ...)", code))
    if not exec_calls:
        return out
    assigns = index.assigns if index is not None else None
    decoded = _taint(tree, _is_decode_call, assigns) if want_decoded else {}
    remote = _taint(tree, _is_net_call, assigns) if want_remote else {}
    for node, target, arg in exec_calls:
        if isinstance(arg, ast.Call) and isinstance(arg.func, ast.Name) and arg.func.id == "repr":
            continue  # eval(repr(x)): a literal round-trip, never code from the data
        if want_decoded:
            how = _find(arg, _is_decode_call, decoded)
            if how:
                out.append(("BR-EXEC-DECODED", node.lineno, f"{target} of data decoded by {how}"))
                continue
        if want_remote:
            how = _find(arg, _is_net_call, remote)
            if how:
                out.append(("BR-EXEC-REMOTE", node.lineno, f"{target} of data fetched by {how}"))
    return out


# ---------------------------------------------------------------------------------------------
# obfuscated names
def _built_string(node: ast.AST) -> str | None:
    """How a name argument was built from pieces, or None for a plain literal / variable."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        leaves = []
        stack = [node]
        while stack:
            cur = stack.pop()
            if isinstance(cur, ast.BinOp) and isinstance(cur.op, ast.Add):
                stack += [cur.left, cur.right]
            else:
                leaves.append(cur)
        if all(isinstance(x, ast.Constant) and isinstance(x.value, str) for x in leaves):
            return "string concatenation"
        if any(isinstance(x, ast.Call) and _dotted(x.func) == "chr" for x in leaves):
            return "chr() pieces"
        return None
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice) and node.slice.step is not None:
        step = node.slice.step
        if isinstance(step, ast.UnaryOp) and isinstance(step.operand, ast.Constant) and isinstance(node.value, ast.Constant):
            return "reversed string"
    if isinstance(node, ast.Call):
        if _is_decode_call(node):
            return "decoded string"
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "decode" and isinstance(func.value, ast.Call) \
                and _is_decode_call(func.value):
            return "decoded string"
        if isinstance(func, ast.Attribute) and func.attr == "join" and node.args:
            inner = node.args[0]
            if isinstance(inner, (ast.List, ast.Tuple)) and inner.elts and all(
                isinstance(e, ast.Constant) and isinstance(e.value, str) for e in inner.elts
            ):
                return "joined string pieces"
            if _is_decode_call(node):
                return "chr() pieces"
    return None


# names whose spelling-by-pieces hides a sink: the folded string is named in the evidence and the
# finding is high (Birsan-style ``getattr(__import__('o'+'s'), 'sys'+'tem')``)
SINK_NAMES = frozenset({"os", "subprocess", "socket", "requests", "httpx", "urllib", "urllib.request", "builtins",
                        "base64", "marshal", "zlib", "codecs", "ctypes", "pty", "system", "popen", "Popen", "run",
                        "call", "check_output", "check_call", "exec", "eval", "compile", "execv", "execve",
                        "spawnv", "urlopen", "urlretrieve", "b64decode", "loads", "decompress", "__import__",
                        "import_module", "getoutput", "create_connection"})


def _fold(node: ast.AST) -> str | None:
    """The constant string a built name evaluates to, when every piece is a literal."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _fold(node.left), _fold(node.right)
        return left + right if left is not None and right is not None else None
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice) and isinstance(node.value, ast.Constant) \
            and isinstance(node.value.value, str) and node.slice.lower is None and node.slice.upper is None \
            and isinstance(node.slice.step, ast.UnaryOp) and isinstance(node.slice.step.operand, ast.Constant) \
            and node.slice.step.operand.value == 1:
        return node.value.value[::-1]
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "join" \
            and isinstance(node.func.value, ast.Constant) and isinstance(node.func.value.value, str) and node.args \
            and isinstance(node.args[0], (ast.List, ast.Tuple)):
        pieces = [_fold(e) for e in node.args[0].elts]
        return node.func.value.value.join(pieces) if all(p is not None for p in pieces) else None  # type: ignore[arg-type]
    return None


def obfuscated_names(tree: ast.AST, index=None) -> list[tuple[int, str]]:
    """(line, message); a message starting with "hides" names a sink (reported high)."""
    out: list[tuple[int, str]] = []
    calls = index.calls if index is not None else [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
    for node in calls:
        dotted = _dotted(node.func)
        name = dotted.rsplit(".", 1)[-1]
        if name in ("__import__", "import_module") and node.args:
            arg = node.args[0]
        elif name == "getattr" and len(node.args) >= 2:
            arg = node.args[1]
        else:
            continue
        how = _built_string(arg)
        if how:
            folded = _fold(arg)
            if folded in SINK_NAMES:
                out.append((node.lineno, f"hides {name}('{folded}') behind a name built by {how}"))
            else:
                out.append((node.lineno, f"{name}() with a name built by {how}"))
    return out


# ---------------------------------------------------------------------------------------------
# long encoded literals (regex over bytes; the literal itself never leaves this function)
B64_LITERAL = re.compile(rb"""(['"])([A-Za-z0-9+/_-]{1024,}={0,2})\1""")
HEX_LITERAL = re.compile(rb"""(['"])((?:[0-9a-fA-F]{2}){1024,})\1""")
_PY_START = re.compile(rb"^\s*(?:import |from |exec\(|eval\(|def |class |#!|#\s*-\*-|\w+\s*=)")
_PY_WORDS = re.compile(rb"\bimport\s+\w+|\bexec\s*\(|\bsubprocess\b|\bos\.system\b|\bbase64\b|\bdef \w+\(")


def _looks_like_python(blob: bytes) -> bool:
    return bool(_PY_START.search(blob[:200]) and _PY_WORDS.search(blob))


def _decode_prefix(kind: str, literal: bytes) -> bytes:
    """Decode at most ~6 KB of the literal; follow one zlib layer, bounded."""
    head = literal[:8192]
    try:
        if kind == "hex":
            raw = binascii.unhexlify(head[: len(head) // 2 * 2])
        else:
            head = head[: len(head) // 4 * 4]
            raw = base64.b64decode(head.replace(b"-", b"+").replace(b"_", b"/"), validate=False)
    except (binascii.Error, ValueError):
        return b""
    if raw[:1] == b"\x78":
        try:
            raw = zlib.decompressobj().decompress(raw, 8192)
        except zlib.error:
            pass
    return raw


def encoded_literals(data: bytes, line_of) -> list[tuple[str, int, str]]:
    out: list[tuple[str, int, str]] = []
    for kind, pattern in (("base64", B64_LITERAL), ("hex", HEX_LITERAL)):
        for match in pattern.finditer(data):
            literal = match.group(2)
            if kind == "base64" and (literal.isalpha() or literal.isdigit() or b"/" not in literal and b"+" not in literal
                                     and literal.lower() == literal):
                continue  # one long word or an identifier-like run, not base64
            digest = hashlib.sha256(literal).hexdigest()[:16]
            decoded = _decode_prefix(kind, literal)
            if _looks_like_python(decoded):
                out.append(("BR-ENCODED-CODE", line_of(match.start()),
                            f"{kind} literal of {len(literal)} chars (sha256 {digest}) decodes to Python source"))
            else:
                out.append(("BR-ENCODED-LITERAL", line_of(match.start()),
                            f"{kind} literal of {len(literal)} chars (sha256 {digest})"))
    return out
