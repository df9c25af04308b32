"""Rule registry: every rule has an id, a name, a default severity, the capability it marks
and the real incident it comes from (documented in ``docs/rules.md``).

Why a registry separate from the detection code: reports, SARIF and the docs all need the
rule metadata without running anything, and the cache key must change whenever a rule does
(:data:`RULES_VERSION`).
"""

from __future__ import annotations

from dataclasses import dataclass

# Bump whenever any rule's logic or severity changes: cached results keyed on it go stale.
RULES_VERSION = "2026.3"


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    severity: str
    capability: str | None
    incident: str
    summary: str


_RULES: tuple[Rule, ...] = (
    # .pth / start-up hooks
    Rule("BR-PTH-EXEC", "executable-pth", "critical", "pth-exec",
         "litellm 1.82.8 (litellm_init.pth), elementary-data 0.23.3, Miasma <pkg>-setup.pth",
         "A .pth line starting with 'import' runs at every interpreter start; not a known-benign shape."),
    Rule("BR-PTH-KNOWN", "known-benign-pth", "info", None,
         "setuptools distutils-precedence.pth, -nspkg.pth, editable finders, _virtualenv.pth",
         "An executable .pth line with an exact known-benign shape from its expected owner."),
    Rule("BR-PTH-SHAPE-OWNER", "benign-pth-shape-wrong-owner", "high", "pth-exec",
         "litellm 1.82.8 (a .pth shipped by a package that should not have one)",
         "A known-benign .pth shape shipped by a distribution that is not its known owner."),
    Rule("BR-PTH-UNOWNED", "pth-not-in-record", "high", "startup-hook",
         "MrMustard 0.7.4 (writes a .pth into site-packages at run time)",
         "A .pth/.start/sitecustomize file in site-packages that no distribution's RECORD lists."),
    Rule("BR-START-ENTRY", "start-file-entry-point", "high", "startup-hook",
         "PEP 829 successor of executable .pth lines (Python 3.15)",
         "A .start file names an entry point that runs at every interpreter start."),
    Rule("BR-STARTUP-SITECUSTOMIZE", "sitecustomize", "high", "startup-hook",
         "same start-up hook class as litellm 1.82.8",
         "A sitecustomize.py/usercustomize.py at the install root runs at every interpreter start."),
    # execution of hidden code
    Rule("BR-EXEC-DECODED", "exec-decoded-data", "critical", "exec-decoded",
         "litellm 1.82.8 exec(base64.b64decode(...)), litellm 1.82.7 Popen([python, '-c', decoded]), "
         "jeIlyfish zlib+base64",
         "exec/eval/compile of data produced by base64/zlib/marshal/codecs/bytes.fromhex, also through an "
         "exec wrapper or as the -c code of a child interpreter or shell."),
    Rule("BR-EXEC-REMOTE", "exec-downloaded-code", "critical", "download-exec",
         "telnyx 4.87.x (next stage fetched then executed)",
         "exec/eval of data fetched from the network."),
    Rule("BR-ENCODED-LITERAL", "long-encoded-literal", "info", "encoded-payload",
         "litellm 1.82.8 (34 KB base64 payload)",
         "A string literal of 1 KiB or more that is pure base64 or hex."),
    Rule("BR-ENCODED-CODE", "encoded-python-code", "high", "encoded-payload",
         "litellm 1.82.8 ('aW1wb3J0' = base64 of 'import')",
         "A long encoded literal whose decoded start is Python source."),
    Rule("BR-OBFUSCATED-NAME", "string-built-import-name", "medium", "obfuscation",
         "Birsan-style and typosquat payloads: __import__('o'+'s')",
         "__import__/importlib.import_module/getattr with a name built from string pieces (high when "
         "the pieces spell a sink)."),
    # credentials
    Rule("BR-ENV-HARVEST", "environment-harvest", "info", "env-harvest",
         "ctx 0.2.x (os.environ.items() sent out), litellm 1.82.7/1.82.8",
         "The whole os.environ is read (iterated, copied, serialised), not single names."),
    Rule("BR-ENV-READ", "named-env-read", "info", "env-read",
         "direct reach: every provider key is an env var name",
         "An environment variable read by literal name (recorded as direct reach)."),
    Rule("BR-CRED-FILE", "credential-file-access", "info", "credential-files",
         "litellm 1.82.7/1.82.8, MrMustard 0.7.4, torchtriton (ssh, aws, kube, docker, git)",
         "Code names a credential file, cloud metadata endpoint or secret manager."),
    Rule("BR-AI-TOOL-CONFIG", "ai-tool-config-access", "medium", "credential-files",
         "Miasma .pth dropper, Mini Shai-Hulud (~/.claude, MCP configs)",
         "Code names an AI coding tool's config (~/.claude, MCP server configs, Cursor)."),
    # sinks and actions
    Rule("BR-NETWORK", "network", "info", "network", "every exfiltration above",
         "The code can open network connections (HTTP clients, sockets)."),
    Rule("BR-SUBPROCESS", "subprocess", "info", "subprocess",
         "ultralytics 8.3.45/46 (os.system('wget ... xmrig'))",
         "The code can run other programs (subprocess, os.system, os.exec*)."),
    Rule("BR-PERSISTENCE", "persistence-write", "medium", "persistence",
         "litellm 1.82.8 (systemd user unit, privileged pods), nx (~/.bashrc), telnyx (Startup folder), "
         "MrMustard (cron, .pth)",
         "Code writes to an autostart location (systemd, cron, shell rc, LaunchAgents, Startup, .pth) or "
         "creates a privileged host-mounting pod; high when it runs on import or next to network."),
    Rule("BR-DOWNLOAD-EXEC", "download-and-execute", "high", "download-exec",
         "ultralytics 8.3.41-46 (xmrig), Miasma (Bun runtime), curl|sh",
         "Code downloads something and makes it executable or pipes it into a shell."),
    Rule("BR-IMPORT-TIME", "import-time-side-effect", "high", "import-time-code",
         "ultralytics 8.3.46 __init__.py, telnyx _client.py, litellm 1.82.7 proxy_server.py, MrMustard",
         "A module-level statement calls a network/subprocess/exec sink when the module is imported."),
    # install time
    Rule("BR-INSTALL-SETUP-PY", "sdist-setup-py", "info", "install-time-code",
         "aiohttp-proxy-connector 0.2.4, Birsan dependency-confusion packages",
         "An sdist carries a setup.py: installing it from source runs that code."),
    Rule("BR-INSTALL-CMDCLASS", "setup-py-custom-command", "medium", "install-time-code",
         "aiohttp-proxy-connector 0.2.4 (install command override)",
         "setup.py overrides install/develop/egg_info/build commands (cmdclass)."),
    Rule("BR-INSTALL-SINK", "setup-py-sink", "high", "install-time-code",
         "Birsan DNS exfiltration in setup.py, aiohttp-proxy-connector 0.2.4",
         "setup.py reaches the network, credentials, or decoded exec at install time."),
    Rule("BR-INSTALL-BACKEND", "custom-build-backend", "medium", "install-time-code",
         "PEP 517: the build backend runs arbitrary code at install",
         "pyproject.toml uses an in-tree backend (backend-path) or an uncommon build requirement."),
    Rule("BR-SDIST-ONLY", "sdist-only", "medium", "install-time-code",
         "install-time execution of any sdist-only dependency",
         "Only an sdist exists for the pin: installing it runs its build code."),
    # combinations and artifact-level
    Rule("BR-COMBO-EXFIL", "source-and-sink", "high", None,
         "ctx 0.2.x, litellm 1.82.7/1.82.8, MrMustard 0.7.4",
         "A credential source (env harvest, credential files) and a network sink in one package "
         "(critical when in the same file)."),
    Rule("BR-HASH-MISMATCH", "hash-mismatch", "critical", None,
         "tampered mirrors and caches (litellm remediation guidance)",
         "A fetched artifact's sha256 is not among the lock's hashes."),
    Rule("BR-ARCHIVE-MEMBER", "unsafe-archive-member", "medium", None,
         "hostile archives (path traversal, symlinks)",
         "The archive has members that escape its root or are links/devices (ignored)."),
)

RULES: dict[str, Rule] = {rule.id: rule for rule in _RULES}


def rule(rule_id: str) -> Rule:
    return RULES[rule_id]
