"""Package counts against each lock's own tool on real locks of shapes the first fixtures missed
(the full table of checked projects is docs/accuracy.md). Numbers come from the fixture's
SOURCE.md, measured with the tool that wrote the lock."""

from __future__ import annotations

import json

import pytest

from blastradius.graph import View, build_graph, marker_holds
from blastradius.sources import load_project

from conftest import FIXTURES, run_cli

CONFLICTS = FIXTURES / "sources" / "uv-conflicts"
SELF_EXTRAS = FIXTURES / "sources" / "pdm-self-extras"


def _count(directory, *groups: str, all_groups: bool = False) -> int:
    view = View(groups=frozenset(groups), all_groups=all_groups)
    return len(build_graph(load_project(directory), view).packages)


@pytest.mark.parametrize(
    ("groups", "expected"),
    [((), 0), (("pyd1",), 7), (("pyd2",), 15), (("legacy",), 8), (("modern",), 8), (("pyd2", "modern"), 22)],
)
def test_uv_conflict_markers_match_uv_export(groups, expected):
    """uv writes `A and B or C and D` conflict markers; `and` binds tighter than `or` (a
    left-to-right fold dropped fastapi and starlette from `pyd2`: 5 instead of 15)."""
    assert _count(CONFLICTS, *groups) == expected


def test_all_groups_of_a_conflicting_lock_is_the_union_of_allowed_installs():
    """uv refuses `--all-extras --all-groups` here; the union of the four installs it allows
    is 26 packages. Selecting every label at once made the `extra != 'extra-13-...-pyd2'`
    resolution markers false, dropping pydantic 1, fastapi 0.99.1 and starlette 0.27.0 (23)."""
    graph = build_graph(load_project(CONFLICTS), View(all_groups=True))
    assert len(graph.packages) == 26
    assert {"pydantic==1.10.27", "pydantic==2.14.4", "fastapi==0.99.1"} <= set(graph.packages)
    # two conflicting extras asked for explicitly: also the union (7 + 15 with 4 shared = 18)
    assert _count(CONFLICTS, "pyd1", "pyd2") == 18


def test_marker_precedence_and_binds_tighter_than_or():
    marker = "python_version < '3' and extra == 'a' or extra == 'b'"
    assert marker_holds(marker, None, frozenset({"b"}))
    assert not marker_holds(marker, None, frozenset())
    assert marker_holds("extra == 'a' or python_version < '3' and extra == 'b'", None, frozenset({"a"}))


@pytest.mark.parametrize(
    ("groups", "expected"), [((), 1), (("socks",), 2), (("all",), 5), (("server",), 6)]
)
def test_pdm_extras_selecting_own_extras_match_pdm_export(groups, expected):
    """`all = ["self-extras[socks,http2]"]`: the lock has no entry for the project itself, so
    the reference is a self-edge that turns those extras on (before: `all` was an unknown
    group and `server` counted 2)."""
    assert _count(SELF_EXTRAS, *groups) == expected


def test_pdm_group_with_a_nested_self_reference_counts_every_level():
    """`dev = ["self-extras[server]"]` and `server` includes `self-extras[all]`. PDM itself
    (`pdm export -G dev`, `pdm install --dry-run -G dev`) expands a group's self-reference one
    level only and installs 3 packages (h11, idna, iniconfig); by the extras rule a standard
    installer of `self-extras[server]` also gets `all`'s socksio, h2, hpack, hyperframe. We count
    what the declarations admit (7), a documented over-approximation of PDM's 3."""
    graph = build_graph(load_project(SELF_EXTRAS), View(groups=frozenset({"dev"})))
    assert len(graph.packages) == 7
    assert {"h2==4.3.0", "socksio==1.0.0", "iniconfig==2.1.0"} <= set(graph.packages)
    assert _count(SELF_EXTRAS, all_groups=True) == 7  # pdm export -G :all


def test_self_reference_is_not_reported_as_a_cycle():
    result = run_cli("scan", str(SELF_EXTRAS), "--all-groups", "--format", "json", "-q", "--exit-zero")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["summary"]["cycles"] == []
    assert report["summary"]["packages"] == 7
    assert set(report["summary"]["groups_available"]) == {"all", "dev", "http2", "server", "socks"}
