"""How far one compromised package reaches: units, exposure pairs and the 0-100 score.

The model (written out with a worked example in ``docs/scoring.md``):

* A **unit** is a trust boundary -- one process or one CI job -- holding a set of packages and a
  set of credentials. Python has no in-process isolation, so any package loaded in a unit can
  read every credential of that unit (``os.environ``, files, the parent's memory). A package that
  runs code at install time or at interpreter start (``.pth``) also reaches the installing
  environment, which is why every *installed* package counts, imported or not.
* Per unit: ``exposure pairs = packages × credentials``; weighted:
  ``E = Π(packages) × W(credentials)`` with ``W`` the sum of credential-kind weights and ``Π`` the
  package count plus optional capability-verdict weight (0 when no analysis ran).
* Per project: ``R = Σ E`` over units and
  ``score = min(99, round(100 × (1 − exp(−(R / scale) ^ exponent))))``; 100 exactly when a known-compromised
  (malicious) release is installed.

Every term is non-negative and the map R -> score is non-decreasing, so adding a package or a
credential never lowers the score, and splitting a unit into per-provider units (each keeping a
subset of the packages and its own provider's credentials) never raises it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

KIND_NAMES = ("provider-key", "cloud", "gateway-admin", "datastore", "observability", "other-secret")
VERDICT_NAMES = ("clean", "info", "medium", "high", "critical")
PROVIDER_KINDS = ("provider-key", "cloud")
# Capabilities that run code before (or without) any import: install hooks, .pth, startup hooks.
START_CAPABILITIES = ("pth-exec", "startup-hook", "install-time-code")
UNIT_KIND_ORDER = {"runtime": 0, "declared": 1, "ci": 2, "other": 3}
RUNTIME = "runtime"

FORMULA = (
    "score = 100 if a known-compromised release is installed, else "
    "min({cap}, round(100 × (1 − exp(−(R / scale) ^ exponent)))); "
    "R = Σ over units of Π(packages) × W(credentials); "
    "W = Σ kind weight of the unit's credentials; "
    "Π = Σ over the unit's packages of (1 + verdict weight), verdict weight 0 without capability analysis"
)


def _round(value: float, places: int = 4) -> float:
    """Deterministic rounding for JSON (no ``-0.0``, no float noise across platforms)."""
    rounded = round(value + 0.0, places)
    return 0.0 if rounded == 0 else rounded


def _round_half_up(value: float) -> int:
    return int(math.floor(value + 0.5))


# ----- weights ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Weights:
    """Score weights: from ``data/weights.json``, with ``[tool.blastradius.weights]`` on top."""

    scale: float
    exponent: float
    kinds: tuple[tuple[str, float], ...]
    verdicts: tuple[tuple[str, float], ...]
    max_without_compromise: int = 99
    compromised_score: int = 100
    overridden: tuple[str, ...] = ()

    @classmethod
    def load(cls, overrides: Mapping[str, Any] | None = None) -> Weights:
        data = json.loads(resources.files("blastradius.data").joinpath("weights.json").read_text("utf-8"))
        kinds = {k: float(v) for k, v in data["kinds"].items()}
        verdicts = {k: float(v) for k, v in data["verdicts"].items()}
        scale = float(data["scale"])
        exponent = float(data.get("exponent", 1.0))
        overridden: list[str] = []
        if overrides:
            from blastradius.config import validate_weights

            checked = validate_weights(dict(overrides))
            if "scale" in checked:
                scale = checked["scale"]
                overridden.append("scale")
            if "exponent" in checked:
                exponent = checked["exponent"]
                overridden.append("exponent")
            for key, value in checked.get("kinds", {}).items():
                kinds[key] = value
                overridden.append(f"kinds.{key}")
            for key, value in checked.get("verdicts", {}).items():
                verdicts[key] = value
                overridden.append(f"verdicts.{key}")
        return cls(
            scale=scale,
            exponent=exponent,
            kinds=tuple(sorted(kinds.items())),
            verdicts=tuple(sorted(verdicts.items())),
            max_without_compromise=int(data.get("max_without_compromise", 99)),
            compromised_score=int(data.get("compromised_score", 100)),
            overridden=tuple(sorted(overridden)),
        )

    def kind(self, kind: str) -> float:
        table = dict(self.kinds)
        return table.get(kind, table.get("other-secret", 0.5))

    def verdict(self, verdict: str | None) -> float:
        if not verdict:
            return 0.0
        return dict(self.verdicts).get(verdict, 0.0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "scale": _round(self.scale),
            "exponent": _round(self.exponent),
            "kinds": {k: _round(v) for k, v in self.kinds},
            "verdicts": {k: _round(v) for k, v in self.verdicts},
            "max_without_compromise": self.max_without_compromise,
            "compromised_score": self.compromised_score,
            "overridden": list(self.overridden),
        }


# ----- units -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Unit:
    """A trust boundary: the packages loaded there (graph keys) and the credentials it holds.
    ``basis`` says how the package set was chosen (shown in reports)."""

    name: str
    kind: str
    packages: tuple[str, ...]
    credentials: tuple[str, ...]
    basis: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "packages", tuple(sorted(set(self.packages))))
        object.__setattr__(self, "credentials", tuple(sorted(set(self.credentials))))


def _unit_specs(unit_config: Any) -> list[Any]:
    """Accept a CredentialConfig (``.units``), an iterable of UnitSpec-like objects, or the raw
    ``[tool.blastradius.units]`` mapping ``{name: {paths, groups}}``."""
    if unit_config is None:
        return []
    if hasattr(unit_config, "units"):
        unit_config = unit_config.units
    specs: list[Any] = []
    if isinstance(unit_config, Mapping):
        from types import SimpleNamespace

        for name in sorted(unit_config):
            body = unit_config[name] or {}
            specs.append(SimpleNamespace(name=name, paths=tuple(body.get("paths", ())), groups=tuple(body.get("groups", ()))))
        return specs
    return sorted(unit_config, key=lambda s: s.name)


def _packages_with(graph: Any, all_groups: bool = False, groups: Iterable[str] = ()) -> tuple[list[str], str]:
    """Installed keys of another view of the same project (same target); falls back to the
    scanned view when the project cannot answer (no such group)."""
    from blastradius.graph import View, build_graph

    wanted = frozenset(groups)
    view = graph.view
    if not all_groups and not wanted:
        return list(graph.packages), "the scanned view"
    if view.all_groups or (not all_groups and wanted <= set(view.groups)):
        return list(graph.packages), "the scanned view"
    try:
        other = build_graph(graph.project, View(groups=wanted, all_groups=all_groups, target=view.target))
    except Exception:  # unknown group in this input: keep the scanned view, say so
        what = "all groups" if all_groups else "groups " + ", ".join(sorted(wanted))
        return list(graph.packages), f"the scanned view ({what} not available in this input)"
    what = "all dependency groups and extras" if all_groups else "main + " + ", ".join(sorted(wanted))
    return list(other.packages), what


def build_units(graph: Any, inventory: Any, unit_config: Any = None) -> list[Unit]:
    """The units of a project.

    * ``runtime``: every package of the scanned view, and every credential held by the
      running service (credentials with unit ``runtime`` or with no unit at all).
    * ``ci:<workflow>:<job>``: the job's credentials with the packages CI installs. A job
      usually runs ``uv sync --all-groups`` / ``pip install -e .[dev]`` and we cannot see which
      groups it picks, so CI units hold the project with **all** groups and extras (an
      over-approximation); inputs without groups give the runtime set.
    * declared units (``[tool.blastradius.units.NAME]``): the runtime set plus the unit's
      ``groups``, and the credentials the finder attributed to that unit.
    * any other unit name a credential carries: the runtime set (documented fallback).
    """
    credentials = list(getattr(inventory, "credentials", ()) or ())
    by_unit: dict[str, set[str]] = {}
    for credential in credentials:
        for unit in credential.units or (RUNTIME,):
            by_unit.setdefault(unit, set()).add(credential.name)

    units: list[Unit] = [Unit(RUNTIME, "runtime", tuple(graph.packages), tuple(by_unit.get(RUNTIME, ())), "the scanned view")]
    declared = {spec.name: spec for spec in _unit_specs(unit_config)}
    ci_packages: tuple[list[str], str] | None = None
    for name in sorted(set(by_unit) | set(declared)):
        if name == RUNTIME:
            continue
        held = tuple(by_unit.get(name, ()))
        if name in declared:
            packages, basis = _packages_with(graph, groups=getattr(declared[name], "groups", ()) or ())
            units.append(Unit(name, "declared", tuple(packages), held, basis))
        elif name.startswith("ci:"):
            if ci_packages is None:
                ci_packages = _packages_with(graph, all_groups=True)
            units.append(Unit(name, "ci", tuple(ci_packages[0]), held, ci_packages[1]))
        else:
            units.append(Unit(name, "other", tuple(graph.packages), held, "the scanned view (unit not declared)"))
    return sorted(units, key=lambda u: (UNIT_KIND_ORDER.get(u.kind, 9), u.name))


# ----- results ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class UnitScore:
    name: str
    kind: str
    packages: int
    credentials: tuple[str, ...]
    exposure_pairs: int
    credential_weight: float
    package_weight: float
    weighted_exposure: float
    basis: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "packages": self.packages,
            "credentials": list(self.credentials),
            "exposure_pairs": self.exposure_pairs,
            "credential_weight": _round(self.credential_weight),
            "package_weight": _round(self.package_weight),
            "weighted_exposure": _round(self.weighted_exposure),
            "basis": self.basis,
        }


@dataclass(frozen=True)
class PackageReach:
    """What one installed package can reach. ``credentials`` is *ambient* reach (everything its
    units hold); ``direct_reach`` is what its own code names (capability analysis; empty when
    that did not run). ``runs_at_start``: it executes at install or interpreter start, so it
    also reaches the installing environment."""

    key: str
    name: str
    version: str | None
    depth: int | None
    dependents: int
    path: tuple[str, ...]
    credentials: tuple[str, ...]
    direct_reach: tuple[str, ...]
    units: tuple[str, ...]
    verdict: str | None = None
    runs_at_start: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "version": self.version,
            "depth": self.depth,
            "dependents": self.dependents,
            "path": list(self.path),
            "credentials": list(self.credentials),
            "direct_reach": list(self.direct_reach),
            "units": list(self.units),
            "verdict": self.verdict,
            "runs_at_start": self.runs_at_start,
        }


@dataclass(frozen=True)
class CredentialReach:
    name: str
    provider: str
    provider_name: str
    kind: str
    weight: float
    packages_reaching: int
    units: tuple[str, ...]
    direct_reach_packages: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "provider": self.provider,
            "provider_name": self.provider_name,
            "kind": self.kind,
            "weight": _round(self.weight),
            "packages_reaching": self.packages_reaching,
            "units": list(self.units),
            "direct_reach_packages": list(self.direct_reach_packages),
        }


@dataclass(frozen=True)
class CompromisedPackage:
    """A known-malicious release installed in at least one unit: what to rotate."""

    key: str
    name: str
    version: str
    advisory_id: str
    aliases: tuple[str, ...]
    summary: str
    units: tuple[str, ...]
    credentials: tuple[str, ...]
    path: tuple[str, ...]
    rotate: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "version": self.version,
            "advisory_id": self.advisory_id,
            "aliases": sorted(self.aliases),
            "summary": self.summary,
            "units": list(self.units),
            "credentials": list(self.credentials),
            "path": list(self.path),
            "rotate": list(self.rotate),
        }


@dataclass(frozen=True)
class ScoreResult:
    score: int
    raw: dict[str, Any]
    formula: str
    weights: Weights
    explanation: tuple[str, ...]
    units: tuple[UnitScore, ...]
    packages: tuple[PackageReach, ...]
    credentials: tuple[CredentialReach, ...]
    compromised: tuple[CompromisedPackage, ...] = ()
    direct_reach_available: bool = False
    unit_defs: tuple[Unit, ...] = field(default=(), compare=False, repr=False)

    @property
    def exposure_pairs(self) -> int:
        return sum(u.exposure_pairs for u in self.units)

    def unit(self, name: str) -> UnitScore | None:
        for unit in self.units:
            if unit.name == name:
                return unit
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "raw": {k: (_round(v) if isinstance(v, float) else v) for k, v in sorted(self.raw.items())},
            "formula": self.formula,
            "weights": self.weights.to_dict(),
            "explanation": list(self.explanation),
            "units": [u.to_dict() for u in self.units],
            "packages": [p.to_dict() for p in self.packages],
            "credentials": [c.to_dict() for c in self.credentials],
            "compromised": [c.to_dict() for c in self.compromised],
            "direct_reach_available": self.direct_reach_available,
        }


# ----- helpers for optional stages ---------------------------------------------------------------
def _analyses(capabilities: Any) -> Mapping[str, Any]:
    if capabilities is None:
        return {}
    for attribute in ("analyses", "packages", "by_key"):
        inner = getattr(capabilities, attribute, None)
        if isinstance(inner, Mapping):
            return inner
    if isinstance(capabilities, Mapping):
        return capabilities
    if isinstance(capabilities, Iterable):
        out: dict[str, Any] = {}
        for analysis in capabilities:
            name = getattr(analysis, "name", None)
            if name:
                version = getattr(analysis, "version", None)
                out[f"{name}=={version}" if version else name] = analysis
        return out
    return {}


def analysis_for(analyses: Mapping[str, Any], key: str, name: str, version: str | None) -> Any:
    """The capability analysis of one node: by graph key, else by name when versions agree."""
    found = analyses.get(key)
    if found is None:
        found = analyses.get(name)
        if found is not None and version and getattr(found, "version", None) not in (None, version):
            found = None
    if found is None or not hasattr(found, "verdict"):
        return None
    return found


def _findings(advisories: Any) -> list[Any]:
    if advisories is None:
        return []
    for attribute in ("findings", "compromised"):
        inner = getattr(advisories, attribute, None)
        if isinstance(inner, (list, tuple)):
            return list(inner)
    if isinstance(advisories, Mapping):
        return list(advisories.values())
    return list(advisories)


def _finding_order(finding: Any) -> tuple[str, ...]:
    """A total order on advisory findings (two nodes may share a name and version: keep the key)."""
    return tuple(str(getattr(finding, attr, "") or "") for attr in ("package", "version", "advisory_id", "package_key", "kind", "source"))


def _split_key(key: str) -> tuple[str, str | None]:
    from blastradius.model import normalise_name

    if "==" in key:
        name, _, rest = key.partition("==")
        return normalise_name(name), rest.split("@", 1)[0].split("#", 1)[0] or None
    return normalise_name(key.split("@", 1)[0]), None


class _NodeInfo:
    """Name, version, depth, dependents and path for any key, from the scanned graph first, then
    an all-groups view of the same project (CI/declared units), then the key itself."""

    def __init__(self, graph: Any, keys: Iterable[str]) -> None:
        self._seen: dict[str, tuple[str, str | None, int | None, int, tuple[str, ...]]] = {}
        self.graphs = [graph] if graph is not None else []
        missing = [k for k in keys if graph is None or k not in graph.nodes]
        if graph is not None and missing and any(k in graph.project.packages for k in missing):
            from blastradius.graph import View, build_graph

            try:
                self.graphs.append(build_graph(graph.project, View(all_groups=True, target=graph.view.target)))
            except Exception:
                pass

    def get(self, key: str) -> tuple[str, str | None, int | None, int, tuple[str, ...]]:
        found = self._seen.get(key)
        if found is None:
            found = self._seen[key] = self._lookup(key)
        return found

    def _lookup(self, key: str) -> tuple[str, str | None, int | None, int, tuple[str, ...]]:
        for graph in self.graphs:
            node = graph.nodes.get(key)
            if node is not None:
                path = tuple(graph.nodes[k].package.name for k in graph.shortest_path(key))
                return node.package.name, node.package.version, node.depth, node.dependents, path
        for graph in self.graphs:
            package = graph.project.packages.get(key)
            if package is not None:
                return package.name, package.version, None, 0, ()
        name, version = _split_key(key)
        return name, version, None, 0, ()


def canonical_credentials(inventory: Any, weights: Weights) -> dict[str, Any]:
    """One credential per name. Two entries with the same name (found by different finders,
    or claimed by two catalog entries) must not make the result depend on their order: the
    heaviest kind wins (the conservative reading), then the provider id."""
    best: dict[str, Any] = {}
    for credential in getattr(inventory, "credentials", ()) or ():
        rank = (-weights.kind(credential.kind if credential.kind in KIND_NAMES else "other-secret"),
                credential.kind, credential.provider_id or "~", credential.provider_name or "")
        current = best.get(credential.name)
        if current is None or rank < current[0]:
            best[credential.name] = (rank, credential)
    return {name: pair[1] for name, pair in sorted(best.items())}


# ----- the score -------------------------------------------------------------------------------
def weighted_exposure(package_weight: float, credential_weight: float) -> float:
    return package_weight * credential_weight


def saturate(raw: float, weights: Weights) -> int:
    """The monotone map R -> 0..cap used for every score (projects and comparison variants)."""
    return max(0, min(weights.max_without_compromise, _round_half_up(unsaturated(raw, weights))))


def unsaturated(raw: float, weights: Weights) -> float:
    """100 × (1 − exp(−(R / scale) ^ exponent)) before rounding and capping."""
    return 100.0 * (1.0 - math.exp(-((max(raw, 0.0) / weights.scale) ** weights.exponent)))


def score_project(
    graph: Any,
    units: Iterable[Unit],
    inventory: Any = None,
    advisories: Any = (),
    capabilities: Any = None,
    weights: Weights | None = None,
) -> ScoreResult:
    """Score the project. ``graph`` may be ``None`` (comparison variants, tests): package facts
    then come from the keys alone. ``inventory`` supplies credential kinds and providers; a
    credential name it does not know counts as ``other-secret``."""
    weights = weights or Weights.load()
    units = sorted(units, key=lambda u: (UNIT_KIND_ORDER.get(u.kind, 9), u.name))
    credentials_by_name = canonical_credentials(inventory, weights)
    analyses = _analyses(capabilities)

    all_keys = sorted({k for u in units for k in u.packages})
    info = _NodeInfo(graph, all_keys)
    node_facts = {key: info.get(key) for key in all_keys}

    def kind_of(name: str) -> str:
        credential = credentials_by_name.get(name)
        return credential.kind if credential is not None and credential.kind in KIND_NAMES else "other-secret"

    verdict_of: dict[str, str | None] = {}
    analysis_of: dict[str, Any] = {}
    for key in all_keys:
        name, version, *_ = node_facts[key]
        analysis = analysis_for(analyses, key, name, version) if analyses else None
        analysis_of[key] = analysis
        verdict_of[key] = getattr(analysis, "verdict", None) if analysis is not None else None

    unit_scores: list[UnitScore] = []
    explanation: list[str] = []
    total = 0.0
    likelihood = 0.0
    for unit in units:
        w_cred = sum(weights.kind(kind_of(c)) for c in unit.credentials)
        extra = sum(weights.verdict(verdict_of[k]) for k in unit.packages)
        w_pkg = len(unit.packages) + extra
        exposure = weighted_exposure(w_pkg, w_cred)
        pairs = len(unit.packages) * len(unit.credentials)
        total += exposure
        likelihood += extra * w_cred
        unit_scores.append(
            UnitScore(unit.name, unit.kind, len(unit.packages), unit.credentials, pairs, w_cred, w_pkg, exposure, unit.basis)
        )
        terms = " + ".join(f"{weights.kind(kind_of(c)):g}" for c in unit.credentials) or "0"
        package_text = f"{len(unit.packages)}" if extra == 0 else f"({len(unit.packages)} + {extra:g} verdict weight)"
        explanation.append(
            f"unit {unit.name}: {len(unit.packages)} packages × {len(unit.credentials)} credentials = {pairs} exposure pairs; "
            f"weighted {package_text} × ({terms}) = {exposure:.4g}"
        )

    # Per package / per credential reach.
    units_of_package: dict[str, list[str]] = {}
    for unit in units:
        for key in unit.packages:
            units_of_package.setdefault(key, []).append(unit.name)
    creds_of_unit = {u.name: set(u.credentials) for u in units}
    inventory_names = set(credentials_by_name) | {c for u in units for c in u.credentials}
    packages: list[PackageReach] = []
    direct_by_credential: dict[str, set[str]] = {}
    for key in all_keys:
        name, version, depth, dependents, path = node_facts[key]
        in_units = tuple(sorted(units_of_package.get(key, ())))
        ambient = sorted(set().union(*(creds_of_unit[u] for u in in_units)) if in_units else set())
        analysis = analysis_of[key]
        direct: tuple[str, ...] = ()
        runs_at_start = False
        if analysis is not None:
            direct = tuple(sorted(set(getattr(analysis, "env_names", ()) or ()) & inventory_names))
            runs_at_start = bool(set(getattr(analysis, "capabilities", ()) or ()) & set(START_CAPABILITIES))
            for credential in direct:
                direct_by_credential.setdefault(credential, set()).add(key)
        packages.append(
            PackageReach(key, name, version, depth, dependents, path, tuple(ambient), direct, in_units, verdict_of[key], runs_at_start)
        )

    credential_rows: list[CredentialReach] = []
    for name in sorted({c for u in units for c in u.credentials} | set(credentials_by_name)):
        holding = tuple(sorted(u.name for u in units if name in u.credentials))
        reaching = set()
        for unit in units:
            if name in unit.credentials:
                reaching.update(unit.packages)
        credential = credentials_by_name.get(name)
        credential_rows.append(
            CredentialReach(
                name,
                getattr(credential, "provider_id", "") or "",
                getattr(credential, "provider_name", "") or "",
                kind_of(name),
                weights.kind(kind_of(name)),
                len(reaching),
                holding,
                tuple(sorted(direct_by_credential.get(name, ()))),
            )
        )

    # Known-compromised releases installed in a unit.
    compromised: list[CompromisedPackage] = []
    key_set = set(all_keys)
    by_name_version = {(node_facts[k][0], node_facts[k][1]): k for k in all_keys}
    for finding in sorted(_findings(advisories), key=_finding_order):
        if getattr(finding, "kind", None) != "malicious":
            continue
        from blastradius.model import normalise_name

        key = getattr(finding, "package_key", "") or ""
        if key not in key_set:
            key = by_name_version.get((normalise_name(getattr(finding, "package", "")), getattr(finding, "version", None)), "")
        if not key:
            explanation.append(
                f"advisory {finding.advisory_id} ({finding.package} {finding.version}) is malicious but that release "
                "is in no unit of this view; the gate still fails on it"
            )
            continue
        name, version, _, _, path = node_facts[key]
        in_units = tuple(sorted(units_of_package.get(key, ())))
        reach = sorted(set().union(*(creds_of_unit[u] for u in in_units)) if in_units else set())
        compromised.append(
            CompromisedPackage(
                key, name, version or "", finding.advisory_id, tuple(getattr(finding, "aliases", ()) or ()),
                getattr(finding, "summary", "") or "", in_units, tuple(reach), path, tuple(getattr(finding, "rotate", ()) or ()),
            )
        )

    before = unsaturated(total, weights)
    score = saturate(total, weights)
    sums = " + ".join(f"{u.weighted_exposure:.4g}" for u in unit_scores) or "0"
    explanation.append(f"R = {sums} = {total:.4g} (weighted exposure over {len(unit_scores)} unit(s))")
    explanation.append(
        f"score = round(100 × (1 − exp(−({total:.4g} / {weights.scale:g}) ^ {weights.exponent:g}))) = round({before:.4g}) = {_round_half_up(before)}"
    )
    if _round_half_up(before) > weights.max_without_compromise:
        explanation.append(f"capped at {weights.max_without_compromise}: {weights.compromised_score} is reserved for a known-compromised release")
    if compromised:
        score = weights.compromised_score
        for item in compromised:
            explanation.append(
                f"known-compromised: {item.name} {item.version} ({item.advisory_id}) installed in "
                f"{', '.join(item.units)} -> score {weights.compromised_score}; it could read {len(item.credentials)} credential(s)"
            )
    if analyses:
        explanation.append(f"capability verdicts added {likelihood:.4g} to R (high/critical packages weigh more)")
    else:
        explanation.append("no capability analysis: every package weighs 1 (the score does not need it)")

    raw = {
        "weighted_exposure": total,
        "exposure_pairs": sum(u.exposure_pairs for u in unit_scores),
        "verdict_exposure": likelihood,
        "unsaturated": before,
        "units": len(unit_scores),
        "packages": len(all_keys),
        "credentials": len(credential_rows),
        "compromised": len(compromised),
    }
    return ScoreResult(
        score=score,
        raw=raw,
        formula=FORMULA.format(cap=weights.max_without_compromise),
        weights=weights,
        explanation=tuple(explanation),
        units=tuple(unit_scores),
        packages=tuple(packages),
        credentials=tuple(credential_rows),
        compromised=tuple(compromised),
        direct_reach_available=bool(analyses),
        unit_defs=tuple(units),
    )


def score_scan(result: Any, weights: Weights | None = None, unit_config: Any = None) -> ScoreResult:
    """Convenience for the pipeline: units + score from a ScanResult's stages."""
    units = build_units(result.graph, result.inventory, unit_config)
    return score_project(result.graph, units, result.inventory, result.advisories or (), result.capabilities, weights)
