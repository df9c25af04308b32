"""Redaction: turn a literal secret into a fingerprint that identifies it without revealing it,
and tell real values from placeholders.

The fingerprint is ``<public prefix>…<last 4>#<sha256[:8]>``: the prefix only when it is a
documented public prefix (``sk-ant``, ``gsk_``...), the last four characters only when the
value is long enough that four characters say little about it. Two runs over the same value
give the same fingerprint, so a rotated key shows up as a changed fingerprint.
"""

from __future__ import annotations

import hashlib
import re

# Longest first so "sk-ant-" wins over "sk-".
_GENERIC_PREFIXES = (
    "sk-ant-", "sk-proj-", "sk-svcacct-", "sk-admin-", "sk-or-", "sk-lf-", "pk-lf-", "sk-",
    "AKIA", "ASIA", "ABSK", "AIza", "gsk_", "hf_", "xai-", "pplx-", "r8_", "fw_", "csk-",
    "nvapi-", "dapi", "ghp_", "gho_", "ghs_", "github_pat_", "lsv2_", "pcsk_", "xox", "eyJ",
)
MAX_SHOWN_PREFIX = 6
_MIN_LEN_FOR_SUFFIX = 16


def _known_prefix(value: str, prefixes: tuple[str, ...]) -> str | None:
    for prefix in sorted(prefixes, key=len, reverse=True):
        if value.startswith(prefix) and len(value) > len(prefix) + 8:
            return prefix
    return None


def fingerprint(value: str, provider_prefix: str | None = None) -> str:
    """Redacted fingerprint of ``value``.

    ``provider_prefix`` is a known public prefix of the value's provider (``sk-ant-``); when
    ``None`` the generic list of public prefixes is tried. The shown prefix is cut to
    ``MAX_SHOWN_PREFIX`` characters and stripped of a trailing separator.
    """
    value = value.strip()
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    prefix = None
    if provider_prefix and value.startswith(provider_prefix) and len(value) > len(provider_prefix) + 8:
        prefix = provider_prefix
    if prefix is None:
        prefix = _known_prefix(value, _GENERIC_PREFIXES)
    shown = (prefix or "")[:MAX_SHOWN_PREFIX].rstrip("-_.")
    tail = value[-4:] if len(value) >= _MIN_LEN_FOR_SUFFIX else ""
    return f"{shown}…{tail}#{digest}"


_PLACEHOLDER_WORDS = re.compile(
    r"(your|my)[-_ ]?(own[-_ ]?)?[a-z0-9_-]*(key|token|secret|password|here)"
    r"|change[-_ ]?me|replace[-_ ]?(me|this|with)|placeholder|example|dummy|fake|sample"
    r"|redacted|insert|todo|fixme|xxx|\*\*\*|\.\.\.|…|<[^>]*>|\{\{.*\}\}|\$\{[^}]*\}|^\$[A-Za-z_]"
    r"|^os\.environ/|^env:|^secret:|^none$|^null$|^nil$|^true$|^false$|^test$|^password$"
    r"|^secret$|^token$|^api[-_]?key$|^sk-test$|^not[-_ ]?set$|^unset$|^tbd$|^n/?a$",
    re.IGNORECASE,
)


def is_placeholder(value: str | None) -> bool:
    """True when a value is clearly not a real secret: empty, an indirection (``${VAR}``,
    ``os.environ/NAME``), a template marker, or placeholder wording (``your-key-here``,
    ``changeme``, ``sk-...``, ``xxx``).

    Errs towards "real": a short literal password such as ``phoenix`` *is* reported, because
    it is what the process would run with.
    """
    if value is None:
        return True
    text = value.strip().strip("'\"").strip()
    if not text:
        return True
    if len(text) < 4:
        return True
    if len(set(text)) <= 2:  # "xxxxxxxx", "00000000", "----"
        return True
    return bool(_PLACEHOLDER_WORDS.search(text))
