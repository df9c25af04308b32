"""The dependency graph in one view: which packages are installed for the chosen groups and
deployment target, how deep each sits, who depends on it, and how it got there.

Rules (the "accuracy" contract, checked in tests against each lock's own tool):

* Start from the roots. Follow every edge without a group and without ``via_extra``
  (the runtime ``main`` set). A root's extras and dependency groups are followed only when
  selected (``--group NAME``, ``--all-groups``). An edge with ``via_extra = X`` is followed when
  its parent was reached *with* extra X (an edge's ``extras`` turn those on for its child).
* Markers: by default every marker branch is kept -- the universal set. It is the same on any
  machine that runs the scan, and an auditor should over-approximate what can be installed.
  With a target (``--target python=3.12,platform=linux``) edge and node markers are evaluated
  with :mod:`packaging.markers`, so the count is what would be installed there.
* A package counts once per node key (``name==version``); two versions of one name under
  different markers are two nodes in the universal view (both can be installed somewhere).
* Inputs without edges (``edges_complete = False``) contribute the packages they declare for the
  selected groups, with unknown depth and path -- edges are never invented.

Pure Python on purpose: networkx costs ~0.2 s to import, more than the whole scan of a
100-package lock; it is used lazily by the exporters (``graph --format graphml``).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import product

from blastradius.errors import BlastRadiusError
from blastradius.model import Package, ResolvedProject, normalise_name

MAIN = "main"
# Group labels inputs use for the runtime set when they declare groups per package.
RUNTIME_LABELS = frozenset({"main", "default"})


class GraphError(BlastRadiusError):
    """A view could not be built (unknown group, bad --target)."""


_TARGET_ALIASES = {
    "python": "python_version",
    "py": "python_version",
    "platform": "sys_platform",
    "os": "sys_platform",
    "machine": "platform_machine",
    "arch": "platform_machine",
    "implementation": "implementation_name",
}
_PLATFORM_DEFAULTS = {
    "linux": {"sys_platform": "linux", "platform_system": "Linux", "os_name": "posix"},
    "darwin": {"sys_platform": "darwin", "platform_system": "Darwin", "os_name": "posix"},
    "macos": {"sys_platform": "darwin", "platform_system": "Darwin", "os_name": "posix"},
    "win32": {"sys_platform": "win32", "platform_system": "Windows", "os_name": "nt"},
    "windows": {"sys_platform": "win32", "platform_system": "Windows", "os_name": "nt"},
}


@dataclass(frozen=True)
class Target:
    """A deployment target for marker evaluation; ``None`` everywhere means universal."""

    environment: tuple[tuple[str, str], ...]

    @classmethod
    def parse(cls, text: str) -> Target:
        """``python=3.12,platform=linux[,machine=x86_64]`` -> a full marker environment.

        Unspecified variables get the values of a typical CPython on that platform, so markers
        like ``platform_python_implementation == 'PyPy'`` evaluate to what a deployment would see.
        """
        env: dict[str, str] = {
            "implementation_name": "cpython",
            "platform_python_implementation": "CPython",
            "platform_machine": "x86_64",
            "platform_release": "",
            "platform_version": "",
            "implementation_version": "",
        }
        given: dict[str, str] = {}
        for part in filter(None, (p.strip() for p in text.split(","))):
            if "=" not in part:
                raise GraphError(f"--target: expected KEY=VALUE, got {part!r}")
            key, value = (s.strip() for s in part.split("=", 1))
            key = _TARGET_ALIASES.get(key, key)
            given[key] = value
        platform = given.get("sys_platform", "linux").lower()
        if platform not in _PLATFORM_DEFAULTS:
            raise GraphError(f"--target: unknown platform {platform!r} (linux, darwin, win32)")
        env.update(_PLATFORM_DEFAULTS[platform])
        python = given.pop("python_version", None) or "3.12"
        parts = python.split(".")
        if not all(p.isdigit() for p in parts) or len(parts) < 2:
            raise GraphError(f"--target: python version must look like 3.12, got {python!r}")
        env["python_version"] = ".".join(parts[:2])
        env["python_full_version"] = python if len(parts) >= 3 else f"{python}.0"
        env["implementation_version"] = env["python_full_version"]
        given.pop("sys_platform", None)
        env.update(given)
        return cls(tuple(sorted(env.items())))

    def describe(self) -> str:
        env = dict(self.environment)
        return f"python {env['python_full_version']} on {env['sys_platform']} ({env['platform_machine']})"


@lru_cache(maxsize=4096)
def _parsed(text: str):  # type: ignore[no-untyped-def]
    from packaging.markers import Marker

    return Marker(text)._markers


@lru_cache(maxsize=8192)
def _atom(variable: str, op: str, value: str, reverse: bool, env: tuple[tuple[str, str], ...]) -> bool:
    from packaging.markers import Marker

    text = f'"{value}" {op} {variable}' if reverse else f'{variable} {op} "{value}"'
    return bool(Marker(text).evaluate(dict(env)))


def _evaluate(items, target: Target | None, extras: frozenset[str]):  # type: ignore[no-untyped-def]
    """Three-valued evaluation: True, False, or None (unknown in the universal view).

    ``extra`` atoms are always decided: in a lock they name extras or uv's encoded conflict
    groups (``extra == 'group-6-openai-pydantic-v1'``), which depend on what the user selected,
    not on the machine. Environment atoms are decided only for a target.
    """
    # packaging keeps ``A and B or C and D`` flat; "and" binds tighter, so evaluate each
    # and-chain and "or" the chains together (what packaging's own evaluator does).
    chains: list[list[bool | None]] = [[]]
    for item in items:
        if isinstance(item, str):
            if item == "or":
                chains.append([])
            continue
        if isinstance(item, list):
            value = _evaluate(item, target, extras)
        else:
            lhs, op, rhs = item
            is_variable = type(lhs).__name__ == "Variable"
            variable, literal = (lhs.value, rhs.value) if is_variable else (rhs.value, lhs.value)
            if variable == "extra":
                present = normalise_name(literal) in extras
                if op.value in ("==", "===", "in"):
                    value = present
                elif op.value in ("!=", "not in"):
                    value = not present
                else:
                    value = None
            elif target is None:
                value = None
            else:
                value = _atom(variable, op.value, literal, not is_variable, target.environment)
        chains[-1].append(value)
    results = [False if False in chain else (None if None in chain else True) for chain in chains]
    return True if True in results else (None if None in results else False)


def marker_holds(marker: str | None, target: Target | None, extras: frozenset[str] = frozenset()) -> bool:
    """True when an edge/node can exist for the target (universal view: unless ruled out)."""
    if not marker:
        return True
    try:
        return _evaluate(_parsed(marker), target, extras) is not False
    except Exception:  # an unparsable marker: keep the edge (over-approximate, never drop)
        return True


def _conflict_labels(root_name: str, selected: set[str], kinds: dict[str, str]) -> frozenset[str]:
    """uv encodes "this group/extra of that package is active" as an extra named
    ``group-<len(name)>-<name>-<group>`` / ``extra-<len>-<name>-<extra>``."""
    labels = set()
    for label in selected:
        kind = kinds.get(label, "group")
        labels.add(f"{kind}-{len(root_name)}-{root_name}-{label}")
        labels.add(label)
    return frozenset(labels)


@dataclass(frozen=True)
class View:
    """What the user asked to see: extra root groups and an optional deployment target."""

    groups: frozenset[str] = frozenset()
    all_groups: bool = False
    target: Target | None = None

    def describe(self) -> str:
        if self.all_groups:
            groups = "all groups"
        elif self.groups:
            groups = "main + " + ", ".join(sorted(self.groups))
        else:
            groups = "runtime (main)"
        where = self.target.describe() if self.target else "universal (every marker branch kept)"
        return f"{groups}; {where}"


@dataclass
class Node:
    package: Package
    depth: int | None = None
    parents: set[str] = field(default_factory=set)
    children: set[str] = field(default_factory=set)
    labels: set[str] = field(default_factory=set)  # groups through which it is reached
    dependents: int = 0  # packages that (transitively) depend on it, roots excluded
    parent_known: bool = True


class DependencyGraph:
    """One view of a ResolvedProject. Build with :func:`build_graph`."""

    def __init__(self, project: ResolvedProject, view: View) -> None:
        self.project = project
        self.view = view
        self.nodes: dict[str, Node] = {}
        self.roots: list[str] = project.roots
        self.available_groups: dict[str, str] = {}  # name -> "extra" | "group"
        self.group_counts: dict[str, int] = {}  # packages each group adds beyond the runtime set
        # label -> {"packages", "direct", "transitive"} of the group's own closure, and "adds"
        self.group_stats: dict[str, dict[str, int]] = {}
        self._paths: dict[str, tuple[str, ...]] = {}

    # ----- queries -------------------------------------------------------------------------
    @property
    def packages(self) -> list[str]:
        """Keys of the installed (non-root) packages in view, sorted."""
        return sorted(k for k, n in self.nodes.items() if not n.package.is_root)

    def direct(self) -> list[str]:
        return sorted(k for k in self.packages if self.nodes[k].depth == 1)

    def transitive(self) -> list[str]:
        return sorted(k for k in self.packages if self.nodes[k].depth != 1)

    def find(self, name: str) -> list[str]:
        wanted = normalise_name(name)
        return sorted(k for k, n in self.nodes.items() if n.package.name == wanted)

    def max_depth(self) -> int:
        depths = [n.depth for n in self.nodes.values() if n.depth is not None]
        return max(depths, default=0)

    def shortest_path(self, key: str) -> list[str]:
        """Roots -> key along parents of decreasing depth (deterministic: smallest key first).
        Empty when the input has no edges for this package. Memoised: every report asks for
        the path of every package, several times, and a path is its parent's path plus one."""
        cached = self._paths.get(key)
        if cached is not None:
            return list(cached)
        node = self.nodes.get(key)
        if node is None or node.depth is None:
            return []
        upwards = [key]
        prefix: tuple[str, ...] = ()
        while True:
            current = self.nodes[upwards[-1]]
            if not current.depth:
                break
            candidates = [p for p in current.parents if self.nodes[p].depth == current.depth - 1]  # type: ignore[operator]
            if not candidates:
                break
            parent = min(candidates)
            known = self._paths.get(parent)
            if known is not None:
                prefix = known
                break
            upwards.append(parent)
        path = [*prefix, *reversed(upwards)]
        for index in range(len(prefix), len(path)):
            self._paths.setdefault(path[index], tuple(path[: index + 1]))
        return path

    def all_paths(self, key: str, limit: int = 100) -> tuple[list[list[str]], bool]:
        """Every simple path from a root to ``key`` (up to ``limit``); True when truncated."""
        results: list[list[str]] = []
        if key not in self.nodes:
            return results, False
        truncated = False
        # DFS backwards from the target along parents; paths are reversed at the end.
        stack: list[tuple[str, list[str]]] = [(key, [key])]
        while stack:
            current, path = stack.pop()
            node = self.nodes[current]
            if node.package.is_root:
                results.append(list(reversed(path)))
                if len(results) >= limit:
                    truncated = bool(stack)
                    break
                continue
            for parent in sorted(node.parents, reverse=True):
                if parent not in path:
                    stack.append((parent, path + [parent]))
        results.sort(key=lambda p: (len(p), p))
        return results, truncated

    def cycles(self) -> list[list[str]]:
        """Strongly connected components with more than one node (or a self-loop), sorted."""
        return [sorted(c) for c in self._components() if len(c) > 1 or (c[0] in self.nodes[c[0]].children)]

    # ----- construction ---------------------------------------------------------------------
    def _components(self) -> list[list[str]]:
        """Tarjan's SCC, iterative; components in reverse topological order (children first)."""
        index: dict[str, int] = {}
        low: dict[str, int] = {}
        on_stack: set[str] = set()
        stack: list[str] = []
        components: list[list[str]] = []
        counter = 0
        for start in sorted(self.nodes):
            if start in index:
                continue
            work: list[tuple[str, list[str]]] = [(start, sorted(self.nodes[start].children))]
            index[start] = low[start] = counter
            counter += 1
            stack.append(start)
            on_stack.add(start)
            while work:
                node, pending = work[-1]
                if pending:
                    child = pending.pop()
                    if child not in index:
                        index[child] = low[child] = counter
                        counter += 1
                        stack.append(child)
                        on_stack.add(child)
                        work.append((child, sorted(self.nodes[child].children)))
                    elif child in on_stack:
                        low[node] = min(low[node], index[child])
                    continue
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component: list[str] = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    components.append(component)
        return components

    def _count_dependents(self) -> None:
        """Reverse closure size per node, via bitsets over the SCC condensation (O(E) big-int
        ORs instead of one graph search per node: 10,000 packages stay well under a second)."""
        components = self._components()
        component_of: dict[str, int] = {}
        for number, members in enumerate(components):
            for member in members:
                component_of[member] = number
        bit = {key: 1 << i for i, key in enumerate(sorted(self.nodes))}
        roots_mask = 0
        for key in self.nodes:
            if self.nodes[key].package.is_root:
                roots_mask |= bit[key]
        ancestors: list[int] = [0] * len(components)
        # Parents' components come later in Tarjan's order (children first), so walk backwards.
        for number in range(len(components) - 1, -1, -1):
            members = components[number]
            mask = 0
            for member in members:
                for parent in self.nodes[member].parents:
                    parent_component = component_of[parent]
                    if parent_component != number:
                        mask |= ancestors[parent_component]
                    mask |= bit[parent]
            if len(members) > 1:
                for member in members:
                    mask |= bit[member]
            ancestors[number] = mask
        for key, node in self.nodes.items():
            mask = ancestors[component_of[key]] & ~roots_mask & ~bit[key]
            node.dependents = mask.bit_count() if hasattr(mask, "bit_count") else bin(mask).count("1")


def _selected_root_labels(project: ResolvedProject, view: View) -> tuple[dict[str, str], set[str]]:
    available: dict[str, str] = {}
    for dep in project.dependencies:
        parent = project.packages.get(dep.parent)
        if parent is None or not parent.is_root:
            continue
        if dep.group:
            available.setdefault(dep.group, "group")
        if dep.via_extra:
            available.setdefault(dep.via_extra, "extra")
    if not project.edges_complete:
        for package in project.packages.values():
            for label in package.declared_groups:
                if label not in RUNTIME_LABELS:
                    available.setdefault(normalise_name(label), "group")
    if view.all_groups:
        return available, set(available)
    selected = {normalise_name(g) for g in view.groups}
    unknown = sorted(selected - set(available))
    if unknown:
        known = ", ".join(sorted(available)) or "none"
        raise GraphError(f"unknown group {unknown[0]!r} (this project has: {known})")
    return available, selected


def _conflict_free(project: ResolvedProject, selected: set[str], kinds: dict[str, str]) -> list[set[str]]:
    """uv installs at most one member of each ``[tool.uv] conflicts`` set, and its markers say
    so (``extra != 'extra-3-app-pyd2'``); a view selecting several members of one set (as
    ``--all-groups`` does) is the union of the installs that pick one member each."""
    conflicts = project.conflicts
    names = [project.packages[root].name for root in project.roots]
    choices: list[list[str]] = []
    for conflict in conflicts:
        hit = sorted(
            label for label in selected
            if any(f"{kinds.get(label, 'group')}-{len(name)}-{name}-{label}" in conflict for name in names)
        )
        if len(hit) > 1:
            choices.append(hit)
    if not choices:
        return [selected]
    contested = {label for choice in choices for label in choice}
    selections: list[set[str]] = []
    for pick in product(*choices):
        selection = (selected - contested) | set(pick)
        if selection not in selections:
            selections.append(selection)
    return selections


def _reach(project: ResolvedProject, out_edges, selected: set[str], target: Target | None, kinds: dict[str, str]):  # type: ignore[no-untyped-def]
    """Walk from the roots; returns reached keys (with the group labels that reach them) and
    the traversed edges."""
    active: frozenset[str] = frozenset()
    for root in project.roots:
        active |= _conflict_labels(project.packages[root].name, selected, kinds)
    reached: dict[str, set[str]] = {}
    edges: set[tuple[str, str]] = set()
    activated: set[tuple[str, str | None]] = set()
    queue: deque[tuple[str, str | None, str]] = deque()
    for root in project.roots:
        reached.setdefault(root, set()).add(MAIN)
        queue.append((root, None, MAIN))
        activated.add((root, None))
        for label in sorted(selected):
            if (root, label) not in activated:
                activated.add((root, label))
                queue.append((root, label, label))
    while queue:
        key, extra, label = queue.popleft()
        package = project.packages[key]
        for dep in out_edges.get(key, ()):
            if package.is_root:
                if dep.group is not None:
                    if dep.group not in selected or extra != dep.group:
                        continue
                elif dep.via_extra != extra:
                    continue
            elif dep.via_extra != extra:
                continue
            child = project.packages.get(dep.child)
            if child is None:
                continue
            if dep.marker and not marker_holds(dep.marker, target, active | ({extra} if extra else set())):
                continue
            if child.marker and not marker_holds(child.marker, target, active):
                continue
            child_label = label
            labels = reached.setdefault(dep.child, set())
            new_label = child_label not in labels
            labels.add(child_label)
            if dep.child != key:  # `pkg[a]` -> `pkg[b]` turns extras on; not a dependency
                edges.add((key, dep.child))
            for child_extra in (None, *dep.extras):
                state = (dep.child, child_extra)
                if state not in activated or new_label:
                    activated.add(state)
                    queue.append((dep.child, child_extra, child_label))
    return reached, edges


def build_graph(project: ResolvedProject, view: View | None = None) -> DependencyGraph:
    view = view or View()
    graph = DependencyGraph(project, view)
    available, selected = _selected_root_labels(project, view)
    graph.available_groups = available
    out_edges: dict[str, list] = {}
    for dep in project.dependencies:
        out_edges.setdefault(dep.parent, []).append(dep)
    reached: dict[str, set[str]] = {}
    edges: set[tuple[str, str]] = set()
    for selection in _conflict_free(project, selected, available):
        some_reached, some_edges = _reach(project, out_edges, selection, view.target, available)
        for key, labels in some_reached.items():
            reached.setdefault(key, set()).update(labels)
        edges |= some_edges

    for key, labels in reached.items():
        graph.nodes[key] = Node(project.packages[key], labels=set(labels))
    for parent, child in edges:
        graph.nodes[parent].children.add(child)
        graph.nodes[child].parents.add(parent)

    if not project.edges_complete:
        wanted = set(RUNTIME_LABELS) | selected
        for key, package in project.packages.items():
            if key in graph.nodes or package.is_root:
                continue
            declared = {normalise_name(g) for g in package.declared_groups} or {MAIN}
            declared = {MAIN if g in RUNTIME_LABELS else g for g in declared}
            hits = declared & (wanted | {MAIN})
            if not hits:
                continue
            if package.marker and not marker_holds(package.marker, view.target):
                continue
            graph.nodes[key] = Node(package, labels=hits, parent_known=False)

    # Depth: breadth-first from the roots over traversed edges.
    queue: deque[str] = deque()
    for root in graph.roots:
        if root in graph.nodes:
            graph.nodes[root].depth = 0
            queue.append(root)
    while queue:
        key = queue.popleft()
        depth = graph.nodes[key].depth
        for child in sorted(graph.nodes[key].children):
            if graph.nodes[child].depth is None:
                graph.nodes[child].depth = (depth or 0) + 1
                queue.append(child)

    graph._count_dependents()
    # Per group: its own closure (direct / transitive) and what it adds beyond the runtime set.
    # One walk per group, not one walk with everything selected: uv's conflict markers make
    # groups exclusive, and selecting all of them at once would drop branches of the runtime set.
    runtime = reached if not selected else _reach(project, out_edges, set(), view.target, available)[0]
    runtime_keys = {k for k in runtime if not project.packages[k].is_root}
    root_keys = [r for r in project.roots if r in project.packages]

    def direct_of(label: str, closure: set[str]) -> set[str]:
        found = set()
        for root in root_keys:
            for dep in out_edges.get(root, ()):
                owned = (dep.group is None and dep.via_extra is None) if label == MAIN else label in (dep.group, dep.via_extra)
                if owned and dep.child in closure:
                    found.add(dep.child)
        return found

    direct_main = direct_of(MAIN, runtime_keys)
    graph.group_stats[MAIN] = {
        "packages": len(runtime_keys),
        "direct": len(direct_main),
        "transitive": len(runtime_keys - direct_main),
        "adds": len(runtime_keys),
    }
    for label in sorted(available):
        with_label, _ = _reach(project, out_edges, {label}, view.target, available)
        closure = {k for k, labels in with_label.items() if label in labels and not project.packages[k].is_root}
        direct = direct_of(label, closure)
        graph.group_stats[label] = {
            "packages": len(closure),
            "direct": len(direct),
            "transitive": len(closure - direct),
            "adds": len({k for k in with_label if not project.packages[k].is_root} - runtime_keys),
        }
    if available:
        graph.group_counts = {label: stats["adds"] for label, stats in graph.group_stats.items()}
    return graph
