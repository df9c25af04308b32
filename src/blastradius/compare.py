"""Single- vs multi-provider: what the same project would expose with one proxy per provider,
or with one provider only, and ``blastradius compare A B`` for two real projects.

The model (``docs/scoring.md`` has the worked example):

* **as scanned**: the project's own units and score.
* **split per provider**: every unit that holds provider credentials (kinds ``provider-key``
  and ``cloud``) is replaced by one unit per provider, holding only that provider's credentials
  and the *minimal proxy* for it.
* **single provider**: one unit with the chosen provider's credentials and its minimal proxy;
  other providers' credentials are gone (that is the point of the alternative).

The minimal proxy for a provider is the resolved closure of its official SDK (or of plain
``httpx`` -- the raw-HTTP option -- when the provider has no SDK), from the snapshot shipped in
``data/sdk_closures.json``. When the project's own unit is lighter than that closure (a project
already talking raw HTTP), the unit's own packages are kept instead: an alternative is never
made heavier than what the project runs today, so split <= as scanned and single <= split.

Non-provider credentials (gateway admin keys, datastores, observability, other secrets) of those
units are *set aside* in the alternatives and listed: whether a direct-SDK service still needs a
database or a tracing key depends on the application, not on the provider layout. Units without
provider credentials (e.g. a release CI job) are carried unchanged into every variant.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from blastradius.errors import BlastRadiusError
from blastradius.scoring import PROVIDER_KINDS, ScoreResult, Unit, UnitScore, Weights, canonical_credentials, score_project

RAW_HTTP = "raw-http"


class CompareError(BlastRadiusError):
    """A comparison could not be set up (unknown provider, unreadable closure snapshot)."""


# ----- closures ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Closure:
    """The resolved dependency set of one provider SDK (or of httpx for raw HTTP).

    ``packages`` is one version per name (the highest); ``pins`` every resolved pin with its
    environment marker, so :meth:`for_target` can count what one deployment installs."""

    provider: str
    sdk: tuple[str, ...]
    packages: tuple[tuple[str, str], ...]  # (normalised name, version), sorted
    pins: tuple[tuple[str, str, str | None], ...] = ()  # (name, version, marker), sorted

    @property
    def count(self) -> int:
        return len(self.packages)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(f"{name}=={version}" for name, version in self.packages)

    def for_target(self, target: Any) -> Closure:
        """The pins whose markers hold for ``target`` (a :class:`blastradius.graph.Target`)."""
        if target is None or not self.pins:
            return self
        from blastradius.graph import marker_holds

        chosen: dict[str, str] = {}
        for name, version, marker in self.pins:
            if marker_holds(marker, target) and (name not in chosen or _newer(version, chosen[name])):
                chosen[name] = version
        kept = tuple(p for p in self.pins if chosen.get(p[0]) == p[1])
        return Closure(self.provider, self.sdk, tuple(sorted(chosen.items())), kept)

    @classmethod
    def from_entry(cls, provider: str, entry: Mapping[str, Any]) -> Closure:
        from blastradius.model import normalise_name

        packages = {normalise_name(n): str(v) for n, v in (entry.get("packages") or {}).items()}
        alternatives = {normalise_name(n): [str(v) for v in vs] for n, vs in (entry.get("alternatives") or {}).items()}
        markers = {str(k): str(v) for k, v in (entry.get("markers") or {}).items()}
        pins = []
        for name, version in packages.items():
            for each in alternatives.get(name, [version]):
                pins.append((name, each, markers.get(f"{name}=={each}")))
        return cls(
            provider,
            tuple(sorted(normalise_name(s) for s in entry.get("sdk", ()))),
            tuple(sorted(packages.items())),
            tuple(sorted(pins, key=lambda p: (p[0], p[1], p[2] or ""))),
        )


def _newer(a: str, b: str) -> bool:
    from packaging.version import InvalidVersion, Version

    try:
        return Version(a) > Version(b)
    except InvalidVersion:
        return a > b


@dataclass(frozen=True)
class Closures:
    closures: dict[str, Closure] = field(default_factory=dict)
    raw_http: Closure | None = None
    failed: dict[str, str] = field(default_factory=dict)
    generated: str = ""
    resolver: str = ""
    target: str = ""
    origin: str = "embedded"
    notes: tuple[str, ...] = ()

    def for_provider(self, provider: str) -> tuple[Closure | None, str]:
        """The provider's SDK closure, else the raw-HTTP closure; the second item says which."""
        closure = self.closures.get(provider)
        if closure is not None:
            return closure, f"{' + '.join(closure.sdk)} SDK closure"
        if self.raw_http is not None:
            why = "SDK did not resolve" if provider in self.failed else "no official SDK"
            return self.raw_http, f"raw HTTP (httpx) closure, {why}"
        return None, "no closure data"

    def for_target(self, target: Any) -> Closures:
        """Every closure narrowed to what ``target`` installs (``--target``); unchanged without one."""
        if target is None:
            return self
        from dataclasses import replace

        return replace(
            self,
            closures={pid: c.for_target(target) for pid, c in self.closures.items()},
            raw_http=self.raw_http.for_target(target) if self.raw_http is not None else None,
            notes=(*self.notes, f"closures evaluated for {target.describe()}"),
        )

    def describe(self) -> str:
        if not self.generated:
            return "no SDK closure snapshot available"
        return f"SDK closures resolved {self.generated} by {self.resolver} for {self.target} ({self.origin})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "generated": self.generated,
            "resolver": self.resolver,
            "target": self.target,
            "origin": self.origin,
            "providers": len(self.closures),
            "notes": list(self.notes),
        }


def closures_from_data(data: Mapping[str, Any], origin: str) -> Closures:
    if not isinstance(data, Mapping) or data.get("schema") != 1 or not isinstance(data.get("closures"), Mapping):
        raise CompareError("SDK closure snapshot has an unknown shape (expected schema 1 with 'closures')", origin)
    closures = {pid: Closure.from_entry(pid, entry) for pid, entry in data["closures"].items() if isinstance(entry, Mapping)}
    raw = data.get("raw_http")
    return Closures(
        closures=dict(sorted(closures.items())),
        raw_http=Closure.from_entry(RAW_HTTP, raw) if isinstance(raw, Mapping) else None,
        failed={str(k): str(v) for k, v in sorted((data.get("failed") or {}).items())},
        generated=str(data.get("generated", "")),
        resolver=str(data.get("resolver", "")),
        target=str(data.get("target", "")),
        origin=origin,
    )


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "blastradius"


def load_closures(online: bool = False, cache_dir: str | Path | None = None, providers: Iterable[str] | None = None) -> Closures:
    """The embedded snapshot; with ``online`` a fresh resolution (binary wheels only, index
    from the user's uv configuration) written to ``cache_dir/sdk_closures.json`` and reused
    there for the rest of the day. Offline runs always use the embedded snapshot, so the same
    input gives the same report."""
    if online:
        return _online_closures(Path(cache_dir) if cache_dir else default_cache_dir(), providers)
    data = _embedded_data()
    if data is None:
        return Closures(origin="missing", notes=("the SDK closure snapshot is not installed; alternatives keep the project's packages",))
    return closures_from_data(data, "embedded")


def _embedded_data() -> dict[str, Any] | None:
    try:
        return json.loads(resources.files("blastradius.data").joinpath("sdk_closures.json").read_text("utf-8"))
    except FileNotFoundError:
        return None


def _online_closures(cache_dir: Path, providers: Iterable[str] | None) -> Closures:
    """Re-resolve the wanted providers (default: every provider with an SDK) and lay the fresh
    entries over the embedded snapshot, so providers not asked for keep their shipped closure."""
    cache = cache_dir / "sdk_closures.json"
    today = _dt.date.today().isoformat()
    catalog = json.loads(resources.files("blastradius.data").joinpath("providers.json").read_text("utf-8"))
    wanted = sorted(set(providers)) if providers is not None else None
    chosen = [p for p in catalog if p.get("sdk_packages") and (wanted is None or p["id"] in wanted)]
    if cache.is_file():
        try:
            data = json.loads(cache.read_text("utf-8"))
            fresh = set(data.get("refreshed", ()))
            if data.get("generated") == today and {p["id"] for p in chosen} <= fresh:
                return closures_from_data(data, "online cache")
        except (OSError, ValueError, AttributeError):
            pass
    from blastradius import closures as resolver

    try:
        fresh_data = resolver.snapshot(chosen)
    except Exception as exc:  # resolver missing or failed: one clear line
        raise CompareError(f"--online closure refresh failed: {exc}") from None
    data = _embedded_data() or {"schema": 1, "closures": {}, "failed": {}}
    data = json.loads(json.dumps(data))
    for pid in {p["id"] for p in chosen}:
        data["closures"].pop(pid, None)
        data.setdefault("failed", {}).pop(pid, None)
    data["closures"].update(fresh_data["closures"])
    data["failed"].update(fresh_data["failed"])
    data["raw_http"] = fresh_data["raw_http"]
    for key in ("generated", "resolver", "target"):
        data[key] = fresh_data[key]
    data["refreshed"] = sorted({p["id"] for p in chosen})
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    tmp.replace(cache)
    return closures_from_data(data, "online")


# ----- variants ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Variant:
    key: str  # "as-scanned" | "split" | "single"
    label: str
    score: int
    exposure_pairs: int
    weighted_exposure: float
    packages_min: int
    packages_max: int
    credentials_max: int
    credentials_total: int
    units: tuple[UnitScore, ...]
    set_aside: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    provider: str | None = None

    @property
    def packages_text(self) -> str:
        if self.packages_min == self.packages_max:
            return str(self.packages_max)
        return f"{self.packages_min}..{self.packages_max}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "provider": self.provider,
            "score": self.score,
            "exposure_pairs": self.exposure_pairs,
            "weighted_exposure": round(self.weighted_exposure, 4),
            "packages": self.packages_text,
            "packages_min": self.packages_min,
            "packages_max": self.packages_max,
            "credentials_max": self.credentials_max,
            "credentials_total": self.credentials_total,
            "units": [u.to_dict() for u in self.units],
            "set_aside": list(self.set_aside),
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class Comparison:
    variants: tuple[Variant, ...]
    provider: str | None
    provider_reason: str
    providers: tuple[tuple[str, int], ...]  # provider id -> credential locations
    closures: dict[str, Any]
    model: str

    def variant(self, key: str) -> Variant | None:
        for variant in self.variants:
            if variant.key == key:
                return variant
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "provider_reason": self.provider_reason,
            "providers": [{"id": pid, "references": refs} for pid, refs in self.providers],
            "closures": self.closures,
            "model": self.model,
            "variants": [v.to_dict() for v in self.variants],
        }


MODEL = (
    "split: one unit per provider with only its credentials and its minimal proxy; single: one unit "
    "with the chosen provider's credentials and its minimal proxy. Minimal proxy = the provider SDK's "
    "resolved closure (raw-HTTP httpx closure without an SDK), or the unit's own packages when lighter. "
    "Non-provider credentials of those units are set aside and listed; other units are unchanged."
)


def _catalog() -> dict[str, dict[str, Any]]:
    data = json.loads(resources.files("blastradius.data").joinpath("providers.json").read_text("utf-8"))
    return {entry["id"]: entry for entry in data}


def provider_references(inventory: Any) -> list[tuple[str, int]]:
    """Providers holding provider credentials, most referenced first (credential locations,
    ties by id)."""
    counts: dict[str, int] = {}
    canonical = canonical_credentials(inventory, Weights.load())
    locations: dict[str, int] = {}
    for credential in getattr(inventory, "credentials", ()) or ():
        locations[credential.name] = locations.get(credential.name, 0) + len(credential.locations)
    for name, credential in canonical.items():
        if credential.kind in PROVIDER_KINDS and credential.provider_id:
            counts[credential.provider_id] = counts.get(credential.provider_id, 0) + max(1, locations[name])
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def _variant(key: str, label: str, result: ScoreResult, set_aside: Iterable[str] = (), notes: Iterable[str] = (), provider: str | None = None) -> Variant:
    # The range covers the units the variant is about: the per-provider units of split/single
    # ("unit/provider"), the credential-holding units as scanned; carried-over units are noted.
    transformed = [u for u in result.units if "/" in u.name] if key != "as-scanned" else []
    holding = transformed or [u for u in result.units if u.credentials] or list(result.units)
    sizes = [u.packages for u in holding] or [0]
    return Variant(
        key=key,
        label=label,
        score=result.score,
        exposure_pairs=sum(u.exposure_pairs for u in result.units),
        weighted_exposure=float(result.raw["weighted_exposure"]),
        packages_min=min(sizes),
        packages_max=max(sizes),
        credentials_max=max((len(u.credentials) for u in result.units), default=0),
        credentials_total=len({c for u in result.units for c in u.credentials}),
        units=result.units,
        set_aside=tuple(sorted(set(set_aside))),
        notes=tuple(notes),
        provider=provider,
    )


def compare_variants(
    graph: Any,
    inventory: Any,
    score_result: ScoreResult,
    provider: str | None = None,
    closures: Closures | None = None,
    weights: Weights | None = None,
    advisories: Any = (),
) -> Comparison:
    """The three variants of one scanned project. Package facts come from ``score_result``;
    ``graph`` gives the deployment target, so each closure counts what that target installs."""
    weights = weights or score_result.weights
    closures = closures if closures is not None else load_closures()
    closures = closures.for_target(getattr(getattr(graph, "view", None), "target", None))
    credentials = canonical_credentials(inventory, weights)
    references = provider_references(inventory)
    catalog = _catalog()

    if provider:
        chosen = provider.strip()
        if chosen not in catalog and chosen not in closures.closures and chosen not in dict(references):
            known = ", ".join(pid for pid, _ in references) or "none in this project"
            raise CompareError(f"unknown provider {chosen!r} (this project's providers: {known})")
        reason = "chosen with --provider"
    elif references:
        chosen, refs = references[0]
        reason = f"the provider with most references ({refs} credential location(s))"
    else:
        chosen, reason = None, "the project holds no provider credential"

    # Package weight of a key set, with the verdicts the scan found (0 without analysis).
    verdicts = {p.key: p.verdict for p in score_result.packages}
    capabilities = {k: SimpleNamespace(verdict=v, version=None, env_names=(), capabilities=()) for k, v in verdicts.items() if v}

    def heft(keys: Iterable[str]) -> float:
        return sum(1.0 + weights.verdict(verdicts.get(k)) for k in keys)

    def minimal(pid: str, unit: Unit) -> tuple[tuple[str, ...], str]:
        closure, what = closures.for_provider(pid)
        if closure is None:
            return unit.packages, f"{unit.name}'s own packages (no closure data)"
        if heft(closure.keys) <= heft(unit.packages):
            return closure.keys, what
        return unit.packages, f"{unit.name}'s own packages (lighter than the {what})"

    def provider_of(name: str) -> str | None:
        credential = credentials.get(name)
        if credential is not None and credential.kind in PROVIDER_KINDS and credential.provider_id:
            return credential.provider_id
        return None

    split_units: list[Unit] = []
    single_units: list[Unit] = []
    set_aside: set[str] = set()
    dropped_other_providers: set[str] = set()
    split_notes: list[str] = []
    single_notes: list[str] = []
    chosen_held = False
    for unit in score_result.unit_defs:
        by_provider: dict[str, list[str]] = {}
        rest: list[str] = []
        for name in unit.credentials:
            pid = provider_of(name)
            if pid:
                by_provider.setdefault(pid, []).append(name)
            else:
                rest.append(name)
        if not by_provider:
            split_units.append(unit)
            single_units.append(unit)
            continue
        set_aside.update(rest)
        for pid in sorted(by_provider):
            packages, basis = minimal(pid, unit)
            split_units.append(Unit(f"{unit.name}/{pid}", unit.kind, packages, tuple(by_provider[pid]), basis))
            split_notes.append(f"{unit.name}/{pid}: {len(packages)} packages from the {basis}")
        if chosen in by_provider:
            chosen_held = True
            packages, basis = minimal(chosen, unit)
            single_units.append(Unit(f"{unit.name}/{chosen}", unit.kind, packages, tuple(by_provider[chosen]), basis))
            single_notes.append(f"{unit.name}/{chosen}: {len(packages)} packages from the {basis}")
        dropped_other_providers.update(n for pid, names in by_provider.items() if pid != chosen for n in names)

    # A provider the project does not use yet: its SDK closure and its default key.
    extra_inventory: list[Any] = []
    if chosen and not chosen_held:
        entry = catalog.get(chosen, {})
        key_names = list(entry.get("default_env_vars") or entry.get("secret_env_vars") or [f"{chosen.upper()}_API_KEY"])
        closure, what = closures.for_provider(chosen)
        packages = closure.keys if closure is not None else tuple(score_result.unit_defs[0].packages if score_result.unit_defs else ())
        name = key_names[0]
        kind = "cloud" if entry.get("category") == "llm-provider" and name.startswith(("AWS_", "GOOGLE_", "AZURE_")) else "provider-key"
        extra_inventory.append(SimpleNamespace(name=name, provider_id=chosen, provider_name=entry.get("name", chosen), kind=kind, locations=(), units=()))
        single_units.append(Unit(f"runtime/{chosen}", "runtime", packages, (name,), what))
        single_notes.append(f"{chosen} is not used by this project: assumed {name} with the {what}")

    _Inventory = SimpleNamespace(credentials=tuple(credentials.values()) + tuple(extra_inventory))

    label_chosen = chosen or "none"
    as_scanned = _variant(
        "as-scanned",
        "as scanned (multi-provider)" if len(references) > 1 else "as scanned",
        score_result,
    )
    split_result = score_project(None, split_units, _Inventory, advisories, capabilities, weights)
    single_result = score_project(None, single_units, _Inventory, advisories, capabilities, weights)
    if set_aside:
        note = "set aside (not provider credentials): " + ", ".join(sorted(set_aside))
        split_notes.append(note)
        single_notes.append(note)
    if dropped_other_providers:
        single_notes.append("other providers' credentials dropped: " + ", ".join(sorted(dropped_other_providers)))
    variants = (
        as_scanned,
        _variant("split", "split: one proxy per provider", split_result, set_aside, split_notes),
        _variant("single", f"single provider ({label_chosen})", single_result, set_aside | dropped_other_providers, single_notes, chosen),
    )
    closure_info = closures.to_dict()
    closure_info["description"] = closures.describe()
    return Comparison(
        variants=variants,
        provider=chosen,
        provider_reason=reason,
        providers=tuple(references),
        closures=closure_info,
        model=MODEL,
    )


def format_comparison(comparison: Comparison) -> str:
    """The "Single- vs multi-provider" table of the terminal report."""
    rows = [("variant", "packages", "credentials", "exposure", "score")]
    for variant in comparison.variants:
        rows.append((variant.label, variant.packages_text, str(variant.credentials_max), str(variant.exposure_pairs), str(variant.score)))
    width = max(len(r[0]) for r in rows) + 2
    lines = ["Single- vs multi-provider"]
    for row in rows:
        lines.append(f"  {row[0]:<{width}}{row[1]:>9}{row[2]:>13}{row[3]:>10}{row[4]:>7}")
    lines.append(f"  provider: {comparison.provider or 'none'} ({comparison.provider_reason}); {comparison.closures.get('description', '')}")
    for variant in comparison.variants:
        for note in variant.notes:
            if note.startswith(("set aside", "other providers", "assumed")) or " is not used " in note:
                lines.append(f"  {variant.key}: {note}")
    return "\n".join(lines)


# ----- two projects -----------------------------------------------------------------------------
@dataclass(frozen=True)
class ProjectSide:
    label: str
    score: int
    packages: int
    credentials: int
    providers: tuple[str, ...]
    units: int
    exposure_pairs: int
    weighted_exposure: float
    credentials_max: int
    compromised: int
    input_kind: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "input_kind": self.input_kind,
            "score": self.score,
            "packages": self.packages,
            "credentials": self.credentials,
            "credentials_max_per_unit": self.credentials_max,
            "providers": list(self.providers),
            "units": self.units,
            "exposure_pairs": self.exposure_pairs,
            "weighted_exposure": round(self.weighted_exposure, 4),
            "compromised": self.compromised,
        }


@dataclass(frozen=True)
class ProjectComparison:
    a: ProjectSide
    b: ProjectSide
    only_a_packages: tuple[str, ...]
    only_b_packages: tuple[str, ...]
    shared_packages: int
    only_a_credentials: tuple[str, ...]
    only_b_credentials: tuple[str, ...]

    @property
    def higher(self) -> str | None:
        if self.a.score == self.b.score:
            return None
        return "a" if self.a.score > self.b.score else "b"

    def to_dict(self) -> dict[str, Any]:
        return {
            "a": self.a.to_dict(),
            "b": self.b.to_dict(),
            "higher": self.higher,
            "shared_packages": self.shared_packages,
            "only_a": {"packages": list(self.only_a_packages), "credentials": list(self.only_a_credentials)},
            "only_b": {"packages": list(self.only_b_packages), "credentials": list(self.only_b_credentials)},
        }


def ensure_scored(result: Any, weights: Weights | None = None, config: Any = None) -> Any:
    """Fill ``inventory`` and ``score`` on a ScanResult when the pipeline has not (so
    ``compare`` works whatever stages the pipeline runs)."""
    from blastradius.scoring import build_units

    if getattr(result, "inventory", None) is None:
        try:
            from blastradius.credentials import find_credentials
        except ImportError:  # pragma: no cover - credentials stage not installed
            find_credentials = None
        if find_credentials is not None:
            from blastradius.pipeline import project_root

            names = sorted({result.graph.nodes[k].package.name for k in result.graph.packages})
            credential_config = config.credential_config() if config is not None else None
            result.inventory = find_credentials(project_root(result.options), names, credential_config)
    if getattr(result, "score", None) is None:
        unit_config = config.credential_config() if config is not None and config.units else None
        units = build_units(result.graph, result.inventory, unit_config)
        result.score = score_project(result.graph, units, result.inventory, result.advisories or (), result.capabilities, weights)
    return result


def _side(label: str, result: Any) -> ProjectSide:
    score: ScoreResult = result.score
    providers = tuple(sorted({c.provider for c in score.credentials if c.provider and c.kind in PROVIDER_KINDS}))
    return ProjectSide(
        label=label,
        score=score.score,
        packages=len(result.graph.packages),
        credentials=len(score.credentials),
        providers=providers,
        units=len(score.units),
        exposure_pairs=score.exposure_pairs,
        weighted_exposure=float(score.raw["weighted_exposure"]),
        credentials_max=max((len(u.credentials) for u in score.units), default=0),
        compromised=len(score.compromised),
        input_kind=getattr(result.project, "input_kind", ""),
    )


def compare_projects(result_a: Any, result_b: Any, label_a: str = "A", label_b: str = "B") -> ProjectComparison:
    """Two scanned projects side by side (ScanResults with ``score`` set; see
    :func:`ensure_scored`)."""
    names_a = {result_a.graph.nodes[k].package.name for k in result_a.graph.packages}
    names_b = {result_b.graph.nodes[k].package.name for k in result_b.graph.packages}
    creds_a = {c.name for c in result_a.score.credentials}
    creds_b = {c.name for c in result_b.score.credentials}
    return ProjectComparison(
        a=_side(label_a, result_a),
        b=_side(label_b, result_b),
        only_a_packages=tuple(sorted(names_a - names_b)),
        only_b_packages=tuple(sorted(names_b - names_a)),
        shared_packages=len(names_a & names_b),
        only_a_credentials=tuple(sorted(creds_a - creds_b)),
        only_b_credentials=tuple(sorted(creds_b - creds_a)),
    )


def format_project_comparison(comparison: ProjectComparison, limit: int = 12) -> str:
    a, b = comparison.a, comparison.b
    rows = [
        ("", a.label, b.label),
        ("score", str(a.score), str(b.score)),
        ("packages", str(a.packages), str(b.packages)),
        ("credentials", str(a.credentials), str(b.credentials)),
        ("max credentials per unit", str(a.credentials_max), str(b.credentials_max)),
        ("providers", ", ".join(a.providers) or "-", ", ".join(b.providers) or "-"),
        ("units", str(a.units), str(b.units)),
        ("exposure pairs", str(a.exposure_pairs), str(b.exposure_pairs)),
        ("known-compromised", str(a.compromised), str(b.compromised)),
    ]
    w0 = max(len(r[0]) for r in rows) + 2
    w1 = max(len(r[1]) for r in rows) + 2
    lines = ["Blast radius, side by side"]
    lines += [f"  {r[0]:<{w0}}{r[1]:<{w1}}{r[2]}" for r in rows]
    if comparison.higher:
        high, low = (a, b) if comparison.higher == "a" else (b, a)
        lines.append(f"  {high.label} reaches further: {high.score} vs {low.score}")
    else:
        lines.append(f"  same score: {a.score}")
    lines.append(f"  shared packages: {comparison.shared_packages}")
    for side, packages, credentials in (
        (a.label, comparison.only_a_packages, comparison.only_a_credentials),
        (b.label, comparison.only_b_packages, comparison.only_b_credentials),
    ):
        shown = ", ".join(packages[:limit]) + (f", … (+{len(packages) - limit})" if len(packages) > limit else "")
        lines.append(f"  only in {side}: {len(packages)} packages" + (f" ({shown})" if packages else ""))
        if credentials:
            lines.append(f"  only in {side}: credentials {', '.join(credentials)}")
    return "\n".join(lines)
