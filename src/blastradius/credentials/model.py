"""The credential inventory: which secrets a project's processes hold, where each is named,
and which unit (runtime process, a CI job, a declared unit) holds it.

Why no value is ever stored here: the inventory is rendered into every report format, logged,
and compared across runs. A literal secret found in the repository is reduced to a redacted
fingerprint (:func:`blastradius.credentials.redact.fingerprint`) inside the finder that read
it, so no object below can leak it -- not even through ``repr``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from blastradius.model import Location

# Kinds, in the order reports list them.
KINDS = ("provider-key", "cloud", "gateway-admin", "datastore", "observability", "other-secret")

RUNTIME_UNIT = "runtime"


def ci_unit(workflow: str, job: str) -> str:
    """Unit name of a GitHub Actions job: ``ci:<workflow file>:<job>``."""
    return f"ci:{workflow}:{job}"


def _location_dict(location: Location) -> dict[str, Any]:
    return {"path": location.path, "line": location.line}


@dataclass(frozen=True, order=True)
class CredentialLocation:
    """One place a credential is named, and how it was found there.

    ``how`` is a short, stable phrase ("python os.environ.get", "litellm api_key",
    "implied by model prefix bedrock/", "implied by package boto3", "dotenv",
    "compose environment", "github secret" ...). ``detail`` adds context (a config key
    path, the compose service, the Kubernetes secret name) -- never a value.
    An implied-by-package location has an empty path: the package, not a file, names it.
    """

    location: Location
    how: str
    unit: str = RUNTIME_UNIT
    detail: str = ""

    def __str__(self) -> str:
        where = str(self.location) if self.location.path else ""
        if self.how.startswith("implied by"):
            return f"{self.how} in {where}" if where else self.how
        return where

    def to_dict(self) -> dict[str, Any]:
        return {
            "location": _location_dict(self.location),
            "how": self.how,
            "unit": self.unit,
            "detail": self.detail,
        }


@dataclass(frozen=True, order=True)
class Credential:
    """A credential by name (usually an environment variable), its provider and kind, and every
    place the project names it. ``provider_id``/``provider_name`` are empty for a secret-looking
    name no catalog entry claims (kind ``other-secret``). ``fingerprints`` are the redacted
    fingerprints of literal values found for it in the repository (see ``plaintext_secrets``)."""

    name: str
    provider_id: str
    provider_name: str
    kind: str
    locations: tuple[CredentialLocation, ...] = ()
    units: tuple[str, ...] = ()
    fingerprints: tuple[str, ...] = ()

    @property
    def implied_only(self) -> bool:
        """True when no file names the credential; only a model prefix, callback or package
        implies it."""
        return all(loc.how.startswith("implied by") for loc in self.locations)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "provider_id": self.provider_id,
            "provider_name": self.provider_name,
            "kind": self.kind,
            "locations": [loc.to_dict() for loc in sorted(self.locations)],
            "units": sorted(self.units),
            "fingerprints": sorted(self.fingerprints),
        }


@dataclass(frozen=True, order=True)
class PlaintextSecret:
    """A literal secret value committed to the repository: "plaintext secret in repository".
    Only its redacted fingerprint is kept."""

    name: str
    location: Location
    fingerprint: str
    provider_id: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "location": _location_dict(self.location),
            "fingerprint": self.fingerprint,
            "provider_id": self.provider_id,
        }


@dataclass(frozen=True)
class UnitSpec:
    """A unit the user declared in ``[tool.blastradius.units.NAME]``: the files that belong
    to it (paths or globs relative to the project root) and the dependency groups it installs
    (used by scoring to decide which packages sit next to its credentials)."""

    name: str
    paths: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class CredentialConfig:
    """User configuration for the inventory: extra catalog entries and declared units.

    ``providers`` holds catalog entries in the ``providers.json`` shape (plain dicts, already
    validated). ``max_file_size`` bounds what the walk reads.
    """

    providers: tuple[dict[str, Any], ...] = ()
    units: tuple[UnitSpec, ...] = ()
    max_file_size: int = 2 * 1024 * 1024


@dataclass(frozen=True)
class CredentialInventory:
    credentials: tuple[Credential, ...] = ()
    plaintext_secrets: tuple[PlaintextSecret, ...] = ()
    skipped: dict[str, int] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    files_scanned: int = 0

    def by_name(self, name: str) -> Credential | None:
        for credential in self.credentials:
            if credential.name == name:
                return credential
        return None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.credentials)

    @property
    def provider_ids(self) -> tuple[str, ...]:
        return tuple(sorted({c.provider_id for c in self.credentials if c.provider_id}))

    def to_dict(self) -> dict[str, Any]:
        return {
            "credentials": [c.to_dict() for c in sorted(self.credentials)],
            "plaintext_secrets": [p.to_dict() for p in sorted(self.plaintext_secrets)],
            "skipped": {k: self.skipped[k] for k in sorted(self.skipped)},
            "warnings": sorted(self.warnings),
            "files_scanned": self.files_scanned,
        }
