"""JSON: the report object with sorted keys and a fixed layout (byte-identical runs).

Layout: the top level and its sections are indented; each item below that (one package, one
credential, one finding) is one line. That keeps a 10,000-package report diffable line by line
(a baseline review shows one changed line per changed package) and lets the C encoder do the
work: ``json.dumps(indent=2)`` falls back to the pure-Python encoder, several times slower.
"""

from __future__ import annotations

import json
from typing import Any

_ENCODER = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(", ", ": "))


def _section(value: Any) -> str:
    encode = _ENCODER.encode
    if isinstance(value, list) and value:
        return "[\n    " + ",\n    ".join(encode(item) for item in value) + "\n  ]"
    if isinstance(value, dict) and value:
        rows = (f"    {encode(key)}: {encode(value[key])}" for key in sorted(value))
        return "{\n" + ",\n".join(rows) + "\n  }"
    return encode(value)


def render(report: dict[str, Any], **_: Any) -> str:
    rows = (f"  {_ENCODER.encode(key)}: {_section(report[key])}" for key in sorted(report))
    return "{\n" + ",\n".join(rows) + "\n}\n"
