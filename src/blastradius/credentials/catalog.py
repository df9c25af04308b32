"""The provider catalog (``data/providers.json``), loaded once, and the questions every finder
asks of it: is this name a credential, whose, of which kind; which env vars does a LiteLLM
model prefix, a callback or an SDK package imply; does this literal look like a real key.

Only names that hold credentials count (``secret_env_vars`` or a secret-looking name):
selectors such as ``OPENAI_BASE_URL`` or ``AWS_REGION`` are not credentials.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any, Iterable

from blastradius.model import normalise_name

_CATEGORY_KIND = {
    "llm-provider": "provider-key",
    "proxy-secret": "gateway-admin",
    "infra": "datastore",
    "observability": "observability",
    "alerting": "observability",
    "generic": "other-secret",
}

# Names that look like they hold a secret although no catalog entry claims them.
_SECRET_NAME = re.compile(
    r"(?:^|_)(?:API_?KEYS?|APIKEY|SECRET|SECRETS|TOKEN|PASSWORD|PASSWD|PASSPHRASE|PWD"
    r"|CREDENTIALS?|PRIVATE_KEY|ACCESS_KEY|SECRET_KEY|MASTER_KEY|SALT_KEY|SIGNING_KEY"
    r"|ENCRYPTION_KEY|AUTH_KEY|SERVICE_KEY|LICENSE_KEY|ACCESS_KEY_ID|DSN|WEBHOOK_URL"
    r"|DATABASE_URL|DB_URL|CONNECTION_STRING|CONN_STR)(?:$|_)"
    # only as the last word: ``MONGO_ROOT_PASS``, ``KEY_HASH_SALT``, ``OPENROUTER_COOKIE`` hold
    # secrets, ``PASS_THROUGH_*`` or ``COOKIE_SECURE`` do not
    r"|(?:^|_)(?:PASS|SALT|PEPPER|COOKIE|COOKIES)$"
)
# ...but not these: limits and counters that merely mention tokens, and file/path/id pointers.
_NOT_SECRET_NAME = re.compile(
    r"(?:^|_)(?:MAX|MIN|NUM|COUNT|LIMIT|LIMITS|BUDGET|USAGE|USED|PER|TTL|EXPIRY|EXPIRES|EXPIRATION"
    r"|LENGTH|LEN|SIZE|TIMEOUT|HEADER|HEADERS|NAME|NAMES|FILE|PATH|DIR|ID|URI_ONLY|ENABLED"
    r"|ENABLE|DISABLE|DISABLED|REQUIRED|TYPE|MODE|FORMAT|PREFIX|ROTATION|REFRESH_INTERVAL|ARN|REF)$"
    r"|(?:^|_)(?:MAX|MIN|NUM)_TOKENS?(?:_|$)|TOKENIZER|_TOKENS_"
    # switches named for what they switch: ``ENABLE_KUBERNETES_SECRETS``, ``REQUIRE_API_KEYS_FOR_AGENTS``
    r"|^(?:ENABLE|DISABLE|REQUIRE|REQUIRES|ALLOW|SKIP|USE|IS|HAS|SHOW|HIDE|REDACT|MASK)_"
)
_DATASTORE_NAME = re.compile(
    r"(?:POSTGRES|PG|MYSQL|MARIADB|MONGO|MONGODB|REDIS|DATABASE|DB|SQL|CLICKHOUSE|ELASTIC|QDRANT"
    r"|PINECONE|WEAVIATE|SUPABASE)"
)
_SELECTOR_NAME = re.compile(
    r"(?:^|_)(?:URL|URI|BASE|API_BASE|BASE_URL|HOST|HOSTNAME|PORT|REGION|LOCATION|ENDPOINT|USERNAME|USER"
    r"|EMAIL|ENABLED|DISABLED|PROJECT|PROJECT_ID|ACCOUNT_ID|TENANT_ID|CLIENT_ID|ORG|ORG_ID|ORGANIZATION"
    r"|VERSION|MODEL|NAME|ID|REF|ARN|DB|DATABASE)$"
)
# Literal fragments, one of which occurs in every match of a built-in key pattern (kept next
# to providers.json: a new built-in pattern needs its fragment here; tests check each pattern).
_BUILTIN_ANCHORS = (
    "sk-", "sk_", "T3BlbkFJ", "Q~", "A3T", "AKIA", "ASIA", "ABIA", "ACCA", "ABSK", "bedrock-api-key",
    "-----BEGIN", "service_account", "AIza", "gsk_", "fw_", "r8_", "hf_", "api_org_", "pplx-", "xai-", "pa-",
    "csk-", "dapi", "nvapi-", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "eyJ", "://",
    "hooks.slack.com", "xox", "sntryu_", "SG.", "re_", "pcsk_", "pk-lf-", "lsv2_",
)
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Provider:
    id: str
    name: str
    category: str
    env_vars: tuple[str, ...]
    secret_env_vars: tuple[str, ...]
    default_env_vars: tuple[str, ...]
    litellm_prefixes: tuple[str, ...]
    litellm_callbacks: tuple[str, ...]
    implied_by_packages: tuple[str, ...]
    public_prefixes: tuple[str, ...]
    kind_overrides: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    key_patterns: tuple[LazyPattern, ...] = field(default=(), hash=False, compare=False)
    key_pattern_context: str | None = None

    def kind_of(self, name: str) -> str:
        return self.kind_overrides.get(name) or _CATEGORY_KIND.get(self.category, "other-secret")


def _tuple(entry: dict[str, Any], key: str) -> tuple[str, ...]:
    return tuple(str(v) for v in entry.get(key) or ())


def provider_from_entry(entry: dict[str, Any]) -> Provider:
    """Build a :class:`Provider` from one ``providers.json``-shaped entry (also used for the
    user's ``[tool.blastradius.providers]`` entries, already validated by ``load_config``)."""
    secrets = _tuple(entry, "secret_env_vars")
    context = entry.get("key_pattern_context")
    return Provider(
        id=str(entry["id"]),
        name=str(entry.get("name") or entry["id"]),
        category=str(entry.get("category") or "llm-provider"),
        env_vars=_tuple(entry, "env_vars"),
        secret_env_vars=secrets,
        default_env_vars=_tuple(entry, "default_env_vars") or secrets[:1],
        litellm_prefixes=_tuple(entry, "litellm_prefixes"),
        litellm_callbacks=_tuple(entry, "litellm_callbacks"),
        implied_by_packages=tuple(normalise_name(p) for p in _tuple(entry, "implied_by_packages")),
        public_prefixes=_tuple(entry, "public_prefixes"),
        kind_overrides=dict(entry.get("kind_overrides") or {}),
        key_patterns=tuple(LazyPattern(p) for p in _tuple(entry, "key_patterns")),
        key_pattern_context=str(context) if context else None,
    )


class LazyPattern:
    """A regular expression compiled on first use. The catalog holds ~130 key patterns and
    most scans run none of them (the literal-fragment pre-check finds no candidate line), so
    compiling them all up front was a tenth of a second of every scan."""

    __slots__ = ("pattern", "_compiled")

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self._compiled: re.Pattern[str] | None = None

    def __getattr__(self, name: str) -> Any:
        compiled = self._compiled
        if compiled is None:
            compiled = self._compiled = re.compile(self.pattern)
        return getattr(compiled, name)

    def __repr__(self) -> str:
        return f"LazyPattern({self.pattern!r})"


@lru_cache(maxsize=1)
def _builtin_entries() -> tuple[dict[str, Any], ...]:
    text = resources.files("blastradius.data").joinpath("providers.json").read_text("utf-8")
    return tuple(json.loads(text))


@dataclass(frozen=True)
class Classification:
    provider_id: str
    provider_name: str
    kind: str


class Catalog:
    """Lookup tables over the providers. Earlier entries win a shared name (``AWS_*`` belongs
    to Bedrock, listed before SageMaker); user entries come first so they can claim names."""

    def __init__(self, providers: Iterable[Provider]) -> None:
        self.providers: tuple[Provider, ...] = tuple(providers)
        self.by_id: dict[str, Provider] = {}
        self._secret: dict[str, Provider] = {}
        self._selector: set[str] = set()
        self._prefix: dict[str, Provider] = {}
        self._callback: dict[str, list[Provider]] = {}
        self._package: dict[str, list[Provider]] = {}
        for provider in self.providers:
            self.by_id.setdefault(provider.id, provider)
            for name in provider.secret_env_vars:
                self._secret.setdefault(name, provider)
            for name in provider.env_vars:
                if name not in provider.secret_env_vars:
                    self._selector.add(name)
            for prefix in provider.litellm_prefixes:
                self._prefix.setdefault(prefix.rstrip("/").lower(), provider)
            for callback in provider.litellm_callbacks:
                self._callback.setdefault(callback.lower(), []).append(provider)
            for package in provider.implied_by_packages:
                self._package.setdefault(package, []).append(provider)
        self._patterns: tuple[tuple[Provider, re.Pattern[str]], ...] = tuple(
            (p, pattern) for p in self.providers if not p.key_pattern_context for pattern in p.key_patterns
        )

    # -- names -------------------------------------------------------------------------
    def is_credential_name(self, name: str) -> bool:
        if name in self._secret:
            return True
        if name in self._selector or not _ENV_NAME.match(name):
            return False
        return looks_secret(name)

    def is_selector_name(self, name: str) -> bool:
        """A name that selects or addresses something rather than proving identity (base URLs,
        hosts, regions, user names, switches). Used where every name is a candidate, such as
        GitHub secrets: ``AWS_REGION`` stored as a secret is still not a credential."""
        if name in self._secret:
            return False
        if name in self._selector:
            return True
        return bool(_SELECTOR_NAME.search(name.upper())) and not looks_secret(name)

    def classify(self, name: str) -> Classification:
        provider = self._secret.get(name)
        if provider is not None:
            return Classification(provider.id, provider.name, provider.kind_of(name))
        upper = name.upper()
        if ("PASSWORD" in upper or "DATABASE_URL" in upper or "DB_URL" in upper) and _DATASTORE_NAME.search(upper):
            return Classification("", "", "datastore")
        return Classification("", "", "other-secret")

    # -- implications ------------------------------------------------------------------
    def provider_for_model(self, model: str) -> Provider | None:
        """Provider of a LiteLLM ``model`` string: the text before the first ``/`` when it is
        a known prefix, else LiteLLM's own inference for bare OpenAI / Anthropic model names."""
        text = model.strip().lower()
        if "/" in text:
            head = text.split("/", 1)[0]
            return self._prefix.get(head)
        if re.match(r"(gpt-|o[1-9](-|$)|chatgpt-|text-embedding-|dall-e|whisper|tts-|davinci|babbage)", text):
            return self.by_id.get("openai")
        if text.startswith("claude-"):
            return self.by_id.get("anthropic")
        return None

    def providers_for_callback(self, callback: str) -> list[Provider]:
        return list(self._callback.get(callback.strip().lower(), ()))

    def providers_for_package(self, package: str) -> list[Provider]:
        return list(self._package.get(normalise_name(package), ()))

    # -- values --------------------------------------------------------------------------
    def match_value(self, value: str) -> tuple[Provider, str | None] | None:
        """The provider whose key pattern a literal matches (patterns that need a context
        keyword are not trusted alone), with the public prefix to show in its fingerprint."""
        for provider, pattern in self._patterns:
            if pattern.search(value):
                return provider, self.public_prefix(provider, value)
        return None

    def public_prefix(self, provider: Provider | None, value: str) -> str | None:
        if provider is None:
            return None
        for prefix in sorted(provider.public_prefixes, key=len, reverse=True):
            if value.startswith(prefix):
                return prefix
        return None

    @property
    def _combined(self) -> re.Pattern[str]:
        combined = self.__dict__.get("_combined_re")
        if combined is None:
            combined = re.compile("|".join(f"(?:{p.pattern})" for _, p in self._patterns) or r"(?!x)x")
            self.__dict__["_combined_re"] = combined
        return combined

    @property
    def _user_combined(self) -> re.Pattern[str] | None:
        """User-added patterns have no known literal fragment: they are run over whole texts."""
        if "_user_re" not in self.__dict__:
            builtin_ids = {e["id"] for e in _builtin_entries()}
            extra = [p.pattern for prov, p in self._patterns if prov.id not in builtin_ids]
            self.__dict__["_user_re"] = re.compile("|".join(f"(?:{x})" for x in extra)) if extra else None
        return self.__dict__["_user_re"]

    def _candidate_lines(self, text: str) -> list[tuple[int, int]]:
        """(start, end) of the lines holding a literal fragment of some key pattern, found with
        ``str.find`` (fast), so the full patterns run on a few lines instead of the whole file."""
        spans: set[tuple[int, int]] = set()
        for fragment in _BUILTIN_ANCHORS:
            index = text.find(fragment)
            while index >= 0:
                start = text.rfind("\n", 0, index) + 1
                end = text.find("\n", index)
                end = len(text) if end < 0 else end
                spans.add((start, end))
                index = text.find(fragment, end)
        user = self._user_combined
        if user is not None:
            for match in user.finditer(text):
                start = text.rfind("\n", 0, match.start()) + 1
                end = text.find("\n", match.end())
                spans.add((start, len(text) if end < 0 else end))
        return sorted(spans)

    def scan_text(self, text: str) -> Iterable[tuple[Provider, str, int]]:
        """Every key-shaped literal in free text (hard-coded keys in code or config):
        (provider, the key itself, offset)."""
        done_until = -1
        for start, end in self._candidate_lines(text):
            if start < done_until:
                continue
            done_until = end
            for match in self._combined.finditer(text, start, end):
                chunk = match.group(0)
                for provider, pattern in self._patterns:
                    found = pattern.search(chunk)
                    if found:
                        value = found.group(1) if pattern.groups and found.group(1) else found.group(0)
                        yield provider, value, match.start()
                        break


def looks_secret(name: str) -> bool:
    upper = name.upper()
    if not _SECRET_NAME.search(upper):
        return False
    return upper.endswith("ACCESS_KEY_ID") or not _NOT_SECRET_NAME.search(upper)


@lru_cache(maxsize=1)
def builtin_catalog() -> Catalog:
    return Catalog(provider_from_entry(e) for e in _builtin_entries())


def catalog_for(extra_entries: Iterable[dict[str, Any]] = ()) -> Catalog:
    extra = tuple(extra_entries)
    if not extra:
        return builtin_catalog()
    return Catalog([*(provider_from_entry(e) for e in extra), *builtin_catalog().providers])
