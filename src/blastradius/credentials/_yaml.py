"""YAML with line numbers: a thin tree over PyYAML's composed nodes (safe loader, no tags
constructed), so every finding in a YAML file points at a line.

Why not ``safe_load``: it drops positions. Why not a custom Loader subclass: composing is
enough and constructs nothing from the document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterator, Union


@dataclass
class YScalar:
    value: str | None
    line: int
    tag: str = ""
    style: str = ""  # "|" literal block, ">" folded, quotes, "" plain

    def plain(self) -> Any:
        return self.value

    def line_at(self, offset: int) -> int:
        """Line of the character at ``offset`` in the value: a literal block (``run: |``)
        keeps its line breaks and starts on the line after the indicator, so a name deep in a
        script points at its own line, not at ``run:``."""
        if self.style != "|" or not self.value:
            return self.line
        return self.line + 1 + self.value.count("\n", 0, offset)


@dataclass
class YSeq:
    items: list["YNode"]
    line: int

    def plain(self) -> Any:
        return [i.plain() for i in self.items]


@dataclass
class YMap:
    items: list[tuple[str, int, "YNode"]] = field(default_factory=list)
    line: int = 0

    def get(self, key: str) -> "YNode | None":
        for k, _, v in self.items:
            if k == key:
                return v
        return None

    def keys(self) -> list[str]:
        return [k for k, _, _ in self.items]

    def plain(self) -> Any:
        return {k: v.plain() for k, _, v in self.items}


YNode = Union[YScalar, YSeq, YMap]


class YAMLProblem(Exception):
    """Malformed YAML: message and line only (never the offending text, which may be a secret)."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


def load_documents(text: str) -> list[YNode]:
    import yaml  # lazy: heavy, and only needed when a YAML file is present

    try:
        # libyaml's composer (shipped in PyYAML's wheels) keeps positions too and is ~10x faster
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        nodes = list(yaml.compose_all(text, Loader=loader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or "malformed YAML"
        # keep only the fixed wording of the problem (drop quoted characters / snippets)
        problem = re.sub(r"'[^']*'|\"[^\"]*\"", "…", str(problem)).strip() or "malformed YAML"
        raise YAMLProblem(f"malformed YAML ({problem})", mark.line + 1 if mark is not None else None) from None
    except (RecursionError, ValueError):
        raise YAMLProblem("malformed YAML (cannot be composed)", None) from None
    memo: dict[int, YNode] = {}
    return [_convert(n, memo, 0) for n in nodes if n is not None]


def _convert(node: Any, memo: dict[int, YNode], depth: int) -> YNode:
    import yaml

    key = id(node)
    if key in memo:
        return memo[key]
    line = node.start_mark.line + 1
    if depth > 200:
        return YScalar(None, line)
    if isinstance(node, yaml.ScalarNode):
        value = node.value
        if node.tag.endswith(":null") or (node.style is None and value in ("", "~", "null", "Null", "NULL")):
            out: YNode = YScalar(None, line, node.tag)
        else:
            out = YScalar(value, line, node.tag, node.style or "")
        memo[key] = out
        return out
    if isinstance(node, yaml.SequenceNode):
        seq = YSeq([], line)
        memo[key] = seq
        seq.items = [_convert(n, memo, depth + 1) for n in node.value]
        return seq
    mapping = YMap([], line)
    memo[key] = mapping
    for k, v in node.value:
        if isinstance(k, yaml.ScalarNode) and k.value == "<<":
            merged = _convert(v, memo, depth + 1)
            sources = merged.items if isinstance(merged, YSeq) else [merged]
            for src in sources:
                if isinstance(src, YMap):
                    for item in src.items:
                        if item[0] not in mapping.keys():
                            mapping.items.append(item)
            continue
        kname = k.value if isinstance(k, yaml.ScalarNode) else ""
        mapping.items.append((str(kname), k.start_mark.line + 1, _convert(v, memo, depth + 1)))
    return mapping


def iter_scalars(node: YNode, path: str = "", depth: int = 0) -> Iterator[tuple[str, str | None, YScalar]]:
    """(key path, last key, scalar) for every scalar in the tree."""
    if depth > 100:
        return
    if isinstance(node, YScalar):
        last = path.rsplit(".", 1)[-1] if path else None
        yield path, last, node
    elif isinstance(node, YSeq):
        for index, item in enumerate(node.items):
            yield from iter_scalars(item, f"{path}[{index}]", depth + 1)
    elif isinstance(node, YMap):
        for k, _, v in node.items:
            yield from iter_scalars(v, f"{path}.{k}" if path else k, depth + 1)
