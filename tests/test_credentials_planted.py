"""Secrets never leak: the planted project (``fixtures/credentials/planted``) holds fake keys
for several providers in ``.env``, LiteLLM YAML, compose, Python, a Dockerfile, a shell script,
a Kubernetes Secret and a workflow. The inventory must find them -- as names and fingerprints
-- and no value, nor any 12-character piece of one, may appear in its data, its ``repr``, its
warnings, or any error message.

The lead extends this to every rendered output format (reuse ``planted_secrets``).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import fields, is_dataclass
from pathlib import Path

import pytest
from planted_secrets import FIXTURE, PLANTED, assert_no_leak

from blastradius.credentials import find_credentials, load_config
from blastradius.errors import BlastRadiusError, ConfigError

PACKAGES = ["anthropic", "boto3", "openai", "litellm"]


def test_fixture_really_contains_every_planted_value():
    corpus = "\n".join(p.read_text() for p in FIXTURE.rglob("*") if p.is_file())
    for label, value in PLANTED.items():
        assert value in corpus, f"{label} is not planted in the fixture"


@pytest.fixture(scope="module")
def inventory():
    return find_credentials(FIXTURE, PACKAGES)


def _walk_objects(obj, seen=None):
    """Every object reachable from the inventory (dataclasses, tuples, dicts)."""
    seen = seen if seen is not None else set()
    if id(obj) in seen:
        return
    seen.add(id(obj))
    yield obj
    if is_dataclass(obj):
        for f in fields(obj):
            yield from _walk_objects(getattr(obj, f.name), seen)
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield from _walk_objects(k, seen)
            yield from _walk_objects(v, seen)
    elif isinstance(obj, (list, tuple, set, frozenset)):
        for item in obj:
            yield from _walk_objects(item, seen)


def test_planted_values_are_found_as_plaintext_secrets(inventory):
    found = {(p.name, p.location.path) for p in inventory.plaintext_secrets}
    expected = {
        ("OPENAI_API_KEY", ".env"), ("ANTHROPIC_API_KEY", ".env"), ("LITELLM_MASTER_KEY", ".env"),
        ("DATABASE_URL", ".env"), ("groq-llama.api_key", "proxy/config.yaml"),
        ("LITELLM_MASTER_KEY", "proxy/config.yaml"), ("LANGFUSE_SECRET_KEY", "proxy/config.yaml"),
        ("litellm_settings.cache_params.password", "proxy/config.yaml"), ("HF_TOKEN", "docker-compose.yml"),
        ("REDIS_PASSWORD", "docker-compose.yml"), ("GEMINI_API_KEY", "app/main.py"), ("api_key", "app/main.py"),
        ("XAI_API_KEY", "app/main.py"), ("GATEWAY_ADMIN_TOKEN", "app/settings.py"),
        ("AWS_ACCESS_KEY_ID", "Dockerfile"), ("AWS_SECRET_ACCESS_KEY", "Dockerfile"),
        ("COHERE_API_KEY", "deploy.sh"), ("MISTRAL_API_KEY", "k8s/secret.yaml"),
        ("SERVICE_TOKEN", ".github/workflows/ci.yml"),
    }
    assert expected <= found, sorted(expected - found)
    providers = {p.name: p.provider_id for p in inventory.plaintext_secrets if p.location.path == ".env"}
    assert providers["ANTHROPIC_API_KEY"] == "anthropic" and providers["OPENAI_API_KEY"] == "openai"
    # every fingerprint is in the documented shape
    for secret in inventory.plaintext_secrets:
        shown, _, digest = secret.fingerprint.partition("#")
        assert "…" in shown and len(digest) == 8 and len(shown) <= 6 + 1 + 4


def test_names_providers_and_units(inventory):
    names = set(inventory.names)
    assert {"OPENAI_API_KEY", "ANTHROPIC_API_KEY", "AWS_ACCESS_KEY_ID", "LITELLM_MASTER_KEY", "HF_TOKEN",
            "MISTRAL_API_KEY", "COHERE_API_KEY", "XAI_API_KEY", "GEMINI_API_KEY", "LANGFUSE_SECRET_KEY"} <= names
    assert inventory.by_name("OPENAI_API_KEY").units == ("ci:ci.yml:test", "runtime")
    assert "COMMENTED_API_KEY" not in names and "OPENAI_BASE_URL" not in names and "AWS_REGION" not in names


def test_no_value_in_data_repr_or_warnings(inventory):
    assert_no_leak(json.dumps(inventory.to_dict(), ensure_ascii=False), "to_dict()")
    assert_no_leak(repr(inventory), "repr(inventory)")
    for obj in _walk_objects(inventory):
        assert_no_leak(repr(obj), f"repr({type(obj).__name__})")
        assert_no_leak(str(obj), f"str({type(obj).__name__})")
    assert len(inventory.warnings) == 2  # broken/bad.py and broken/config.yaml
    assert_no_leak("\n".join(inventory.warnings), "warnings")


def test_no_value_in_error_messages(tmp_path):
    bad = tmp_path / "pyproject.toml"
    bad.write_text(f"[tool.blastradius.providers.leaky]\nsecret_env_vars = ['{PLANTED['OPENAI_API_KEY']}']\n")
    with pytest.raises(ConfigError) as info:
        load_config({"tool": {"blastradius": {"providers": {"leaky": {
            "secret_env_vars": [PLANTED["OPENAI_API_KEY"]]}}}}}, bad)
    # the offending entry is not an env var name; the message must not echo it
    assert_no_leak(info.value.one_line(), "ConfigError")
    assert_no_leak(str(info.value), "ConfigError")


def test_no_value_in_warnings_for_each_broken_format(tmp_path):
    secret = PLANTED["BROKEN_YAML"]
    (tmp_path / "proxy.yaml").write_text(f"model_list:\n  - {{api_key: {secret}\n  bad: [{secret}\n")
    (tmp_path / "workflow").mkdir()
    wf = tmp_path / ".github" / "workflows"
    wf.mkdir(parents=True)
    (wf / "ci.yml").write_text(f"jobs:\n  a:\n    env: {{K: {secret}, T: ${{{{ secrets.T }}}}\n  b: [\n")
    (tmp_path / "svc.py").write_text(f"import os\nos.getenv('X_API_KEY', '{PLANTED['BROKEN_PY']}'\n")
    (tmp_path / "k8s.yaml").write_text(f"apiVersion: v1\nkind: Secret\nstringData:\n  A_TOKEN: \"{secret}\n")
    inv = find_credentials(tmp_path)
    assert len(inv.warnings) == 4, inv.warnings
    text = "\n".join(inv.warnings) + repr(inv) + json.dumps(inv.to_dict())
    assert_no_leak(text, "broken-file warnings")


def test_no_value_reaches_error_for_unreadable_project(tmp_path):
    # an error path of the walk itself: a project path that is a file, not a directory
    target = tmp_path / "copy"
    shutil.copytree(FIXTURE, target)
    inv = find_credentials(target / ".env")
    assert inv.names == () and inv.files_scanned == 0


def test_errors_are_blastradius_errors():
    assert issubclass(ConfigError, BlastRadiusError)


def test_project_path_does_not_leak_into_results(inventory):
    text = json.dumps(inventory.to_dict())
    assert str(Path(FIXTURE)) not in text
