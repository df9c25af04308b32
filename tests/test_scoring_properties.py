"""Properties of the score on generated projects (real ResolvedProject -> build_graph ->
real CredentialInventory -> build_units -> score_project), not on hand-picked numbers.

1. adding a package or a credential to a unit never lowers the score (and strictly raises the
   weighted exposure whenever the model says it must);
2. splitting a unit into per-provider units never raises it (strictly lowers the exposure when a
   provider's unit loses a package), and the comparison's variants are ordered
   single <= split <= as scanned;
3. a known-compromised release present means score 100 and a failed gate, whatever the
   threshold, waivers or --exit-zero say about other checks;
4. the JSON is byte-identical across runs and across insertion orders.
"""

from __future__ import annotations

import datetime as dt
import json
import random

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from blastradius.advisories.model import AdvisoryFinding
from blastradius.compare import Closure, Closures, compare_variants
from blastradius.config import Waiver
from blastradius.credentials.model import Credential, CredentialInventory, CredentialLocation
from blastradius.gate import GateConfig, evaluate_gate
from blastradius.graph import build_graph
from blastradius.model import Dependency, Location, Package, ResolvedProject
from blastradius.scoring import KIND_NAMES, Unit, Weights, build_units, saturate, score_project

WEIGHTS = Weights.load()
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Names: ASCII package-like names plus unicode and separator variants that normalise together.
name_chars = st.sampled_from("abcdefghijklmnopqrstuvwxyz0123456789-_.")
ascii_names = st.text(name_chars, min_size=1, max_size=8).filter(lambda s: s[0].isalnum())
unicode_names = st.sampled_from(["pâckage", "данные", "名前", "zoë", "Foo_Bar", "foo-bar", "foo.bar"])
package_names = st.one_of(ascii_names, unicode_names)
versions = st.sampled_from(["1.0", "1.0.1", "2.0", "0.1.dev1", "3.1.4"])
providers = st.sampled_from(["openai", "anthropic", "bedrock", "azure", "vertex_ai", ""])
cred_names = st.sampled_from(
    ["OPENAI_API_KEY", "ANTHROPIC_API_KEY", "AWS_SECRET_ACCESS_KEY", "AZURE_API_KEY", "DATABASE_URL",
     "LITELLM_MASTER_KEY", "LANGFUSE_SECRET_KEY", "CLÉ_SECRÈTE", "X"]
)
unit_names = st.sampled_from(["runtime", "ci:release.yml:publish", "ci:test.yml:tests", "worker"])


@st.composite
def projects(draw, max_packages: int = 14):
    """A project: one root, packages with random versions (duplicate names allowed: two versions
    of one name are two nodes) and random acyclic-or-not edges."""
    count = draw(st.integers(0, max_packages))
    project = ResolvedProject(project_dir=".", input_file="uv.lock", input_kind="uv.lock")
    project.add_package(Package("app", "0.1.0", is_root=True, source="virtual"))
    keys = []
    for _ in range(count):
        package = project.add_package(Package(draw(package_names), draw(versions)))
        keys.append(package.key)
    for key in keys:
        parents = draw(st.lists(st.sampled_from(["app==0.1.0", *keys]), max_size=2))
        if not parents:
            parents = ["app==0.1.0"]
        for parent in parents:
            if parent != key:
                group = draw(st.sampled_from([None, None, None, "dev"])) if parent == "app==0.1.0" else None
                project.dependencies.append(Dependency(parent, key, group=group))
    return project


@st.composite
def credentials(draw, max_credentials: int = 6):
    out = []
    for _ in range(draw(st.integers(0, max_credentials))):
        name = draw(cred_names)
        provider = draw(providers)
        kind = draw(st.sampled_from(KIND_NAMES)) if not provider else draw(st.sampled_from(["provider-key", "cloud"]))
        units = tuple(sorted(set(draw(st.lists(unit_names, min_size=1, max_size=2)))))
        locations = tuple(
            CredentialLocation(Location(draw(st.sampled_from([".env", "config.yaml", "app/main.py"])), draw(st.integers(1, 50))), "dotenv", units[0])
            for _ in range(draw(st.integers(0, 3)))
        )
        out.append(Credential(name, provider, provider.title(), kind, locations, units))
    return out


def inventory_of(creds):
    return CredentialInventory(credentials=tuple(creds))


def setup(project, creds):
    graph = build_graph(project)
    inventory = inventory_of(creds)
    units = build_units(graph, inventory)
    return graph, inventory, units


# ----- 1. monotone in packages and credentials ---------------------------------------------------
@SETTINGS
@given(projects(), credentials(), package_names, versions)
def test_adding_a_package_to_the_project_never_lowers_the_score(project, creds, name, version):
    graph, inventory, units = setup(project, creds)
    before = score_project(graph, units, inventory)
    added = project.add_package(Package(name, version))
    project.dependencies.append(Dependency("app==0.1.0", added.key))
    graph2, inventory2, units2 = setup(project, creds)
    after = score_project(graph2, units2, inventory2)
    assert after.score >= before.score
    runtime_before, runtime_after = before.unit("runtime"), after.unit("runtime")
    assert runtime_after.packages == runtime_before.packages + 1
    # Exactly: the exposure grows by the credential weight of every unit the new package joins
    # (runtime, and CI units, which install the project too).
    joined = sum(u.credential_weight for u in after.units if added.key in next(d for d in units2 if d.name == u.name).packages)
    delta = after.raw["weighted_exposure"] - before.raw["weighted_exposure"]
    assert abs(delta - joined) < 1e-9
    if joined > 0:
        assert after.raw["weighted_exposure"] > before.raw["weighted_exposure"]
        assert after.exposure_pairs > before.exposure_pairs


@SETTINGS
@given(projects(), credentials(), cred_names, st.sampled_from(KIND_NAMES), unit_names)
def test_adding_a_credential_never_lowers_the_score(project, creds, name, kind, unit):
    graph, inventory, units = setup(project, creds)
    before = score_project(graph, units, inventory)
    held = {(c.name, u) for c in creds for u in c.units}
    new = Credential(name, "", "", kind, (), (unit,))
    graph2, inventory2, units2 = setup(project, [*creds, new])
    after = score_project(graph2, units2, inventory2)
    assert after.score >= before.score
    assert after.raw["weighted_exposure"] >= before.raw["weighted_exposure"]
    target = next(u for u in units2 if u.name == unit)
    if (name, unit) not in held and target.packages and WEIGHTS.kind(kind) > 0:
        assert after.raw["weighted_exposure"] > before.raw["weighted_exposure"]


@SETTINGS
@given(
    st.lists(st.text(min_size=1, max_size=6), max_size=20),
    st.lists(st.tuples(cred_names, st.sampled_from(KIND_NAMES)), max_size=8),
    st.text(min_size=1, max_size=6),
)
def test_unit_level_monotonicity_including_empty_units_and_duplicates(packages, creds, extra):
    """Directly on units: duplicates collapse, an empty unit scores 0, one more distinct package
    raises exposure by exactly the unit's credential weight."""
    inventory = inventory_of(Credential(n, "", "", k, (), ("runtime",)) for n, k in creds)
    unit = Unit("runtime", "runtime", tuple(packages), tuple(n for n, _ in creds))
    result = score_project(None, [unit], inventory)
    assert result.units[0].packages == len(set(packages))
    assert result.units[0].credentials == tuple(sorted({n for n, _ in creds}))
    if not packages or not creds:
        assert result.raw["weighted_exposure"] == 0 and result.score == 0
    assume(extra not in packages)
    bigger = score_project(None, [Unit("runtime", "runtime", (*packages, extra), unit.credentials)], inventory)
    delta = bigger.raw["weighted_exposure"] - result.raw["weighted_exposure"]
    assert abs(delta - result.units[0].credential_weight) < 1e-9
    assert bigger.score >= result.score


# ----- 2. splitting never raises -------------------------------------------------------------------
@SETTINGS
@given(
    st.lists(ascii_names, min_size=1, max_size=25, unique=True),
    st.dictionaries(st.sampled_from(["openai", "anthropic", "bedrock", "azure"]), st.lists(cred_names, min_size=1, max_size=2, unique=True), min_size=1, max_size=4),
    st.data(),
)
def test_splitting_a_unit_per_provider_never_raises_the_score(packages, by_provider, data):
    names_seen: set[str] = set()
    creds = []
    for provider, names in sorted(by_provider.items()):
        for name in names:
            if name not in names_seen:  # one credential belongs to one provider
                names_seen.add(name)
                creds.append(Credential(name, provider, provider, "provider-key", (), ("runtime",)))
    inventory = inventory_of(creds)
    whole = Unit("runtime", "runtime", tuple(packages), tuple(c.name for c in creds))
    before = score_project(None, [whole], inventory)
    split_units = []
    shrunk = False
    for provider in sorted({c.provider_id for c in creds}):
        subset = data.draw(st.lists(st.sampled_from(packages), unique=True, max_size=len(packages)))
        shrunk |= len(subset) < len(packages)
        split_units.append(Unit(f"runtime/{provider}", "runtime", tuple(subset), tuple(c.name for c in creds if c.provider_id == provider)))
    after = score_project(None, split_units, inventory)
    assert after.score <= before.score
    assert after.raw["weighted_exposure"] <= before.raw["weighted_exposure"]
    if shrunk:
        # a provider's unit that loses a package is a strict improvement ...
        assert after.raw["weighted_exposure"] < before.raw["weighted_exposure"]
    else:
        # ... while the same packages in every per-provider unit only re-partition the pairs
        assert abs(after.raw["weighted_exposure"] - before.raw["weighted_exposure"]) < 1e-9


def _closures(rng: random.Random, provider_ids, pool):
    closures = {}
    for pid in provider_ids:
        chosen = rng.sample(pool, k=rng.randint(1, len(pool))) if pool else [("httpx", "0.29.0")]
        closures[pid] = Closure(pid, (pid,), tuple(sorted(set(chosen))))
    return Closures(closures=closures, raw_http=Closure("raw-http", ("httpx",), (("httpx", "0.29.0"),)), generated="2026-01-01", resolver="uv", target="t")


@SETTINGS
@given(projects(), credentials(), st.integers(0, 2**16))
def test_comparison_variants_are_ordered_single_split_as_scanned(project, creds, seed):
    graph, inventory, units = setup(project, creds)
    result = score_project(graph, units, inventory)
    rng = random.Random(seed)
    pool = [("pkg-" + str(i), "1.0") for i in range(rng.randint(0, 40))]
    closures = _closures(rng, ["openai", "anthropic", "bedrock", "azure", "vertex_ai"], pool)
    comparison = compare_variants(graph, inventory, result, closures=closures)
    as_scanned, split, single = (comparison.variant(k) for k in ("as-scanned", "split", "single"))
    assert as_scanned.score == result.score
    assert single.weighted_exposure <= split.weighted_exposure + 1e-9 <= as_scanned.weighted_exposure + 2e-9
    assert single.score <= split.score <= as_scanned.score


# ----- 3. known-compromised ------------------------------------------------------------------------
def _malicious(package: Package) -> AdvisoryFinding:
    return AdvisoryFinding(
        advisory_id="MAL-2026-0001", aliases=("GHSA-xxxx-yyyy-zzzz",), package=package.name, version=package.version or "",
        summary="credential stealer", kind="malicious", severity=None, fixed_versions=(), source="test",
        rotate=("every credential the process held",), package_key=package.key,
    )


@SETTINGS
@given(projects(max_packages=10), credentials(), st.data())
def test_a_known_compromised_release_means_100_and_a_failed_gate(project, creds, data):
    graph, inventory, units = setup(project, creds)
    installed = sorted({k for u in units for k in u.packages})
    assume(installed)
    key = data.draw(st.sampled_from(installed))
    package = project.packages[key]
    finding = _malicious(package)
    result = score_project(graph, units, inventory, advisories=[finding])
    assert result.score == 100
    assert [c.key for c in result.compromised] == [key]
    clean = score_project(graph, units, inventory)
    assert clean.score <= 99  # 100 is reserved for the compromised case
    # Neither the loosest threshold, nor a waiver for it, nor a baseline, lets it pass.
    waivers = (Waiver(package.name, "we trust it", dt.date(2999, 1, 1), "package"), Waiver("MAL-2026-0001", "x", dt.date(2999, 1, 1)))
    config = GateConfig(fail_above=100, waivers=waivers)
    for baseline in (None, {"score": result.to_dict(), "packages": []}):
        gate = evaluate_gate(result, [finding], config, baseline, dt.date(2026, 6, 1))
        assert not gate.passed and gate.exit_code == 1
        assert any("known-compromised" in r and package.name in r for r in gate.reasons)
    # A malicious record for a release the project does not have changes nothing in the score.
    other = AdvisoryFinding("MAL-2", (), "not-here", "9.9", "", "malicious", None, (), "test", package_key="not-here==9.9")
    assert score_project(graph, units, inventory, advisories=[other]).score == clean.score


# ----- 4. deterministic JSON -----------------------------------------------------------------------
def _shuffled(project: ResolvedProject, rng: random.Random) -> ResolvedProject:
    copy = ResolvedProject(project_dir=".", input_file="uv.lock", input_kind="uv.lock")
    items = list(project.packages.items())
    rng.shuffle(items)
    copy.packages = dict(items)
    deps = list(project.dependencies)
    rng.shuffle(deps)
    copy.dependencies = deps
    return copy


@SETTINGS
@given(projects(), credentials(), st.integers(0, 2**32 - 1))
def test_json_is_byte_identical_across_runs_and_orderings(project, creds, seed):
    rng = random.Random(seed)
    closures = _closures(random.Random(1), ["openai", "anthropic", "bedrock"], [("a", "1"), ("b", "2"), ("c", "3")])

    def render(proj, cred_list):
        graph, inventory, units = setup(proj, cred_list)
        result = score_project(graph, units, inventory)
        comparison = compare_variants(graph, inventory, result, closures=closures)
        gate = evaluate_gate(result, (), GateConfig(fail_above=10, max_credentials_per_unit=1), None, dt.date(2026, 1, 1))
        # no sort_keys: the dicts themselves must come out in a fixed order
        return json.dumps([result.to_dict(), comparison.to_dict(), gate.to_dict()], ensure_ascii=False)

    first = render(project, creds)
    assert render(project, creds) == first
    shuffled_creds = list(creds)
    rng.shuffle(shuffled_creds)
    reversed_units = [Credential(c.name, c.provider_id, c.provider_name, c.kind, tuple(reversed(c.locations)), tuple(reversed(c.units))) for c in shuffled_creds]
    assert render(_shuffled(project, rng), reversed_units) == first


def test_saturation_is_monotone_and_capped():
    values = [saturate(r, WEIGHTS) for r in range(0, 20000, 7)]
    assert values == sorted(values)
    assert values[0] == 0 and max(values) == 99


@SETTINGS
@given(projects(max_packages=10), credentials(), st.data())
def test_a_compromised_release_matched_by_name_and_version_only(project, creds, data):
    """Advisory sources that give no graph key (pip-audit, OSV by name) still match: the name in
    any spelling PEP 503 folds together, the exact version; another version does not match."""
    graph, inventory, units = setup(project, creds)
    installed = sorted({k for u in units for k in u.packages})
    assume(installed)
    package = project.packages[data.draw(st.sampled_from(installed))]
    spelled = data.draw(st.sampled_from([package.name, package.name.upper(), package.name.replace("-", "_"), package.name.replace("-", ".")]))
    finding = AdvisoryFinding("MAL-2026-0002", (), spelled, package.version or "", "", "malicious", None, (), "test", package_key="")
    result = score_project(graph, units, inventory, advisories=[finding])
    assert result.score == 100 and [c.name for c in result.compromised] == [package.name]
    assert not evaluate_gate(result, [finding], GateConfig(fail_above=100), None, dt.date(2026, 1, 1)).passed
    other_versions = {p.version for p in project.packages.values() if p.name == package.name}
    assume("9.9.9" not in other_versions)
    elsewhere = AdvisoryFinding("MAL-2026-0003", (), spelled, "9.9.9", "", "malicious", None, (), "test", package_key="")
    assert score_project(graph, units, inventory, advisories=[elsewhere]).score <= 99


def _report(result) -> dict:
    return json.loads(json.dumps({"score": result.to_dict()}))


@SETTINGS
@given(projects(), credentials(), st.data())
def test_baseline_growth_is_exactly_what_was_added(project, creds, data):
    """Against its own report nothing grows (whatever the thresholds); against a report written
    before a package and a credential were added, exactly those two are growth."""
    graph, inventory, units = setup(project, creds)
    before = score_project(graph, units, inventory)
    today = dt.date(2026, 1, 1)
    strict = GateConfig(fail_above=0, max_credentials_per_unit=0, max_packages=0)
    same = evaluate_gate(before, (), strict, _report(before), today)
    assert same.passed and not same.growth.grew and same.reasons == ()
    name = data.draw(ascii_names.filter(lambda n: all(p.name != n for p in project.packages.values())).map(lambda n: "new-" + n))
    added = project.add_package(Package(name, "1.0"))
    project.dependencies.append(Dependency("app==0.1.0", added.key))
    secret = Credential("BRAND_NEW_API_KEY", "openai", "OpenAI", "provider-key", (), ("runtime",))
    graph2, inventory2, units2 = setup(project, [*creds, secret])
    after = score_project(graph2, units2, inventory2)
    gate = evaluate_gate(after, (), GateConfig(), _report(before), today)
    assert not gate.passed and gate.exit_code == 1
    assert [line.split(" ")[0] for line in gate.growth.new_packages] == [added.name]
    assert [line.split(" ")[0] for line in gate.growth.new_credentials] == ["BRAND_NEW_API_KEY"]
    assert gate.growth.new_holdings == ()
    # waived, both stop being growth (and say so); expired, the waiver itself fails the gate
    waivers = (Waiver(added.name, "vendored", dt.date(2026, 12, 31), "package"), Waiver("BRAND_NEW_API_KEY", "rotating", dt.date(2026, 12, 31)))
    waived = evaluate_gate(after, (), GateConfig(waivers=waivers), _report(before), today)
    assert [line.split(" ")[0] for line in waived.growth.new_packages] == [] and waived.growth.new_credentials == ()
    assert len(waived.growth.waived) == 2
    expired = evaluate_gate(after, (), GateConfig(waivers=waivers), _report(before), dt.date(2027, 1, 1))
    assert not expired.passed and sum(r.startswith("expired waiver:") for r in expired.reasons) == 2


@SETTINGS
@given(projects(max_packages=8), credentials(), st.integers(0, 2**32 - 1))
def test_json_with_findings_is_byte_identical_across_finding_orders(project, creds, seed):
    graph, inventory, units = setup(project, creds)
    installed = sorted({k for u in units for k in u.packages})
    findings = [_malicious(project.packages[k]) for k in installed[:3]]
    findings += [AdvisoryFinding(f"GHSA-{i}", (), project.packages[k].name, project.packages[k].version or "", "", "vulnerability", "HIGH", (), "test", package_key=k)
                 for i, k in enumerate(installed[:4])]

    def render(order):
        result = score_project(graph, units, inventory, advisories=order)
        gate = evaluate_gate(result, order, GateConfig(fail_on=("known-compromised", "vulnerability")), None, dt.date(2026, 1, 1))
        return json.dumps([result.to_dict(), gate.to_dict()], ensure_ascii=False)

    first = render(list(findings))
    shuffled = list(findings)
    random.Random(seed).shuffle(shuffled)
    assert render(shuffled) == first


@SETTINGS
@given(projects(), credentials(), st.data())
def test_monotone_with_capability_verdicts_and_near_saturation(project, creds, data):
    """With capability verdicts, and with a small scale that pushes scores to the 99 cap: adding
    a package (of any verdict) or raising one package's verdict never lowers the score, and
    without a known-compromised release the score never reaches 100."""
    from types import SimpleNamespace

    weights = Weights.load({"scale": data.draw(st.sampled_from([0.5, 3.0, 20.0, 240.0]))})
    graph, inventory, units = setup(project, creds)
    installed = sorted({k for u in units for k in u.packages})
    verdicts = {k: SimpleNamespace(verdict=data.draw(st.sampled_from(VERDICTS)), env_names=(), capabilities=()) for k in installed}
    before = score_project(graph, units, inventory, capabilities=verdicts, weights=weights)
    assert before.score <= 99
    if installed:
        key = data.draw(st.sampled_from(installed))
        raised = dict(verdicts)
        raised[key] = SimpleNamespace(verdict="critical", env_names=(), capabilities=())
        upgraded = score_project(graph, units, inventory, capabilities=raised, weights=weights)
        assert upgraded.score >= before.score
        assert upgraded.raw["weighted_exposure"] >= before.raw["weighted_exposure"] - 1e-9
    added = project.add_package(Package("zz-new-" + data.draw(ascii_names), "1.0"))
    project.dependencies.append(Dependency("app==0.1.0", added.key))
    graph2, inventory2, units2 = setup(project, creds)
    verdicts2 = {**verdicts, added.key: SimpleNamespace(verdict=data.draw(st.sampled_from(VERDICTS)), env_names=(), capabilities=())}
    after = score_project(graph2, units2, inventory2, capabilities=verdicts2, weights=weights)
    assert after.score >= before.score and after.score <= 99
    assert after.raw["weighted_exposure"] >= before.raw["weighted_exposure"] - 1e-9


VERDICTS = ("clean", "info", "medium", "high", "critical")
