"""Plain results of the capability analysis.

Why frozen dataclasses with explicit ``to_dict()``: the scan caches these by artifact hash and
every report format renders them, so they must round-trip through JSON byte-identically and be
safe to share between processes. Nothing in here ever holds a secret value: evidence messages
name things (an env var name, a file path, the length and hash of an encoded blob), never the
content.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SEVERITIES = ("info", "medium", "high", "critical")
VERDICTS = ("clean", "info", "medium", "high", "critical")
_RANK = {name: rank for rank, name in enumerate(VERDICTS)}

# Every capability label the rules can attach, in report order.
CAPABILITIES = (
    "pth-exec",
    "startup-hook",
    "exec-decoded",
    "encoded-payload",
    "obfuscation",
    "env-harvest",
    "env-read",
    "credential-files",
    "network",
    "subprocess",
    "persistence",
    "download-exec",
    "import-time-code",
    "install-time-code",
)


def severity_rank(severity: str) -> int:
    """Order of a severity or verdict ("clean" lowest, "critical" highest)."""
    return _RANK.get(severity, 0)


def worst(severities: Any) -> str:
    """The highest verdict among ``severities`` ("clean" when empty)."""
    best = "clean"
    for severity in severities:
        if _RANK.get(severity, 0) > _RANK[best]:
            best = severity
    return best


@dataclass(frozen=True, order=True)
class Evidence:
    """One reason for a verdict: which rule fired where.

    ``path`` is the member path inside the artifact (or relative to site-packages), POSIX
    separators; ``line`` is 1-based or ``None`` for whole-file findings.
    """

    rule_id: str
    severity: str
    path: str
    line: int | None
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "severity": self.severity,
            "path": self.path,
            "line": self.line,
            "message": self.message,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Evidence:
        return cls(data["rule_id"], data["severity"], data["path"], data["line"], data["message"])

    def sort_key(self) -> tuple[int, str, str, int, str]:
        """Worst first, then by place: the order reports show evidence in."""
        return (-severity_rank(self.severity), self.path, self.rule_id, self.line or 0, self.message)


@dataclass(frozen=True)
class PackageAnalysis:
    """What one distribution's code can do, and the verdict that follows.

    ``env_names`` is the package's *direct reach* into the credential inventory: the
    environment variables its code reads by literal name. ``artifact`` is the artifact file name,
    or ``"site-packages"`` for an installed distribution. ``notes`` carries honest caveats
    (files that could not be parsed, limits hit) that are not findings.
    """

    name: str
    version: str | None
    artifact: str
    sha256: str | None
    capabilities: tuple[str, ...] = ()
    env_names: tuple[str, ...] = ()
    verdict: str = "clean"
    evidence: tuple[Evidence, ...] = ()
    files_scanned: int = 0
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "artifact": self.artifact,
            "sha256": self.sha256,
            "capabilities": list(self.capabilities),
            "env_names": list(self.env_names),
            "verdict": self.verdict,
            "evidence": [e.to_dict() for e in self.evidence],
            "files_scanned": self.files_scanned,
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PackageAnalysis:
        return cls(
            name=data["name"],
            version=data.get("version"),
            artifact=data["artifact"],
            sha256=data.get("sha256"),
            capabilities=tuple(data.get("capabilities", ())),
            env_names=tuple(data.get("env_names", ())),
            verdict=data.get("verdict", "clean"),
            evidence=tuple(Evidence.from_dict(e) for e in data.get("evidence", ())),
            files_scanned=int(data.get("files_scanned", 0)),
            notes=tuple(data.get("notes", ())),
        )

    @property
    def is_blocking(self) -> bool:
        """High or critical: what ``inspect`` exits 1 on and what the score treats as likely."""
        return severity_rank(self.verdict) >= severity_rank("high")


@dataclass(frozen=True)
class HashMismatch:
    """A fetched artifact whose sha256 is not among the lock's hashes for that pin."""

    name: str
    version: str
    artifact: str
    sha256: str
    expected: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "artifact": self.artifact,
            "sha256": self.sha256,
            "expected": sorted(self.expected),
        }


@dataclass
class FetchResult:
    """Outcome of ``--fetch``: what was analysed, what was not (and why), and hash mismatches."""

    analyses: dict[str, PackageAnalysis] = field(default_factory=dict)
    not_analysed: dict[str, str] = field(default_factory=dict)
    hash_mismatches: list[HashMismatch] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "analyses": {k: self.analyses[k].to_dict() for k in sorted(self.analyses)},
            "not_analysed": {k: self.not_analysed[k] for k in sorted(self.not_analysed)},
            "hash_mismatches": [
                m.to_dict() for m in sorted(self.hash_mismatches, key=lambda m: (m.name, m.artifact))
            ],
        }
