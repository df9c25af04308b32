"""Fake secrets planted in ``fixtures/credentials/planted/``: obviously fake (``FAKE``/``PLANTED`` wording)
but shaped like the real thing, so the provider key patterns match them.

Any test that renders the inventory can import :data:`PLANTED` and :func:`assert_no_leak`
to prove no value -- nor any 12-character piece of one -- reaches its output.
"""

from __future__ import annotations

from pathlib import Path

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "credentials" / "planted"

PLANTED: dict[str, str] = {
    # .env
    "OPENAI_API_KEY": "sk-proj-FAKEplantedOPENAIkey0001T3BlbkFJFAKEplantedOPENAIkey0002",
    "ANTHROPIC_API_KEY": "sk-ant-api03-" + ("FAKEplantedANTHROPIC" * 5)[:93] + "AA",
    "LITELLM_MASTER_KEY": "sk-PLANTEDtestMasterKey-9f2c",
    "DATABASE_URL": "postgresql://gateway:PlantedDbPassword42@db.internal:5432/litellm",
    # proxy/config.yaml
    "GROQ_LITERAL": "gsk_" + ("FAKEplantedGroqKey" * 3)[:52],
    "CONFIG_MASTER_KEY": "sk-PLANTEDconfigMaster-77ab",
    "LANGFUSE_SECRET_KEY": "sk-lf-fa4efa4e-0000-4fa4-8fa4-fa4efa4e0001",
    "CACHE_REDIS_PASSWORD": "PlantedCacheRedisPw-31q",
    # docker-compose.yml
    "HF_TOKEN": "hf_" + ("FAKEplantedHuggingFace" * 2)[:34],
    "REDIS_PASSWORD": "PlantedComposeRedisPw-88q",
    # app/*.py
    "GEMINI_API_KEY": "AIza" + ("FAKEplantedGemini-" * 2)[:35],
    "HARDCODED_OPENAI": "sk-proj-FAKEhardcodedOPENAI0003T3BlbkFJFAKEhardcodedOPENAI0004",
    "XAI_API_KEY": "xai-" + ("FAKEplantedXaiKey" * 5)[:80],
    "SETTINGS_DEFAULT": "PlantedSettingsDefault-5150",
    # Dockerfile
    "AWS_SECRET_ACCESS_KEY": "PLANTEDawsSecretAccessKey/0123456789ab",
    "AWS_ACCESS_KEY_ID": "ASIA" + "FAKEFAKEFAKE2345",
    # deploy.sh
    "COHERE_API_KEY": "PLANTEDcohereKey-ShellExport-1234",
    # k8s/secret.yaml
    "MISTRAL_API_KEY": "PLANTEDmistralKey-K8sStringData-99",
    # .github/workflows/ci.yml
    "CI_TOKEN": "PLANTEDciWorkflowToken-4242",
    # broken files (warnings must not echo them)
    "BROKEN_YAML": "sk-PLANTEDbrokenYamlKey-1111",
    "BROKEN_PY": "sk-PLANTEDbrokenPythonKey-2222",
}


def pieces(value: str, size: int = 12) -> set[str]:
    return {value[i:i + size] for i in range(0, max(1, len(value) - size + 1))}


def assert_no_leak(text: str, where: str = "output") -> None:
    """Fail when any planted value, or any 12-character substring of one, occurs in ``text``."""
    for label, value in PLANTED.items():
        assert value not in text, f"{label} leaked into {where}"
        for piece in pieces(value):
            assert piece not in text, f"a 12-character piece of {label} leaked into {where}"
