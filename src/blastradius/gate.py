"""The CI gate: thresholds, always-on known-compromised check, waivers and baseline growth.

Why a baseline mode: an existing gateway already scores high; a threshold would fail every PR
or be set so high it catches nothing. With ``--baseline old-report.json`` the gate fails only
when something *grew* -- a new package, a new credential, a credential now held by another
unit, a higher score -- and prints exactly that, so the PR author sees what their change added.
A changed shortest path to a package already there, or a version bump, is listed but is not
growth (removing a direct dependency changes paths too). Known-compromised releases and expired
waivers fail in both modes.

Exit codes (README): 0 pass, 1 gate failed, 2 usage or input error.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from blastradius.config import FAIL_ON_VALUES, Config, Waiver, parse_fail_on
from blastradius.errors import ReportError

__all__ = [
    "GateConfig",
    "GateResult",
    "Growth",
    "Waiver",
    "evaluate_gate",
    "format_gate",
    "gate_options",
    "load_baseline",
    "run_gate",
]

ALWAYS_ON = ("known-compromised",)


@dataclass(frozen=True)
class GateConfig:
    fail_above: int | None = None
    max_credentials_per_unit: int | None = None
    max_packages: int | None = None
    fail_on: tuple[str, ...] = ALWAYS_ON
    waivers: tuple[Waiver, ...] = ()
    baseline_path: Path | None = None
    exit_zero: bool = False
    origin: tuple[tuple[str, str], ...] = ()  # setting -> "command line" | config file name

    @classmethod
    def resolve(cls, cli_values: Mapping[str, Any] | None, config: Config | None = None) -> GateConfig:
        """CLI beats config, setting by setting. ``known-compromised`` is always in ``fail_on``."""
        cli = dict(cli_values or {})
        config = config or Config()
        source = Path(config.source).name if config.source else "config"
        origin: dict[str, str] = {}
        values: dict[str, Any] = {}
        for name in ("fail_above", "max_credentials_per_unit", "max_packages"):
            if cli.get(name) is not None:
                values[name], origin[name] = cli[name], "command line"
            elif getattr(config, name) is not None:
                values[name], origin[name] = getattr(config, name), source
        fail_on: tuple[str, ...] = ()
        if cli.get("fail_on"):
            fail_on, origin["fail_on"] = parse_fail_on(list(cli["fail_on"]), "--fail-on"), "command line"
        elif config.fail_on:
            fail_on, origin["fail_on"] = config.fail_on, source
        values["fail_on"] = tuple(sorted(set(fail_on) | set(ALWAYS_ON)))
        baseline = cli.get("baseline")
        values["baseline_path"] = Path(baseline) if baseline else None
        values["exit_zero"] = bool(cli.get("exit_zero"))
        return cls(waivers=tuple(config.waivers), origin=tuple(sorted(origin.items())), **values)

    def to_dict(self) -> dict[str, Any]:
        return {
            "fail_above": self.fail_above,
            "max_credentials_per_unit": self.max_credentials_per_unit,
            "max_packages": self.max_packages,
            "fail_on": list(self.fail_on),
            "waivers": [w.to_dict() for w in self.waivers],
            "baseline": self.baseline_path.name if self.baseline_path else None,
            "exit_zero": self.exit_zero,
            "origin": dict(self.origin),
        }


def gate_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add the gate flags to a click command. Values arrive as keyword arguments
    ``fail_above``, ``max_credentials_per_unit``, ``max_packages``, ``fail_on``, ``baseline``,
    ``exit_zero``; pass them (as a dict) to :meth:`GateConfig.resolve`."""
    import click

    decorators = [
        click.option("--fail-above", type=click.IntRange(0, 100), metavar="SCORE", default=None,
                     help="Fail when the blast-radius score is above SCORE (0-100)."),
        click.option("--max-credentials-per-unit", type=click.IntRange(0), metavar="N", default=None,
                     help="Fail when one unit (process or CI job) holds more than N credentials."),
        click.option("--max-packages", type=click.IntRange(0), metavar="N", default=None,
                     help="Fail when the scanned view installs more than N packages."),
        click.option("--fail-on", type=click.Choice(FAIL_ON_VALUES), multiple=True,
                     help="Also fail on these findings (known-compromised is always on). Repeatable."),
        click.option("--baseline", type=click.Path(path_type=Path, dir_okay=False), default=None, metavar="REPORT.json",
                     help="A previous `scan --format json` report: fail only on growth, and print what grew."),
        click.option("--exit-zero", is_flag=True, default=False,
                     help="Report the gate result but always exit 0 (input errors still exit 2)."),
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


GATE_KEYS = ("fail_above", "max_credentials_per_unit", "max_packages", "fail_on", "baseline", "exit_zero")


def cli_values(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """The gate's share of a command's keyword arguments."""
    return {key: kwargs.get(key) for key in GATE_KEYS}


# ----- baseline ---------------------------------------------------------------------------------
def load_baseline(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ReportError("baseline report not found", path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ReportError(f"cannot read baseline report: {getattr(exc, 'strerror', None) or exc}", path) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReportError(f"baseline is not JSON: {exc.msg}", path, exc.lineno) from None
    hint = "write one with `blastradius scan --format json -o FILE`"
    if not isinstance(data, dict) or ("score" not in data and "packages" not in data):
        raise ReportError(f"baseline is not a blastradius JSON report (no 'score' or 'packages'); {hint}", path)
    score = data.get("score")
    if isinstance(score, Mapping):
        if _baseline_score(data) is None or not isinstance(score.get("packages"), list):
            raise ReportError(f"baseline 'score' is not a blastradius score (needs an integer 'score' and a 'packages' list); {hint}", path)
    elif "score" in data and _baseline_score(data) is None:
        raise ReportError(f"baseline 'score' is not an integer; {hint}", path)
    elif not isinstance(data.get("packages"), list):
        raise ReportError(f"baseline 'packages' is not a list; {hint}", path)
    return data


def _baseline_roots(report: Mapping[str, Any]) -> tuple[str, ...]:
    summary = report.get("summary")
    roots = summary.get("roots") if isinstance(summary, Mapping) else None
    if not isinstance(roots, list):
        return ()
    names = [r.get("name") if isinstance(r, Mapping) else r for r in roots]
    return tuple(sorted({str(n) for n in names if isinstance(n, str) and n}))


def _baseline_score(report: Mapping[str, Any]) -> int | None:
    score = report.get("score")
    if isinstance(score, Mapping):
        score = score.get("score")
    return score if isinstance(score, int) and not isinstance(score, bool) else None


def _baseline_packages(report: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    score = report.get("score")
    if isinstance(score, Mapping) and isinstance(score.get("packages"), list):
        return [p for p in score["packages"] if isinstance(p, Mapping)]
    packages = report.get("packages")
    return [p for p in packages if isinstance(p, Mapping)] if isinstance(packages, list) else []


def _baseline_credentials(report: Mapping[str, Any]) -> set[str]:
    names: set[str] = set()
    score = report.get("score")
    if isinstance(score, Mapping) and isinstance(score.get("credentials"), list):
        names.update(c.get("name") for c in score["credentials"] if isinstance(c, Mapping) and c.get("name"))
    credentials = report.get("credentials")
    if isinstance(credentials, Mapping):
        credentials = credentials.get("credentials")
    if isinstance(credentials, list):
        names.update(c.get("name") for c in credentials if isinstance(c, Mapping) and c.get("name"))
    return names


def _baseline_holdings(report: Mapping[str, Any]) -> set[tuple[str, str]] | None:
    score = report.get("score")
    if not (isinstance(score, Mapping) and isinstance(score.get("units"), list)):
        return None
    pairs = set()
    for unit in score["units"]:
        if isinstance(unit, Mapping):
            for credential in unit.get("credentials") or ():
                pairs.add((str(unit.get("name")), str(credential)))
    return pairs


@dataclass(frozen=True)
class Growth:
    """What grew between the baseline report and this scan (each entry one printable line)."""

    new_packages: tuple[str, ...] = ()
    new_credentials: tuple[str, ...] = ()
    new_holdings: tuple[str, ...] = ()
    changed_paths: tuple[str, ...] = ()  # informational: a new shortest path is not growth
    score_before: int | None = None
    score_after: int = 0
    packages_before: int = 0
    packages_after: int = 0
    changed_versions: tuple[str, ...] = ()  # informational: a version bump is not growth
    waived: tuple[str, ...] = ()

    @property
    def score_grew(self) -> bool:
        return self.score_before is not None and self.score_after > self.score_before

    @property
    def grew(self) -> bool:
        return bool(self.new_packages or self.new_credentials or self.new_holdings or self.score_grew)

    def lines(self) -> list[str]:
        out: list[str] = []
        if self.score_grew:
            out.append(f"score {self.score_before} -> {self.score_after} (+{self.score_after - (self.score_before or 0)})")
        out += [f"new package: {p}" for p in self.new_packages]
        out += [f"new credential: {c}" for c in self.new_credentials]
        out += [f"new holding: {h}" for h in self.new_holdings]
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "grew": self.grew,
            "score_before": self.score_before,
            "score_after": self.score_after,
            "packages_before": self.packages_before,
            "packages_after": self.packages_after,
            "new_packages": list(self.new_packages),
            "new_credentials": list(self.new_credentials),
            "new_holdings": list(self.new_holdings),
            "changed_paths": list(self.changed_paths),
            "changed_versions": list(self.changed_versions),
            "waived": list(self.waived),
        }


def _active(waivers: Iterable[Waiver], today: _dt.date) -> list[Waiver]:
    return [w for w in waivers if not w.expired(today)]


def _waived_package(waivers: Iterable[Waiver], name: str) -> Waiver | None:
    for waiver in waivers:
        if waiver.matches_package(name):
            return waiver
    return None


def _waived_id(waivers: Iterable[Waiver], ids: Iterable[str]) -> Waiver | None:
    wanted = {i.upper() for i in ids if i}
    for waiver in waivers:
        if waiver.kind == "id" and waiver.id_or_package.upper() in wanted:
            return waiver
    return None


def compute_growth(score_result: Any, baseline: Mapping[str, Any], waivers: Iterable[Waiver] = ()) -> Growth:
    waivers = list(waivers)
    old_packages = _baseline_packages(baseline)
    old_names = {str(p.get("name")) for p in old_packages}
    old_versions: dict[str, set[str]] = {}
    old_paths: set[tuple[str, ...]] = set()
    for package in old_packages:
        old_versions.setdefault(str(package.get("name")), set()).add(str(package.get("version")))
        path = package.get("path")
        if isinstance(path, list) and path:
            old_paths.add(tuple(str(p) for p in path))
    old_credentials = _baseline_credentials(baseline)
    old_holdings = _baseline_holdings(baseline)

    new_packages: list[str] = []
    changed_paths: list[str] = []
    changed: list[str] = []
    waived: list[str] = []
    seen_names: set[str] = set()
    for package in sorted(score_result.packages, key=lambda p: (p.name, p.version or "", p.key)):
        path_text = " -> ".join(package.path) if package.path else "path unknown"
        waiver = _waived_package(waivers, package.name)
        if package.name not in old_names:
            if package.name in seen_names:
                continue
            seen_names.add(package.name)
            line = f"{package.name} {package.version or ''}".strip() + f" (via {path_text})"
            if package.credentials:
                line += f"; can read {len(package.credentials)} credential(s)"
            if waiver is not None:
                waived.append(f"package {package.name}: {waiver.reason} (until {waiver.expires.isoformat()})")
            else:
                new_packages.append(line)
            continue
        if package.version and package.version not in old_versions.get(package.name, set()):
            before = ", ".join(sorted(old_versions.get(package.name, set())))
            changed.append(f"{package.name} {before} -> {package.version}")
        if package.path and old_paths and tuple(package.path) not in old_paths and waiver is None:
            changed_paths.append(f"{package.name}: {path_text}")

    credential_rows = {c.name: c for c in score_result.credentials}
    new_credentials: list[str] = []
    for name in sorted(set(credential_rows) - old_credentials):
        row = credential_rows[name]
        waiver = _waived_id(waivers, [name])
        if waiver is not None:
            waived.append(f"credential {name}: {waiver.reason} (until {waiver.expires.isoformat()})")
            continue
        provider = f"{row.provider}, " if row.provider else ""
        where = ", ".join(row.units) or "no unit"
        new_credentials.append(f"{name} ({provider}{row.kind}) in {where}; {row.packages_reaching} packages can reach it")

    new_holdings: list[str] = []
    if old_holdings is not None:
        for unit in score_result.units:
            for credential in unit.credentials:
                if credential in old_credentials and (unit.name, credential) not in old_holdings:
                    if _waived_id(waivers, [credential]) is None:
                        new_holdings.append(f"{unit.name} now holds {credential} ({unit.packages} packages can reach it there)")

    after_packages = len({p.name for p in score_result.packages})
    return Growth(
        new_packages=tuple(new_packages),
        new_credentials=tuple(new_credentials),
        new_holdings=tuple(sorted(new_holdings)),
        changed_paths=tuple(changed_paths),
        score_before=_baseline_score(baseline),
        score_after=score_result.score,
        packages_before=len(old_names),
        packages_after=after_packages,
        changed_versions=tuple(changed),
        waived=tuple(sorted(waived)),
    )


# ----- evaluation -------------------------------------------------------------------------------
@dataclass(frozen=True)
class GateResult:
    passed: bool
    reasons: tuple[str, ...]
    growth: Growth | None = None
    expired_waivers: tuple[Waiver, ...] = ()
    notes: tuple[str, ...] = ()
    score: int = 0
    config: GateConfig = field(default_factory=GateConfig)

    @property
    def exit_code(self) -> int:
        return 0 if self.passed or self.config.exit_zero else 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "exit_code": self.exit_code,
            "fail_above": self.config.fail_above if self.growth is None else None,
            "baseline": self.config.baseline_path.name if self.config.baseline_path else None,
            "score": self.score,
            "reasons": list(self.reasons),
            "growth": self.growth.to_dict() if self.growth else None,
            "expired_waivers": [w.to_dict() for w in self.expired_waivers],
            "notes": list(self.notes),
            "config": self.config.to_dict(),
        }


def _findings(advisories: Any) -> list[Any]:
    from blastradius.scoring import _findings as findings

    return findings(advisories)


def _finding_order(finding: Any) -> tuple[str, ...]:
    from blastradius.scoring import _finding_order as order

    return order(finding)


def evaluate_gate(
    score_result: Any,
    advisories: Any = (),
    config: GateConfig | None = None,
    baseline_report: Mapping[str, Any] | None = None,
    today: _dt.date | None = None,
    inventory: Any = None,
) -> GateResult:
    """Pass or fail, with one printable reason per failed check.

    Without a baseline: the score threshold, the per-unit credential and package limits and the
    ``fail_on`` findings. With a baseline: growth only (thresholds become notes), plus the checks
    that are on in both modes -- known-compromised releases and expired waivers.
    """
    config = config or GateConfig()
    today = today or _dt.date.today()
    reasons: list[str] = []
    notes: list[str] = []
    expired = tuple(w for w in config.waivers if w.expired(today))
    waivers = _active(config.waivers, today)
    for waiver in expired:
        what = "package" if waiver.kind == "package" else "waiver"
        reasons.append(
            f"expired waiver: {what} {waiver.id_or_package} expired on {waiver.expires.isoformat()} "
            f"(reason was: {waiver.reason}); renew it with a new date or remove it"
        )

    # Always on: known-compromised releases (installed in a unit, or matched anywhere).
    findings = _findings(advisories)
    malicious = [f for f in findings if getattr(f, "kind", None) == "malicious"]
    reported: set[tuple[str, str]] = set()
    for item in score_result.compromised:
        reported.add((item.name, item.advisory_id))
        if item.credentials:
            rotate = f"rotate {', '.join(item.credentials)}"
        else:
            rotate = "no credential found in the project; rotate what the host held"
        if item.rotate:
            rotate += f" (advisory: {item.rotate[0]}{', …' if len(item.rotate) > 1 else ''})"
        reasons.append(
            f"known-compromised: {item.name} {item.version} ({item.advisory_id}) is installed in "
            f"{', '.join(item.units)}; {rotate}"
        )
    for finding in sorted(malicious, key=_finding_order):
        if (finding.package, finding.advisory_id) not in reported:
            reported.add((finding.package, finding.advisory_id))
            reasons.append(f"known-compromised: {finding.package} {finding.version} ({finding.advisory_id}) is pinned by this project")
    for waiver in waivers:
        ids = {f.advisory_id for f in malicious} | {a for f in malicious for a in (getattr(f, "aliases", ()) or ())}
        if (waiver.kind == "id" and waiver.id_or_package in ids) or any(waiver.matches_package(f.package) for f in malicious):
            notes.append(f"waiver for {waiver.id_or_package} ignored: known-compromised releases cannot be waived")

    growth: Growth | None = None
    if baseline_report is not None:
        old_roots = _baseline_roots(baseline_report)
        new_roots = tuple(sorted({p.path[0] for p in score_result.packages if p.path}))
        if old_roots and new_roots and not set(old_roots) & set(new_roots):
            notes.append(
                f"the baseline is a report on {', '.join(old_roots)}, this scan is {', '.join(new_roots)}: "
                "everything the two do not share counts as growth"
            )
        growth = compute_growth(score_result, baseline_report, waivers)
        if growth.grew:
            reasons.append(f"grew since the baseline ({len(growth.lines())} change(s)):")
            reasons.extend(f"  {line}" for line in growth.lines())
        thresholds = _threshold_reasons(score_result, config, waivers, notes)
        for reason in thresholds:
            notes.append(f"baseline mode, not failing on: {reason}")
    else:
        reasons.extend(_threshold_reasons(score_result, config, waivers, notes))

    # Opt-in findings (both modes).
    if "vulnerability" in config.fail_on:
        for finding in sorted((f for f in findings if getattr(f, "kind", None) == "vulnerability"), key=_finding_order):
            waiver = _waived_id(waivers, [finding.advisory_id, *(getattr(finding, "aliases", ()) or ())]) or _waived_package(waivers, finding.package)
            if waiver is not None:
                notes.append(f"waived {finding.advisory_id} ({finding.package}): {waiver.reason} (until {waiver.expires.isoformat()})")
                continue
            severity = f", {finding.severity}" if getattr(finding, "severity", None) else ""
            reasons.append(f"vulnerability: {finding.package} {finding.version} ({finding.advisory_id}{severity})")
    if "plaintext-secret" in config.fail_on and inventory is not None:
        for secret in sorted(getattr(inventory, "plaintext_secrets", ()) or ()):
            if _waived_id(waivers, [secret.name]) is None:
                reasons.append(f"plaintext secret in repository: {secret.name} at {secret.location} ({secret.fingerprint})")
    if "critical-capability" in config.fail_on:
        for package in score_result.packages:
            if package.verdict == "critical" and _waived_package(waivers, package.name) is None:
                reasons.append(f"critical capability verdict: {package.name} {package.version or ''}".rstrip())

    return GateResult(
        passed=not reasons,
        reasons=tuple(reasons),
        growth=growth,
        expired_waivers=expired,
        notes=tuple(notes),
        score=score_result.score,
        config=config,
    )


def _threshold_reasons(score_result: Any, config: GateConfig, waivers: list[Waiver], notes: list[str]) -> list[str]:
    reasons: list[str] = []
    if config.fail_above is not None and score_result.score > config.fail_above:
        reasons.append(f"score {score_result.score} is above the threshold {config.fail_above} (fail-above)")
    if config.max_credentials_per_unit is not None:
        for unit in score_result.units:
            counted = [c for c in unit.credentials if _waived_id(waivers, [c]) is None]
            if len(counted) > config.max_credentials_per_unit:
                reasons.append(
                    f"unit {unit.name} holds {len(counted)} credentials, more than {config.max_credentials_per_unit} "
                    f"(max-credentials-per-unit): {', '.join(counted)}"
                )
    if config.max_packages is not None:
        runtime = next((u for u in getattr(score_result, "unit_defs", ()) if u.name == "runtime"), None)
        if runtime is not None:
            names = {p.key: p.name for p in score_result.packages}
            counted = [k for k in runtime.packages if _waived_package(waivers, names.get(k, k)) is None]
            count = len(counted)
        else:
            unit = score_result.unit("runtime")
            count = unit.packages if unit is not None else 0
        if count > config.max_packages:
            reasons.append(f"the scanned view installs {count} packages, more than {config.max_packages} (max-packages)")
    return reasons


def run_gate(scan_result: Any, config: GateConfig, today: _dt.date | None = None) -> GateResult:
    """Evaluate the gate for a ScanResult (loads the baseline when one is configured)."""
    baseline = load_baseline(config.baseline_path) if config.baseline_path else None
    return evaluate_gate(scan_result.score, scan_result.advisories or (), config, baseline, today, scan_result.inventory)


def format_gate(result: GateResult) -> str:
    """Plain-text gate block for the terminal and Markdown renderers."""
    config = result.config
    threshold = f"threshold {config.fail_above}" if config.fail_above is not None else "no score threshold"
    if result.growth is not None:
        threshold = "baseline"
    status = "PASS" if result.passed else "FAIL"
    lines = [f"Gate: {status} ({threshold})"]
    lines += [f"  {reason}" for reason in result.reasons]
    if result.growth is not None and not result.growth.grew:
        lines.append("  nothing grew since the baseline")
    if result.growth is not None and result.growth.changed_versions:
        lines.append("  version changes (not growth): " + "; ".join(result.growth.changed_versions))
    if result.growth is not None and result.growth.changed_paths:
        lines.append("  path changes (not growth): " + "; ".join(result.growth.changed_paths))
    lines += [f"  note: {note}" for note in result.notes]
    if result.growth is not None and result.growth.waived:
        lines += [f"  waived: {w}" for w in result.growth.waived]
    if not result.passed and config.exit_zero:
        lines.append("  --exit-zero: exiting 0 anyway")
    return "\n".join(lines)


def with_baseline(config: GateConfig, path: Path | None) -> GateConfig:
    return replace(config, baseline_path=path)
