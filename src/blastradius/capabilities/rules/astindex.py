"""One pass over a parsed module, shared by every AST rule of a file.

Why: ``ast.walk`` costs a generator and a field iteration per node; on the few hundred files of
an environment that reach the AST, repeated walks (one per rule, plus a parent map) cost more
than the parse itself. One explicit-stack pass builds the node list, the parent map and the
per-type lists the rules look at.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field


@dataclass
class Index:
    nodes: list[ast.AST] = field(default_factory=list)
    parents: dict[ast.AST, ast.AST] = field(default_factory=dict)
    calls: list[ast.Call] = field(default_factory=list)
    assigns: list[ast.AST] = field(default_factory=list)
    imports: list[ast.AST] = field(default_factory=list)
    names: list[ast.Name] = field(default_factory=list)
    attributes: list[ast.Attribute] = field(default_factory=list)


def build(tree: ast.AST) -> Index:
    index = Index()
    nodes, parents = index.nodes, index.parents
    calls, assigns, imports, names, attributes = (index.calls, index.assigns, index.imports, index.names,
                                                  index.attributes)
    AST, Call, Name, Attribute = ast.AST, ast.Call, ast.Name, ast.Attribute
    assign_types = (ast.Assign, ast.AugAssign, ast.AnnAssign)
    import_types = (ast.Import, ast.ImportFrom)
    stack = [tree]
    pop, push = stack.pop, stack.append
    while stack:
        node = pop()
        nodes.append(node)
        cls = node.__class__
        if cls is Call:
            calls.append(node)
        elif cls is Name:
            names.append(node)
            continue  # ctx only
        elif cls is Attribute:
            attributes.append(node)
        elif isinstance(node, assign_types):
            assigns.append(node)
        elif isinstance(node, import_types):
            imports.append(node)
        for fname in cls._fields:
            value = getattr(node, fname, None)
            if value.__class__ is list:
                for item in value:
                    if isinstance(item, AST):
                        parents[item] = node
                        push(item)
            elif isinstance(value, AST):
                parents[value] = node
                push(value)
    # source order, as ast.walk-based rules reported it (stable evidence)
    for group in (calls, assigns, imports, names, attributes):
        group.sort(key=_pos)
    return index


def _pos(node: ast.AST) -> tuple[int, int]:
    return (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))
