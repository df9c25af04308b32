"""Sinks and actions: network, subprocess, persistence writes, download-and-execute.

These are capabilities (information) on their own: nearly every SDK talks to the network.
They matter in combination -- with a credential source (exfiltration), with a download
(second stage), or at import time (runs without being called). Detection is by regex over
bytes because it is a per-file yes/no and must stay cheap on 8,000 files.
"""

from __future__ import annotations

import re

# Anchored on the newline before an import (fast in CPython's re); line 1 is handled by the
# caller prepending a newline.
_NET_MODULES = (rb"(?:requests|httpx|aiohttp|urllib3|urllib|http\.client|http\.server|socket|websockets?|pycurl|"
                rb"ftplib|smtplib|telnetlib|grpc|dns)\b(?!\.parse\b|\.error\b)")
NETWORK = re.compile(
    rb"\n[ \t]*(?:from[ \t]+" + _NET_MODULES + rb"|import[ \t]+(?:[\w.]+[ \t]*,[ \t]*)*" + _NET_MODULES + rb")"
)
SUBPROCESS_IMPORT = re.compile(rb"\n[ \t]*(?:from[ \t]+subprocess\b|import[ \t]+(?:[\w.]+[ \t]*,[ \t]*)*subprocess\b)")
SUBPROCESS_OS = re.compile(rb"os\.(?:system|popen|exec[lv]p?e?|spawn[lv]p?e?|posix_spawnp?)\s*\(")
_SUBPROCESS_LITERALS = (b"create_subprocess_", b"pty.spawn(")
SHELL_NET = re.compile(rb"""['"][^'"\n]*\b(?:curl|wget)\s[^'"\n]*['"]""")

PERSIST_DOT = re.compile(
    rb"\.(bashrc|zshrc|bash_profile|zprofile|profile|config/systemd/user|config/sysmon|config/autostart|"
    rb"vscode/tasks\.json|claude/settings\.json)(?![A-Za-z0-9_])"
)
PERSIST_SLASH = re.compile(rb"/(etc/cron|var/spool/cron|LaunchAgents|etc/systemd/system|etc/rc\.local)")
PERSIST_LITERALS = (b"systemctl", b"crontab", b"Start Menu", b"CurrentVersion\\Run")
PTH_WRITE_TARGET = re.compile(rb"getsitepackages|getusersitepackages|site-packages|purelib")
PTH_NAME = re.compile(rb"""\.pth['"]""")
WRITE = re.compile(
    rb"""open\s*\([^)\n]*['"](?:w|a|x)[bt+]?\+?['"]|\bmode\s*=\s*['"][wax]|write_text\s*\(|write_bytes\s*\(|"""
    rb"""\.write\s*\(|shutil\.(?:copy|move)|>>\s*~|crontab\s+-|systemctl\s+(?:--user\s+)?enable"""
)

DOWNLOAD = re.compile(
    rb"\bwget\b|\bcurl\s+-|urlretrieve\s*\(|urlopen\s*\(|requests\.get\s*\(|httpx\.get\s*\(|"
    rb"\.download\(|iter_content\s*\("
)
EXEC_BIT = re.compile(
    rb"chmod\s*\([^)\n]*0o?[0-7]?[1357][0-7]{2}\b|chmod\s*\([^)\n]*0o?[0-7]?[0-7][1357][0-7]\b|S_IX(?:USR|GRP|OTH)\b|S_IEXEC\b|"
    rb"chmod\s+\+x|chmod\s+[0-7]?[1357][0-7]{2}\b"
)
PIPE_SHELL = re.compile(rb"\b(?:curl|wget)\b[^\n'\"]*\|\s*(?:sudo\s+)?(?:ba|z|da)?sh\b")
KNOWN_DROPS = re.compile(rb"\bxmrig\b|oven-sh/bun|bun-(?:linux|darwin|windows)-|\bnohup\s+\./|\.wav['\"][^\n]*(?:exec|decode)")


def line_at(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def network(data: bytes) -> int | None:
    match = NETWORK.search(data)
    if match:
        return line_at(data, match.start() + 1)
    if (b"curl" in data or b"wget" in data) and subprocess(data):
        match = SHELL_NET.search(data)
        if match:
            return line_at(data, match.start())
    return None


def subprocess(data: bytes) -> int | None:
    match = SUBPROCESS_IMPORT.search(data)
    if match:
        return line_at(data, match.start() + 1)
    if b"os." in data:
        match = SUBPROCESS_OS.search(data)
        if match:
            return line_at(data, match.start())
    for literal in _SUBPROCESS_LITERALS:
        pos = data.find(literal)
        if pos >= 0:
            return line_at(data, pos)
    return None


# a pod spec that is privileged and mounts the host, created through the API (litellm 1.82.8 spread
# to every node of a cluster this way); the kubernetes client's own models never hold both literals
K8S_POD = re.compile(rb"/pods\b|/daemonsets\b|create_namespaced_(?:pod|daemon_set)\b")


def persistence(data: bytes) -> tuple[int, str] | None:
    hit: tuple[int, str] | None = None
    if b"hostPath" in data and b"privileged" in data:
        match = K8S_POD.search(data)
        if match:
            return line_at(data, match.start()), "creates a privileged Kubernetes pod that mounts the host"
    for pattern in (PERSIST_DOT, PERSIST_SLASH):
        match = pattern.search(data)
        if match:
            start = match.start()
            if pattern is PERSIST_DOT and (start == 0 or data[start - 1] not in b"'\"/\\~"):
                continue
            hit = (start, match.group(1).decode("latin-1"))
            break
    if hit is None:
        for literal in PERSIST_LITERALS:
            pos = data.find(literal)
            if pos >= 0:
                hit = (pos, literal.decode("latin-1"))
                break
    if hit is not None:
        window = data[max(0, hit[0] - 600): hit[0] + 600]
        if WRITE.search(window):
            return line_at(data, hit[0]), f"writes to an autostart location ({hit[1]})"
        return None
    if b".pth" in data:
        match = PTH_NAME.search(data)
        if match and PTH_WRITE_TARGET.search(data) and WRITE.search(data):
            return line_at(data, match.start()), "writes a .pth file into site-packages"
    return None


_RUNS = re.compile(rb"system\(|popen\(|Popen\(|run\(|call\(|check_output\(|shell\s*=\s*True|spawn")


def download_exec(data: bytes, has_network: bool) -> tuple[int, str] | None:
    has_tool = b"curl" in data or b"wget" in data
    if not (has_network or has_tool):
        return None
    if has_tool:
        for match in PIPE_SHELL.finditer(data):
            line_start = data.rfind(b"\n", 0, match.start()) + 1
            window = data[max(0, line_start - 200): match.end() + 200]
            if _RUNS.search(window):
                return line_at(data, match.start()), "downloads and pipes into a shell (curl|sh)"
    drops = any(w in data for w in (b"xmrig", b"oven-sh", b"bun-", b"nohup", b".wav"))
    exec_bit = b"chmod" in data or b"S_IX" in data or b"S_IEXEC" in data
    if not (drops or exec_bit) or not DOWNLOAD.search(data):
        return None
    match = KNOWN_DROPS.search(data) if drops else None
    if match:
        what = match.group(0).decode("latin-1")[:40]
        return line_at(data, match.start()), f"downloads a known second-stage payload ({what})"
    if exec_bit:
        match = EXEC_BIT.search(data)
        if match and subprocess(data):
            return line_at(data, match.start()), "downloads, sets an executable bit and runs programs in the same file"
    return None
