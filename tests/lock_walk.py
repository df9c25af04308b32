"""Test helper: walk a ResolvedProject's edges the way an installer would, independently of
blastradius.graph, so lock readers are checked against the lock's own notion of "runtime"."""

from __future__ import annotations

from collections import defaultdict

from packaging.markers import Marker

LINUX_CP311 = {
    "python_version": "3.11",
    "python_full_version": "3.11.7",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "os_name": "posix",
    "platform_machine": "x86_64",
    "platform_python_implementation": "CPython",
    "implementation_name": "cpython",
    "extra": "",
}


def closure(project, env=None, root_extras=(), groups=()):
    """``name version`` of every package reachable from the roots: runtime edges, plus the
    root's ``groups`` and the extras requested along the way; markers evaluated for ``env``
    (None = every marker branch)."""

    def holds(marker):
        return env is None or not marker or Marker(marker).evaluate(env)

    out = defaultdict(list)
    for dep in project.dependencies:
        out[dep.parent].append(dep)
    active = defaultdict(set)
    seen, stack = set(), []
    for root in project.roots:
        seen.add(root)
        active[root] |= set(root_extras)
        stack.append(root)
    while stack:
        node = stack.pop()
        for dep in out[node]:
            if dep.group is not None and dep.group not in groups:
                continue
            if dep.via_extra is not None and dep.via_extra not in active[node]:
                continue
            if not holds(dep.marker) or not holds(project.packages[dep.child].marker):
                continue
            new = set(dep.extras) - active[dep.child]
            if dep.child not in seen or new:
                seen.add(dep.child)
                active[dep.child] |= set(dep.extras)
                stack.append(dep.child)
    return {
        f"{project.packages[k].name} {project.packages[k].version}" for k in seen if not project.packages[k].is_root
    }
