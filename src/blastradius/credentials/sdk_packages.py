"""SDK packages in the resolved graph imply their provider's credential even when the project
never names it: the SDK reads the env var itself (``anthropic`` -> ``ANTHROPIC_API_KEY``,
``boto3`` -> the AWS keys). Only a provider's *own* SDK counts (``implied_by_packages`` in the
catalog): ``openai`` implies OpenAI, not every OpenAI-compatible host that reuses it."""

from __future__ import annotations

from typing import Iterable, Iterator

from blastradius.credentials._base import Finding
from blastradius.credentials.catalog import Catalog
from blastradius.model import Location, normalise_name


def find(package_names: Iterable[str], catalog: Catalog) -> Iterator[Finding]:
    for package in sorted({normalise_name(p) for p in package_names if p}):
        for provider in catalog.providers_for_package(package):
            for name in provider.default_env_vars:
                yield Finding(name, Location(""), f"implied by package {package}", provider.name,
                              unit="runtime", provider_hint=provider.id)
