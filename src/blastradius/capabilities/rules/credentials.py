"""Credential sources: named env reads (direct reach), whole-environment harvesting, credential
files, cloud metadata endpoints, secret managers and AI tool configs.

Why named reads and harvesting are separate rules: a provider SDK reading
``ANTHROPIC_API_KEY`` by name reaches exactly that key -- that is its direct reach into the
credential inventory, and it is normal. Reading *all* of ``os.environ`` (ctx 0.2.x, the litellm
1.82.x payload) reaches every key the process holds. Copying the environment only to hand it to
a child process (``subprocess.run(..., env=env)``) is neither, and is recognised as such.
"""

from __future__ import annotations

import ast
import re

# ---------------------------------------------------------------------------------------------
# named env reads (regex, bytes): os.environ.get("X"), os.environ["X"], os.getenv("X")
ENV_NAMED = re.compile(
    rb"""(?:\benviron\s*\.\s*(?:get|pop|setdefault)\s*\(\s*|\benviron\s*\[\s*|\bgetenv\s*\(\s*)"""
    rb"""[rbuRBU]?(['"])([A-Za-z_][A-Za-z0-9_]{0,127})\1(\s*\]\s*=(?!=))?"""
)
# any use of environ that is not a named access: candidates for the harvest check (AST)
ENV_WHOLE_HINT = re.compile(
    rb"environb?(?:\.items\(|\.copy\(|\.values\(|\s*[,)}\]]|[ \t]*(?:\n|#))"
)


def named_env_reads(data: bytes, line_of) -> list[tuple[str, int]]:
    """(name, line) for every literal-name read; writes (``os.environ["X"] = ...``) excluded."""
    out: list[tuple[str, int]] = []
    for match in ENV_NAMED.finditer(data):
        if match.group(3):
            continue
        out.append((match.group(2).decode("ascii"), line_of(match.start())))
    return out


# ---------------------------------------------------------------------------------------------
# credential families. Regexes anchored on "." or "/" run ~20x faster in CPython's re than
# word alternations, so families are found by those plus a few literal ``in`` checks.
_CRED_DOT = re.compile(
    rb"\.(ssh|aws|kube|docker|pypirc|npmrc|netrc|git-credentials|claude|cursor|continue|codex|gemini|"
    rb"electrum|ethereum|azure|config/gcloud|(?:bash|zsh|sh|python)_history|254\.169\.254|google\.internal|"
    rb"100\.100\.200|Worker)(?![A-Za-z0-9_])"
)
_CRED_SLASH = re.compile(rb"/(etc/(?:passwd|shadow)|proc/[^'\"\s]{0,20}?/mem|latest/meta-data|var/run/secrets/kubernetes)")
_SECRET_MGR = re.compile(rb"\bget_secret_value\b|\blist_secrets\b|['\"]secretsmanager['\"]|access_secret_version")
_DOT_FAMILY = {
    b"ssh": "ssh", b"aws": "aws", b"kube": "kube", b"docker": "docker", b"pypirc": "pypirc", b"npmrc": "npmrc",
    b"netrc": "netrc", b"git-credentials": "git-credentials", b"claude": "ai-tools", b"cursor": "ai-tools",
    b"continue": "ai-tools", b"codex": "ai-tools", b"gemini": "ai-tools", b"electrum": "wallet",
    b"ethereum": "wallet", b"azure": "azure", b"config/gcloud": "gcp", b"254.169.254": "cloud-metadata",
    b"google.internal": "cloud-metadata", b"100.100.200": "cloud-metadata", b"Worker": "process-memory",
}
_PATH_CHARS = b"'\"/\\~"
_LITERALS = (
    (b"application_default_credentials", "gcp"),
    (b"claude_desktop_config", "ai-tools"),
    (b"mcp.json", "ai-tools"),
    (b"wallet.dat", "wallet"),
)
_SECRET_LITERALS = (b"get_secret_value", b"list_secrets", b"secretsmanager", b"access_secret_version")
# the whole home directory walked (torchtriton read every small file under $HOME): the walk's argument
# is the home root itself, not a cache or config directory below it
_HOME_WALK = re.compile(
    rb"walk\(\s*(?:os\.path\.expanduser\(\s*['\"]~/?['\"]\s*\)|(?:pathlib\.)?Path\.home\(\)|home(?:_?dir)?|HOME)\s*\)|"
    rb"Path\.home\(\)\.r?glob\("
)
SENSITIVE = frozenset({"ssh", "git-credentials", "pypirc", "npmrc", "wallet", "system-accounts",
                       "process-memory", "ai-tools", "shell-history", "secret-sweep", "home-directory"})
PROVIDER = frozenset({"aws", "gcp", "azure", "kube", "docker", "netrc"})
FAMILIES = tuple(sorted(SENSITIVE | PROVIDER | {"cloud-metadata", "secret-manager"}))
# file access next to a credential path: a mention in a docstring or lexer table is not a read
FILE_ACCESS = re.compile(
    rb"\bopen\s*\(|read_text|read_bytes|expanduser|Path\.home|os\.walk|\bglob\b|listdir|scandir|"
    rb"shutil\.copy|\bcat\s|\bos\.environ\b|HOME"
)


def credential_families(data: bytes, line_of) -> dict[str, int]:
    """family -> first line where the file names it (with file access in the same file)."""
    found: dict[str, int] = {}
    for match in _CRED_DOT.finditer(data):
        word = match.group(1)
        family = _DOT_FAMILY.get(word) or ("shell-history" if word.endswith(b"_history") else None)
        if family is None or family in found:
            continue
        start = match.start()
        if family == "process-memory":
            if data[max(0, start - 6):start] != b"Runner":
                continue
        elif family not in ("cloud-metadata", "shell-history") and (start == 0 or data[start - 1] not in _PATH_CHARS):
            continue
        found[family] = line_of(start)
    for match in _CRED_SLASH.finditer(data):
        word = match.group(1)
        family = ("system-accounts" if word.startswith(b"etc/") else "process-memory" if word.startswith(b"proc/")
                  else "cloud-metadata" if word.startswith(b"latest") else "kube")
        found.setdefault(family, line_of(match.start()))
    for literal, family in _LITERALS:
        if family not in found:
            pos = data.find(literal)
            if pos >= 0:
                found[family] = line_of(pos)
    if b"secret" in data:
        for literal in _SECRET_LITERALS:
            pos = data.find(literal)
            if pos >= 0:
                found.setdefault("secret-manager", line_of(pos))
                break
        # listing every secret and reading values in one file: a dump of the secret store
        pos = data.find(b"list_secrets")
        if pos >= 0 and (b"get_secret_value" in data or b"access_secret_version" in data):
            found["secret-sweep"] = line_of(pos)
    if b"walk(" in data or b"Path.home()." in data:
        match = _HOME_WALK.search(data)
        if match:
            found.setdefault("home-directory", line_of(match.start()))
    if found and not FILE_ACCESS.search(data):
        # names only (tables, docs): keep endpoints, which need no file access to be used
        found = {k: v for k, v in found.items() if k in ("cloud-metadata", "secret-manager", "secret-sweep")}
    return found


# A store is a tool's own configuration for the tools that exist to use it: pip, setuptools,
# distlib and twine read ~/.pypirc to upload; that is not a credential *source* in them (the
# file reference is still listed as BR-CRED-FILE). Exact distribution names only, like the
# known-benign .pth owners.
OWN_STORES: dict[str, frozenset[str]] = {
    "pypirc": frozenset({"pip", "setuptools", "distlib", "twine", "flit", "flit-core", "hatch", "pdm", "poetry",
                         "poetry-core", "maturin"}),
    "npmrc": frozenset({"nodeenv"}),
}


def own_stores(package: str) -> frozenset[str]:
    """Credential families that are ``package``'s own configuration (see OWN_STORES)."""
    return frozenset(family for family, owners in OWN_STORES.items() if package in owners)


def is_credential_source(families: set[str], *, same_file: bool = False) -> bool:
    """Is this set of credential families (named by one file) a credential *source*?

    Next to a network call in the same file: any sensitive store (ssh keys, ~/.claude...), or
    two provider stores. As a source for network elsewhere in the package: a *sweep* -- two
    sensitive stores, one sensitive and one provider store, or three provider stores. A cloud
    SDK reads its own config and metadata endpoint; a stealer reads everyone's.
    """
    sensitive = len(families & SENSITIVE)
    providers = len(families & PROVIDER)
    if same_file:
        return sensitive >= 1 or providers >= 2
    return sensitive >= 2 or (sensitive >= 1 and providers >= 1) or providers >= 3


# ---------------------------------------------------------------------------------------------
# whole-environment harvest (AST)
_ENV_METHODS_NAMED = {"get", "pop", "setdefault", "__getitem__", "__contains__", "__setitem__",
                      "__delitem__", "update", "clear", "keys"}
_HARVEST_METHODS = {"items", "copy", "values"}
_PASSTHROUGH_KW = {"env", "environ", "environment"}
_SUBPROCESS_FUNCS = {"run", "call", "Popen", "check_call", "check_output", "execve", "execvpe",
                     "spawnve", "spawnvpe", "create_subprocess_exec", "create_subprocess_shell",
                     "posix_spawn", "posix_spawnp"}
# benign whole-environ consumers: expand templates/paths from the environment, look things up
_BENIGN_CONSUMERS = {"expandvars", "which", "substitute", "safe_substitute", "ChainMap", "Environ",
                     "_Environ", "isinstance", "id", "len", "bool", "type"}


def _is_environ(node: ast.AST, environ_names: set[str]) -> bool:
    if isinstance(node, ast.Attribute) and node.attr in ("environ", "environb"):
        return isinstance(node.value, ast.Name) and node.value.id == "os"
    return isinstance(node, ast.Name) and node.id in environ_names


def _callee_name(func: ast.AST) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def _loop_is_filtered(target: ast.AST, body: list[ast.stmt] | list[ast.expr]) -> bool:
    """A loop/comprehension over the environment that tests the key (prefix, equality,
    membership) reads selected variables, not everything."""
    names = {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
    for node in body:
        tests = []
        if isinstance(node, ast.If):
            tests.append(node.test)
        elif isinstance(node, ast.expr):
            tests.append(node)
        for test in tests:
            if any(isinstance(n, ast.Name) and n.id in names for n in ast.walk(test)):
                return True
    return False


def harvest_sites(tree: ast.AST, parents: dict[ast.AST, ast.AST] | None = None, index=None) -> list[tuple[int, str]]:
    """(line, how) for every place the whole environment is read in bulk. ``index`` (an
    :class:`~blastradius.capabilities.rules.astindex.Index`) saves walking the tree again."""
    if index is None:
        from blastradius.capabilities.rules import astindex

        index = astindex.build(tree)
    parents = index.parents if parents is None else parents
    environ_names = set()
    for node in index.imports:
        if isinstance(node, ast.ImportFrom) and node.module == "os":
            for alias in node.names:
                if alias.name in ("environ", "environb"):
                    environ_names.add(alias.asname or alias.name)
    candidates: list[ast.AST] = [a for a in index.attributes if a.attr in ("environ", "environb")]
    if environ_names:
        candidates += [n for n in index.names if n.id in environ_names]
    candidates.sort(key=lambda n: (getattr(n, "lineno", 0), getattr(n, "col_offset", 0)))
    sites: list[tuple[int, str]] = []
    for node in candidates:
        if not _is_environ(node, environ_names):
            continue
        verdict = _classify_environ_use(node, parents, environ_names)
        if verdict:
            sites.append((getattr(node, "lineno", 0), verdict))
    return sites


def _classify_environ_use(node: ast.AST, parents: dict[ast.AST, ast.AST], environ_names: set[str]) -> str | None:
    parent = parents.get(node)
    expr: ast.AST = node
    how = "os.environ"
    if isinstance(parent, ast.Attribute) and parent.value is node:
        if parent.attr in _ENV_METHODS_NAMED:
            return None
        grand = parents.get(parent)
        if parent.attr in _HARVEST_METHODS and isinstance(grand, ast.Call) and grand.func is parent:
            expr, how = grand, f"os.environ.{parent.attr}()"
        else:
            return None
    elif isinstance(parent, ast.Subscript) and parent.value is node:
        return None
    elif isinstance(parent, ast.Compare) and node in parent.comparators:
        return None  # "X" in os.environ
    elif isinstance(parent, (ast.ImportFrom, ast.alias)):
        return None
    # whole environment (or a copy of it) is now `expr`; where does it go?
    return _follow(expr, how, parents)


_BULK_CONSUMERS = {
    "dumps", "dump", "str", "repr", "b64encode", "urlsafe_b64encode", "b32encode", "b85encode", "hexlify",
    "urlencode", "post", "put", "patch", "request", "send", "sendall", "sendto", "write", "writelines",
    "print", "format", "join", "list", "sorted", "tuple", "pformat", "pprint", "encrypt", "compress",
    "Request", "urlopen", "get", "encode", "append", "extend", "upload", "emit", "info", "debug",
    "warning", "error", "log",
}


def _follow(expr: ast.AST, how: str, parents: dict[ast.AST, ast.AST], depth: int = 0) -> str | None:
    if depth > 6:
        return None
    parent = parents.get(expr)
    if isinstance(parent, ast.keyword):
        if parent.arg is None or parent.arg in _PASSTHROUGH_KW:
            return None
        call = parents.get(parent)
        name = _callee_name(call.func) if isinstance(call, ast.Call) else ""
        if name in _SUBPROCESS_FUNCS or name not in _BULK_CONSUMERS:
            return None
        return f"{how} passed as {parent.arg}= to {name}()"
    if isinstance(parent, ast.Call):
        name = _callee_name(parent.func)
        if expr in parent.args:
            if name == "dict":
                return _follow(parent, "dict(os.environ)", parents, depth + 1)
            if name in _BULK_CONSUMERS:
                return f"{how} passed to {name}()"
        return None
    if isinstance(parent, ast.Dict) and expr in parent.values:
        idx = parent.values.index(expr)
        key = parent.keys[idx]
        if key is None:  # {**os.environ, ...}
            return _follow(parent, "{**os.environ}", parents, depth + 1)
        if isinstance(key, ast.Constant) and key.value in _PASSTHROUGH_KW:
            return None
        return _follow(parent, f"{how} inside a dict", parents, depth + 1)
    if isinstance(parent, (ast.For, ast.AsyncFor)) and parent.iter is expr:
        if not how.endswith((".items()", ".values()")):
            return None  # iterating names only
        return None if _loop_is_filtered(parent.target, parent.body) else f"iterates {how}"
    if isinstance(parent, ast.comprehension) and parent.iter is expr:
        if not how.endswith((".items()", ".values()")):
            return None
        if parent.ifs:
            return None
        # an unfiltered comprehension is a copy of the environment: like os.environ.copy(), what
        # matters is where the copy goes (serialised, sent, printed -- or only returned/passed on)
        comp = parents.get(parent)
        if isinstance(comp, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            return _follow(comp, f"a comprehension over {how}", parents, depth + 1)
        return f"iterates {how} in a comprehension"
    if isinstance(parent, (ast.Assign, ast.AnnAssign)) and parent.value is expr:
        targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
        if len(targets) == 1 and isinstance(targets[0], ast.Name):
            return _follow_name(targets[0].id, parent, how, parents, depth + 1)
        return None  # stored on an attribute: a reference, not a read
    if isinstance(parent, (ast.JoinedStr, ast.FormattedValue)):
        return f"{how} formatted into a string"
    return None


def _scope_of(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> ast.AST:
    cur = parents.get(node)
    while cur is not None and not isinstance(cur, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Module)):
        cur = parents.get(cur)
    return cur if cur is not None else node


def _follow_name(name: str, assign: ast.AST, how: str, parents: dict[ast.AST, ast.AST], depth: int) -> str | None:
    """A copy bound to a local name: harvest only if the name is then used in bulk."""
    scope = _scope_of(assign, parents)
    for node in ast.walk(scope):
        if not (isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Load)):
            continue
        parent = parents.get(node)
        if isinstance(parent, ast.Attribute) and parent.value is node:
            grand = parents.get(parent)
            if parent.attr in _HARVEST_METHODS and isinstance(grand, ast.Call):
                result = _follow(grand, f"{how}.{parent.attr}()", parents, depth + 1)
                if result:
                    return result
            continue
        if isinstance(parent, ast.Subscript):
            continue
        if isinstance(parent, ast.Compare):
            continue
        result = _follow(node, how, parents, depth + 1)
        if result:
            return result
    return None
