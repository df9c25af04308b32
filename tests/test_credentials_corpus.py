"""Real-world accuracy: on the real gateway projects copied under ``fixtures/corpus`` the
inventory names the credentials their configs, env templates and workflows name -- and not
the selectors (base URLs, regions, ports) next to them."""

from __future__ import annotations

from pathlib import Path

import pytest

from blastradius.credentials import find_credentials

CORPUS = Path(__file__).resolve().parent.parent / "fixtures" / "corpus"


def inv(project: str, packages=()):
    return find_credentials(CORPUS / project, packages)


def where(inventory, name):
    credential = inventory.by_name(name)
    assert credential is not None, f"{name} missing; found {inventory.names}"
    return {str(loc.location) for loc in credential.locations}


def test_vandamme_proxy_env_examples():
    i = inv("CedarVerse__vandamme-proxy")
    assert where(i, "OPENAI_API_KEY") == {".env.example:3", "examples/multi-provider.env:5"}
    assert where(i, "ANTHROPIC_API_KEY") == {"examples/anthropic-direct.env:5", "examples/multi-provider.env:9"}
    assert where(i, "AZURE_API_KEY") == {"examples/multi-provider.env:19"}
    for name in ("PROXY_API_KEY", "BEDROCK_API_KEY", "BEDROCK_SECRET_KEY", "VERTEX_API_KEY"):
        assert i.by_name(name).kind == "other-secret"
    # selectors and commented-out examples are not credentials
    for name in ("OPENAI_BASE_URL", "AZURE_API_VERSION", "AWS_REGION", "POE_API_KEY", "MAX_TOKENS_LIMIT"):
        assert name not in i.names
    # every value there is a placeholder ("sk-your-...", "sk-ant-...", "your-azure-key")
    assert i.plaintext_secrets == ()
    assert i.by_name("CODECOV_TOKEN").units == ("ci:ci.yml:tests",)


def test_litellm_proxy_headroom():
    i = inv("pankaj28843__litellm-proxy-headroom")
    assert where(i, "LITELLM_MASTER_KEY") == {".env.example:58", "docker-compose.yml:150"}
    assert i.by_name("LITELLM_MASTER_KEY").kind == "gateway-admin"
    # the example master key is a literal value, reported only by fingerprint
    master = [p for p in i.plaintext_secrets if p.name == "LITELLM_MASTER_KEY"]
    assert [str(p.location) for p in master] == [".env.example:58"]
    assert "sk-local-dev" not in master[0].fingerprint
    assert i.by_name("PHOENIX_DB_PASSWORD").kind == "datastore"
    # chatgpt/ is not a catalog prefix: no implied keys; the YAML names no os.environ/ keys
    assert not any(loc.location.path == "config/litellm.yaml" for c in i.credentials for loc in c.locations)
    assert "CHATGPT_AUTH_FILE" not in i.names and "HEADROOM_ANALYTICS_URL" not in i.names


def test_litellm_langfuse_gateway():
    i = inv("markwuenschel-dev__litellm-langfuse-gateway")
    config = "infra/llm-gateway/litellm-config.yaml"
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "XAI_API_KEY", "MOONSHOT_API_KEY"):
        assert any(w.startswith(config + ":") for w in where(i, name)), name
        assert any(w.startswith("infra/llm-gateway/.env.example:") for w in where(i, name)), name
        assert i.by_name(name).kind == "provider-key"
    assert where(i, "OPENAI_API_KEY") >= {"infra/llm-gateway/.env.example:111", f"{config}:23"}
    for name in ("LITELLM_MASTER_KEY", "LITELLM_SALT_KEY"):
        assert i.by_name(name).kind == "gateway-admin"
    assert {"LANGFUSE_PUBLIC_KEY", "LANGFUSE_SECRET_KEY", "DATABASE_URL", "POSTGRES_PASSWORD", "REDIS_PASSWORD",
            "LITELLM_VIRTUAL_KEY"} <= set(i.names)
    assert any(loc.how == "implied by callback langfuse" for loc in i.by_name("LANGFUSE_SECRET_KEY").locations)
    # selectors next to them are not credentials
    for name in ("LANGFUSE_HOST", "LITELLM_PORT", "POSTGRES_USER", "AZURE_API_BASE"):
        assert name not in i.names
    # CI holds the master key in its own unit
    assert any(u.startswith("ci:live-smoke.yml:") for u in i.by_name("LITELLM_MASTER_KEY").units)


def test_berriai_litellm_proxy_configs():
    i = inv("BerriAI__litellm")
    base = "litellm/proxy/proxy_config.yaml"
    assert f"{base}:5" in where(i, "OPENAI_API_KEY")
    aws = i.by_name("AWS_ACCESS_KEY_ID")
    assert aws.kind == "cloud" and aws.provider_id == "bedrock"
    assert any(loc.how == "implied by model prefix bedrock/" and loc.location.path == base for loc in aws.locations)
    assert f"{base}:52" in where(i, "LITELLM_MASTER_KEY")
    assert [p.location.path for p in i.plaintext_secrets if p.name == "LITELLM_MASTER_KEY"].count(base) == 1
    assert "litellm/proxy/example_config_yaml/azure_config.yaml:15" in where(i, "AZURE_API_KEY")
    assert i.by_name("LANGFUSE_PUBLIC_KEY") is not None
    assert "AWS_REGION_NAME" not in i.names


def test_any_llm_workflow_secrets_with_jobs():
    i = inv("mozilla-ai__any-llm")
    job = "ci:tests-integration.yaml:run-integration-tests"
    expected = {"ANTHROPIC_API_KEY", "AWS_BEARER_TOKEN_BEDROCK", "AZURE_OPENAI_API_KEY", "CEREBRAS_API_KEY",
                "DEEPSEEK_API_KEY", "FIREWORKS_API_KEY", "GEMINI_API_KEY", "GROQ_API_KEY", "MISTRAL_API_KEY",
                "MOONSHOT_API_KEY", "NEBIUS_API_KEY", "OPENAI_API_KEY", "OPENROUTER_API_KEY", "SAMBANOVA_API_KEY",
                "TOGETHER_API_KEY", "VOYAGE_API_KEY", "XAI_API_KEY", "ZAI_API_KEY", "MINIMAX_API_KEY"}
    for name in expected:
        assert job in i.by_name(name).units, name
        assert i.by_name(name).provider_id, name
    assert i.by_name("AWS_BEARER_TOKEN_BEDROCK").kind == "cloud"
    assert "runtime" not in i.by_name("OPENAI_API_KEY").units
    assert {"INCEPTION_API_KEY", "PORTKEY_API_KEY", "GATEWAY_MASTER_KEY"} <= set(i.names)


@pytest.mark.parametrize("project, expected", [
    ("1rgs__claude-code-proxy", {"ANTHROPIC_API_KEY", "OPENAI_API_KEY", "GEMINI_API_KEY"}),
    ("fuergaosi233__claude-code-proxy", {"ANTHROPIC_API_KEY", "OPENAI_API_KEY"}),
    ("Nayjest__lm-proxy", {"OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GOOGLE_API_KEY"}),
    ("Portkey-AI__portkey-python-sdk", {"PORTKEY_API_KEY", "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "COHERE_API_KEY",
                                        "ANYSCALE_API_KEY"}),
    ("andrewyng__aisuite", {"OPENAI_API_KEY", "ANTHROPIC_API_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                            "AZURE_API_KEY", "GEMINI_API_KEY", "GOOGLE_APPLICATION_CREDENTIALS", "GROQ_API_KEY",
                            "HF_TOKEN", "MISTRAL_API_KEY", "XAI_API_KEY", "OPENROUTER_API_KEY"}),
    ("KenyonY__openai-forward", {"OPENAI_API_KEY"}),
    ("yihong0618__bilingual_book_maker", {"OPENAI_API_KEY", "BBM_CAIYUN_API_KEY"}),
])
def test_env_templates_name_their_keys(project, expected):
    i = inv(project)
    assert expected <= set(i.names), sorted(expected - set(i.names))
    for name in i.names:
        assert not name.endswith(("_BASE_URL", "_API_BASE", "_HOST", "_PORT", "_REGION")), name


def test_whole_corpus_has_no_warnings_and_selectors_stay_out():
    names: set[str] = set()
    for project in sorted(p for p in CORPUS.iterdir() if p.is_dir()):
        i = find_credentials(project)
        assert i.warnings == (), (project.name, i.warnings)
        names.update(i.names)
    assert not names & {"OPENAI_BASE_URL", "ANTHROPIC_BASE_URL", "AWS_REGION", "AWS_REGION_NAME", "LOG_LEVEL",
                        "HOST", "PORT", "MAX_TOKENS_LIMIT", "REQUEST_TIMEOUT"}


def test_sdk_packages_of_a_real_lock_imply_keys():
    # the any-llm project pins anthropic, mistralai, groq ... as extras; their SDKs imply keys
    i = find_credentials(CORPUS / "simonw__llm", ["openai", "anthropic", "pydantic"])
    assert {c.name for c in i.credentials} == {"OPENAI_API_KEY", "ANTHROPIC_API_KEY"}
    assert all(c.implied_only for c in i.credentials)
