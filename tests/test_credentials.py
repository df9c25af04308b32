"""Credential inventory: each finder on small real files written here, positive and negative,
plus the catalog, redaction, the walk's skip counting, units and configuration errors."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from blastradius.credentials import CredentialConfig, UnitSpec, find_credentials, load_config
from blastradius.credentials.catalog import builtin_catalog, looks_secret
from blastradius.credentials.redact import fingerprint, is_placeholder
from blastradius.errors import ConfigError


def scan(tmp_path: Path, files: dict[str, str], packages=(), config=None):
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return find_credentials(tmp_path, packages, config)


def hows(inventory, name):
    credential = inventory.by_name(name)
    assert credential is not None, f"{name} not found; have {inventory.names}"
    return {(loc.location.path, loc.location.line, loc.how) for loc in credential.locations}


# -- redaction -----------------------------------------------------------------------------

def test_fingerprint_shows_known_prefix_last_four_and_hash():
    value = "sk-ant-api03-" + "x" * 40 + "9f2c"
    fp = fingerprint(value, "sk-ant-")
    assert fp.startswith("sk-ant…9f2c#") and len(fp.split("#")[1]) == 8
    assert fingerprint(value, "sk-ant-") == fp  # stable
    assert fingerprint(value + "Z", "sk-ant-") != fp


def test_fingerprint_of_short_or_unknown_value_shows_no_prefix_or_tail():
    assert fingerprint("hunter2pass", None).startswith("…#")
    assert fingerprint("abcdefghijklmnopqrstuvwxyz123", None).startswith("…z123#")


@pytest.mark.parametrize("value", ["", "your-key-here", "changeme", "xxx", "<your key>", "${OPENAI_API_KEY}",
                                   "sk-...", "os.environ/OPENAI_API_KEY", "sk-ant-...", "your-anthropic-api-key",
                                   "dummy-key", "pk-lf-...", "   ", "xxxxxxxxxxxxxxxx"])
def test_placeholders(value):
    assert is_placeholder(value)


@pytest.mark.parametrize("value", ["sk-local-dev", "phoenix", "sk-1234", "Zx9-real-looking-value"])
def test_real_values_are_not_placeholders(value):
    assert not is_placeholder(value)


# -- catalog -------------------------------------------------------------------------------

def test_catalog_kinds_and_selectors():
    catalog = builtin_catalog()
    assert catalog.classify("AWS_ACCESS_KEY_ID").kind == "cloud"
    assert catalog.classify("AWS_ACCESS_KEY_ID").provider_id == "bedrock"
    assert catalog.classify("OPENAI_API_KEY").kind == "provider-key"
    assert catalog.classify("LITELLM_MASTER_KEY").kind == "gateway-admin"
    assert catalog.classify("DATABASE_URL").kind == "datastore"
    assert catalog.classify("REDIS_PASSWORD").kind == "datastore"
    assert catalog.classify("LANGFUSE_SECRET_KEY").kind == "observability"
    assert catalog.classify("GOOGLE_APPLICATION_CREDENTIALS").kind == "cloud"
    for selector in ("OPENAI_BASE_URL", "AWS_REGION", "AWS_REGION_NAME", "AZURE_API_BASE", "LANGFUSE_HOST"):
        assert not catalog.is_credential_name(selector), selector


@pytest.mark.parametrize("name", ["POE_API_KEY", "MY_SECRET", "JIRA_TOKEN", "PHOENIX_DB_PASSWORD",
                                  "LANGFUSE_PROJECT1_SECRET", "BEDROCK_SECRET_KEY", "FOO_ACCESS_KEY_ID"])
def test_secret_looking_names(name):
    assert looks_secret(name)


@pytest.mark.parametrize("name", ["MAX_TOKENS", "MAX_TOKENS_LIMIT", "HOST", "PORT", "TOKEN_LIMIT_HEADER",
                                  "AWS_WEB_IDENTITY_TOKEN_FILE", "REQUEST_TIMEOUT", "SECRET_NAME", "NUM_TOKENS"])
def test_names_that_do_not_look_secret(name):
    assert not looks_secret(name)


def test_catalog_data_file_keeps_sources():
    from importlib import resources

    data = json.loads(resources.files("blastradius.data").joinpath("providers.json").read_text("utf-8"))
    assert all(entry["sources"] for entry in data)


# -- Python --------------------------------------------------------------------------------

def test_python_env_access_forms(tmp_path):
    inv = scan(tmp_path, {"app/main.py": (
        "import os\n"
        "import os as operating\n"
        "from os import environ, getenv as ge\n"
        "KEY = 'GROQ_API_KEY'\n"
        "a = os.environ['OPENAI_API_KEY']\n"
        "b = os.environ.get('ANTHROPIC_API_KEY')\n"
        "c = os.getenv('MISTRAL_API_KEY')\n"
        "d = environ['COHERE_API_KEY']\n"
        "e = ge('XAI_API_KEY')\n"
        "os.environ.setdefault('DEEPSEEK_API_KEY', '')\n"
        "f = operating.getenv(KEY)\n"
        "g = 'TOGETHER_API_KEY' in os.environ\n"
        "h = os.getenv('OPENAI_BASE_URL')\n"
        "i = os.getenv(some_runtime_value)\n"
    )})
    assert hows(inv, "OPENAI_API_KEY") == {("app/main.py", 5, "python os.environ[]")}
    assert hows(inv, "ANTHROPIC_API_KEY") == {("app/main.py", 6, "python os.environ.get")}
    assert hows(inv, "MISTRAL_API_KEY") == {("app/main.py", 7, "python os.getenv")}
    assert hows(inv, "COHERE_API_KEY") == {("app/main.py", 8, "python os.environ[]")}
    assert hows(inv, "XAI_API_KEY") == {("app/main.py", 9, "python os.getenv")}
    assert hows(inv, "DEEPSEEK_API_KEY") == {("app/main.py", 10, "python os.environ.setdefault")}
    assert hows(inv, "GROQ_API_KEY") == {("app/main.py", 11, "python os.getenv")}
    assert hows(inv, "TOGETHER_API_KEY") == {("app/main.py", 12, "python 'in os.environ'")}
    assert "OPENAI_BASE_URL" not in inv.names
    assert inv.plaintext_secrets == ()


def test_python_pydantic_settings(tmp_path):
    inv = scan(tmp_path, {"app/settings.py": (
        "from pydantic import Field, AliasChoices, SecretStr\n"
        "from pydantic_settings import BaseSettings, SettingsConfigDict\n"
        "class Settings(BaseSettings):\n"
        "    model_config = SettingsConfigDict(env_prefix='proxy_')\n"
        "    api_key: str = ''\n"
        "    timeout: int = 30\n"
        "    upstream: SecretStr\n"
        "    anthropic: str = Field(default='', alias='ANTHROPIC_API_KEY')\n"
        "    groq: str = Field('', validation_alias=AliasChoices('GROQ_API_KEY', 'GROQ_KEY'))\n"
        "class Legacy(BaseSettings):\n"
        "    openai_api_key: str\n"
        "    class Config:\n"
        "        env_prefix = ''\n"
    )})
    assert ("app/settings.py", 5, "pydantic settings field") in hows(inv, "PROXY_API_KEY")
    assert "PROXY_UPSTREAM" in inv.names  # SecretStr-typed: a secret whatever its name
    assert "PROXY_TIMEOUT" not in inv.names
    assert hows(inv, "ANTHROPIC_API_KEY") == {("app/settings.py", 8, "pydantic settings field")}
    assert "GROQ_API_KEY" in inv.names and "GROQ_KEY" in inv.names
    assert "OPENAI_API_KEY" in inv.names


def test_python_literal_default_is_plaintext_but_placeholder_is_not(tmp_path):
    inv = scan(tmp_path, {"a.py": (
        "import os\n"
        "x = os.getenv('SERVICE_TOKEN', 'Zq8-realistic-token-value')\n"
        "y = os.getenv('OTHER_TOKEN', 'your-token-here')\n"
    )})
    assert [(p.name, p.location.line) for p in inv.plaintext_secrets] == [("SERVICE_TOKEN", 2)]
    assert inv.by_name("SERVICE_TOKEN").fingerprints == (inv.plaintext_secrets[0].fingerprint,)


def test_python_without_env_access_is_not_parsed(tmp_path):
    # a syntax error in a file that never mentions the environment is never parsed, so no warning
    inv = scan(tmp_path, {"lib.py": "def broken(:\n    pass\n", "bad.py": "import os\nos.getenv('A_API_KEY'\n"})
    assert inv.warnings == ("bad.py:2: Python syntax error ('(' was never closed); file not scanned for credentials",)\
        or (len(inv.warnings) == 1 and inv.warnings[0].startswith("bad.py:"))
    assert inv.files_scanned == 2


# -- dotenv --------------------------------------------------------------------------------

def test_dotenv_names_values_and_comments(tmp_path):
    inv = scan(tmp_path, {
        ".env.example": (
            "# OPENAI_API_KEY=commented-out\n"
            "ANTHROPIC_API_KEY=your-anthropic-key-here\n"
            "export GROQ_API_KEY='gq-9a8b7c6d5e4f3a2b1c0d'\n"
            "OPENAI_BASE_URL=https://api.openai.com/v1\n"
            "LITELLM_MASTER_KEY=sk-local-dev  # inline comment\n"
            "EMPTY_API_KEY=\n"
        ),
        "deploy/prod.env": "AZURE_API_KEY=${AZURE_KEY_FROM_VAULT}\n",
        "notes.txt": "OPENAI_API_KEY=sk-never-read-not-an-env-file\n",
    })
    assert "OPENAI_API_KEY" not in inv.names
    assert "OPENAI_BASE_URL" not in inv.names
    assert hows(inv, "ANTHROPIC_API_KEY") == {(".env.example", 2, "dotenv")}
    assert hows(inv, "AZURE_API_KEY") == {("deploy/prod.env", 1, "dotenv")}
    assert "EMPTY_API_KEY" in inv.names
    secrets = {(p.name, p.location.line) for p in inv.plaintext_secrets}
    assert secrets == {("GROQ_API_KEY", 3), ("LITELLM_MASTER_KEY", 5)}
    master = inv.by_name("LITELLM_MASTER_KEY")
    assert master.kind == "gateway-admin" and master.fingerprints[0].startswith("sk…")


def test_dotenv_key_shaped_value_under_any_name_is_plaintext(tmp_path):
    groq = "gsk_" + "A1b2C3d4" * 6 + "Zz9Y"
    inv = scan(tmp_path, {".env": f"LLM_DEFAULT={groq}\n"})
    assert [(p.name, p.provider_id) for p in inv.plaintext_secrets] == [("LLM_DEFAULT", "groq")]
    assert "LLM_DEFAULT" not in inv.names  # the name itself is not a credential name


# -- LiteLLM config ------------------------------------------------------------------------

LITELLM = """\
model_list:
  - model_name: gpt-4o
    litellm_params:
      model: azure/gpt-4o-eu
      api_base: os.environ/AZURE_API_BASE
      api_key: os.environ/AZURE_API_KEY_EU
  - model_name: claude
    litellm_params:
      model: bedrock/anthropic.claude-3-5-sonnet
      aws_region_name: us-east-1
  - model_name: claude-own
    litellm_params:
      model: bedrock/anthropic.claude-3-haiku
      aws_access_key_id: os.environ/TEAM_AWS_ACCESS_KEY_ID
      aws_secret_access_key: os.environ/TEAM_AWS_SECRET_ACCESS_KEY
  - model_name: gemini
    litellm_params:
      model: vertex_ai/gemini-2.0-flash
  - model_name: team
    litellm_params:
      model: azure/gpt-4o
      litellm_credential_name: default_azure
  - model_name: plain
    litellm_params:
      model: gpt-4o-mini
credential_list:
  - credential_name: default_azure
    credential_values:
      api_key: os.environ/AZURE_API_KEY
    credential_info:
      custom_llm_provider: azure
litellm_settings:
  success_callback: ["langfuse"]
general_settings:
  master_key: os.environ/LITELLM_MASTER_KEY
  database_url: postgresql://llm:Sup3rS3cretDbPw@db:5432/llm
environment_variables:
  SLACK_WEBHOOK_URL: os.environ/SLACK_HOOK
  REDIS_HOST: cache.internal
include:
  - extra_models.yaml
"""


def test_litellm_config(tmp_path):
    inv = scan(tmp_path, {
        "proxy/config.yaml": LITELLM,
        "proxy/extra_models.yaml": "model_list:\n  - model_name: g\n    litellm_params:\n      model: groq/llama\n",
        "proxy/extra2.yaml": "router_settings:\n  redis_password: os.environ/REDIS_PASSWORD\n",
    })
    eu = inv.by_name("AZURE_API_KEY_EU")
    assert (eu.provider_id, eu.kind) == ("azure", "provider-key")
    assert hows(inv, "AZURE_API_KEY_EU") == {("proxy/config.yaml", 6, "litellm api_key")}
    assert "AZURE_API_BASE" not in inv.names
    assert hows(inv, "AWS_ACCESS_KEY_ID") == {("proxy/config.yaml", 9, "implied by model prefix bedrock/")}
    assert inv.by_name("AWS_ACCESS_KEY_ID").kind == "cloud"
    assert "TEAM_AWS_SECRET_ACCESS_KEY" in inv.names
    assert hows(inv, "GOOGLE_APPLICATION_CREDENTIALS") == {("proxy/config.yaml", 18, "implied by model prefix vertex_ai/")}
    assert hows(inv, "AZURE_API_KEY") == {("proxy/config.yaml", 29, "litellm credential_list api_key")}
    assert hows(inv, "OPENAI_API_KEY") == {("proxy/config.yaml", 25, "implied by model gpt-4o-mini")}
    assert hows(inv, "LANGFUSE_SECRET_KEY") == {("proxy/config.yaml", 33, "implied by callback langfuse")}
    assert hows(inv, "LITELLM_MASTER_KEY") == {("proxy/config.yaml", 35, "litellm master_key")}
    assert hows(inv, "DATABASE_URL") == {("proxy/config.yaml", 36, "litellm database_url literal")}
    assert [p.name for p in inv.plaintext_secrets] == ["DATABASE_URL"]
    assert "SLACK_HOOK" in inv.names and "SLACK_WEBHOOK_URL" in inv.names
    assert "REDIS_HOST" not in inv.names
    # included file followed, not-included YAML without model_list ignored
    assert hows(inv, "GROQ_API_KEY") == {("proxy/extra_models.yaml", 4, "implied by model prefix groq/")}
    assert "REDIS_PASSWORD" not in inv.names


def test_litellm_yaml_without_model_list_is_not_a_config(tmp_path):
    inv = scan(tmp_path, {"other.yaml": "settings:\n  api_key: os.environ/OPENAI_API_KEY\n  model: bedrock/x\n"})
    assert inv.names == ()


def test_malformed_yaml_is_a_warning_and_scan_continues(tmp_path):
    inv = scan(tmp_path, {"a.yaml": "model_list: [\n  - {model: x\n", ".env": "OPENAI_API_KEY=\n"})
    assert inv.names == ("OPENAI_API_KEY",)
    assert len(inv.warnings) == 1 and inv.warnings[0].startswith("a.yaml:") and "malformed YAML" in inv.warnings[0]


# -- compose, kubernetes, Dockerfile, shell, GitHub Actions ----------------------------------

def test_compose_environment_forms(tmp_path):
    inv = scan(tmp_path, {"docker-compose.yml": (
        "services:\n"
        "  proxy:\n"
        "    image: litellm\n"
        "    env_file: .env\n"
        "    environment:\n"
        "      OPENAI_API_KEY: ${OPENAI_API_KEY}\n"
        "      POSTGRES_PASSWORD: ${DB_PASSWORD:-Zk3-default-pw}\n"
        "      LOG_LEVEL: info\n"
        "  worker:\n"
        "    image: w\n"
        "    environment:\n"
        "      - ANTHROPIC_API_KEY\n"
        "      - REDIS_PASSWORD=r3al-looking-pass\n"
        "    command: ['run', '--key', '${MISTRAL_API_KEY}']\n"
    )})
    assert hows(inv, "OPENAI_API_KEY") == {("docker-compose.yml", 6, "compose environment")}
    assert ("docker-compose.yml", 7, "compose environment interpolation") in hows(inv, "DB_PASSWORD")
    assert hows(inv, "ANTHROPIC_API_KEY") == {("docker-compose.yml", 12, "compose environment")}
    assert hows(inv, "MISTRAL_API_KEY") == {("docker-compose.yml", 14, "compose interpolation")}
    assert "LOG_LEVEL" not in inv.names
    assert [(p.name, p.location.line) for p in inv.plaintext_secrets] == [("REDIS_PASSWORD", 13)]
    assert any(loc.detail == "service worker" for loc in inv.by_name("ANTHROPIC_API_KEY").locations)


def test_kubernetes_and_helm(tmp_path):
    inv = scan(tmp_path, {
        "k8s/deploy.yaml": (
            "apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n"
            "        - name: p\n          env:\n"
            "            - name: OPENAI_API_KEY\n              valueFrom:\n                secretKeyRef: {name: keys, key: openai}\n"
            "            - name: LOG_LEVEL\n              value: debug\n"
            "          envFrom:\n            - secretRef: {name: provider-keys}\n"
        ),
        "chart/values.yaml": "env:\n  ANTHROPIC_API_KEY: ''\nreplicas: 2\n",
        "chart/templates/dep.yaml": (
            "spec:\n  env:\n    - name: GROQ_API_KEY\n      valueFrom:\n        secretKeyRef:\n"
            "          name: {{ .Values.secret }}\n"
        ),
    })
    assert hows(inv, "OPENAI_API_KEY") == {("k8s/deploy.yaml", 9, "kubernetes secretKeyRef")}
    assert inv.by_name("OPENAI_API_KEY").locations[0].detail == "secret keys/openai"
    assert "LOG_LEVEL" not in inv.names
    assert any("provider-keys" in w for w in inv.warnings)
    assert hows(inv, "ANTHROPIC_API_KEY") == {("chart/values.yaml", 2, "helm values env")}
    assert hows(inv, "GROQ_API_KEY") == {("chart/templates/dep.yaml", 3, "kubernetes secretKeyRef")}


def test_dockerfile_env_and_arg(tmp_path):
    inv = scan(tmp_path, {"Dockerfile": (
        "FROM python:3.12\n"
        "ARG HF_TOKEN\n"
        "ENV OPENAI_API_KEY=\"\" \\\n    PORT=8000\n"
        "ENV ANTHROPIC_API_KEY legacy-form-real-val\n"
        "# ENV COHERE_API_KEY=commented\n"
    )})
    assert hows(inv, "HF_TOKEN") == {("Dockerfile", 2, "dockerfile ARG")}
    assert hows(inv, "OPENAI_API_KEY") == {("Dockerfile", 3, "dockerfile ENV")}
    assert "PORT" not in inv.names and "COHERE_API_KEY" not in inv.names
    assert [p.name for p in inv.plaintext_secrets] == ["ANTHROPIC_API_KEY"]


def test_shell_export_and_reference(tmp_path):
    inv = scan(tmp_path, {"scripts/run.sh": (
        "#!/bin/sh\nexport OPENAI_API_KEY=\"$(cat /run/secrets/openai)\"\n"
        "export REGION=us\n"
        "curl -H \"x-api-key: ${ANTHROPIC_API_KEY}\" https://x\n"
        "# export GROQ_API_KEY=abc\n"
    )})
    assert hows(inv, "OPENAI_API_KEY") == {("scripts/run.sh", 2, "shell export")}
    assert hows(inv, "ANTHROPIC_API_KEY") == {("scripts/run.sh", 4, "shell reference")}
    assert "REGION" not in inv.names and "GROQ_API_KEY" not in inv.names


def test_github_actions_secrets_with_jobs(tmp_path):
    inv = scan(tmp_path, {".github/workflows/test.yml": (
        "on: push\n"
        "env:\n  GLOBAL_TOKEN: ${{ secrets.GLOBAL_TOKEN }}\n"
        "jobs:\n"
        "  unit:\n    runs-on: x\n    steps:\n      - run: pytest\n"
        "        env:\n          ANTHROPIC_API_KEY: ${{ secrets.CLAUDE_KEY }}\n"
        "  publish:\n    runs-on: x\n    steps:\n      - uses: pypa/gh-action-pypi-publish@v1\n"
        "        with:\n          password: ${{ secrets.PYPI_TOKEN }}\n"
        "          region: ${{ secrets.AWS_REGION }}\n          url: ${{ secrets.GATEWAY_BASE_URL }}\n"
    )})
    assert "AWS_REGION" not in inv.names and "GATEWAY_BASE_URL" not in inv.names
    claude = inv.by_name("ANTHROPIC_API_KEY")
    assert claude.units == ("ci:test.yml:unit",) and claude.provider_id == "anthropic"
    assert "secret CLAUDE_KEY" in claude.locations[0].detail
    assert inv.by_name("PYPI_TOKEN").units == ("ci:test.yml:publish",)
    assert inv.by_name("GLOBAL_TOKEN").units == ("ci:test.yml:*",)
    assert "CLAUDE_KEY" not in inv.names


# -- SDK packages ----------------------------------------------------------------------------

def test_sdk_packages_imply_their_own_provider_only(tmp_path):
    inv = scan(tmp_path, {}, packages=["Anthropic", "boto3", "openai", "litellm", "google-cloud-aiplatform", "httpx"])
    assert hows(inv, "ANTHROPIC_API_KEY") == {("", None, "implied by package anthropic")}
    assert "AWS_SECRET_ACCESS_KEY" in inv.names
    assert "GOOGLE_APPLICATION_CREDENTIALS" in inv.names
    assert "OPENAI_API_KEY" in inv.names
    assert "AZURE_API_KEY" not in inv.names and "DEEPSEEK_API_KEY" not in inv.names
    assert "LITELLM_MASTER_KEY" not in inv.names
    assert inv.by_name("ANTHROPIC_API_KEY").implied_only


# -- walk ------------------------------------------------------------------------------------

def test_walk_skips_are_counted(tmp_path):
    files = {
        ".git/config.env": "OPENAI_API_KEY=x\n",
        "node_modules/pkg/.env": "ANTHROPIC_API_KEY=\n",
        "env/pyvenv.cfg": "home = /usr\n",
        "env/lib/x.py": "import os\nos.getenv('GROQ_API_KEY')\n",
        "build/app.py": "import os\nos.getenv('COHERE_API_KEY')\n",
        "big.env": "XAI_API_KEY=\n" + "#" * (3 * 1024 * 1024),
        "ok.env": "MISTRAL_API_KEY=\n",
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    (tmp_path / "bin.env").write_bytes(b"OPENAI_API_KEY=\x00\x01\x02")
    outside = tmp_path.parent / f"{tmp_path.name}-outside.env"
    outside.write_text("DEEPSEEK_API_KEY=\n")
    os.symlink(outside, tmp_path / "link.env")
    inv = find_credentials(tmp_path)
    assert inv.names == ("MISTRAL_API_KEY",)
    assert inv.skipped == {"binary": 1, "build output": 1, "node_modules": 1, "symlink outside project": 1,
                           "too large": 1, "vcs directory": 1, "virtualenv": 1}
    assert inv.files_scanned == 1


def test_max_file_size_is_configurable(tmp_path):
    inv = scan(tmp_path, {".env": "OPENAI_API_KEY=\n" + "#" * 200}, config=CredentialConfig(max_file_size=100))
    assert inv.names == () and inv.skipped == {"too large": 1}


# -- units and configuration ---------------------------------------------------------------

def test_declared_units(tmp_path):
    config = load_config({"tool": {"blastradius": {"units": {
        "worker": {"paths": ["worker/**", "deploy/worker.env"], "groups": ["worker"]}}}}})
    assert config.units == (UnitSpec("worker", ("worker/**", "deploy/worker.env"), ("worker",)),)
    inv = scan(tmp_path, {
        "worker/jobs/run.py": "import os\nos.getenv('OPENAI_API_KEY')\n",
        "deploy/worker.env": "ANTHROPIC_API_KEY=\n",
        "app.py": "import os\nos.getenv('OPENAI_API_KEY')\n",
    }, config=config)
    assert inv.by_name("OPENAI_API_KEY").units == ("runtime", "worker")
    assert inv.by_name("ANTHROPIC_API_KEY").units == ("worker",)


def test_user_provider_extends_catalog(tmp_path):
    config = load_config({"providers": {"poe": {
        "name": "Poe", "secret_env_vars": ["POE_API_KEY"], "env_vars": ["POE_BASE_URL"],
        "litellm_prefixes": ["poe"], "sdk_packages": ["fastapi-poe"], "key_patterns": [r"\bpoe-[a-z0-9]{24}\b"]}}})
    key = "poe-" + "a1b2c3d4" * 3
    inv = scan(tmp_path, {
        ".env": f"POE_API_KEY=\nPOE_BASE_URL=https://x\nUNRELATED={key}\n",
        "c.yaml": "model_list:\n  - model_name: p\n    litellm_params: {model: poe/gpt}\n",
    }, packages=["fastapi_poe"], config=config)
    poe = inv.by_name("POE_API_KEY")
    assert (poe.provider_id, poe.provider_name, poe.kind) == ("poe", "Poe", "provider-key")
    assert {loc.how for loc in poe.locations} == {"dotenv", "implied by model prefix poe/", "implied by package fastapi-poe"}
    assert "POE_BASE_URL" not in inv.names
    assert [p.provider_id for p in inv.plaintext_secrets] == ["poe"]


@pytest.mark.parametrize("table, needle", [
    ({"providers": {"x": {"secret_env_vars": []}}}, "secret_env_vars must name"),
    ({"providers": {"x": {"secret_env_vars": ["A KEY"]}}}, "not an environment variable name"),
    ({"providers": {"x": {"secret_env_vars": ["A_KEY"], "kind": "weird"}}}, "kind must be one of"),
    ({"providers": {"x": {"secret_env_vars": ["A_KEY"], "key_patterns": ["(unclosed"]}}}, "not a valid regular"),
    ({"providers": {"x": {"secret_env_vars": ["A_KEY"], "colour": 1}}}, "unknown key"),
    ({"units": {"w": {"paths": []}}}, "paths must list"),
    ({"units": {"runtime": {"paths": ["a"]}}}, "reserved"),
    ({"units": {"w": {"paths": ["../outside"]}}}, "relative to the project root"),
    ({"units": {"w": {"paths": "a", "groups": [1]}}}, "groups must be a list of strings"),
])
def test_invalid_config_raises_config_error_with_file_and_line(tmp_path, table, needle):
    pyproject = tmp_path / "pyproject.toml"
    header = "providers.x" if "providers" in table else f"units.{next(iter(table['units']))}"
    pyproject.write_text(f"[project]\nname = 'p'\n\n[tool.blastradius.{header}]\nfoo = 1\n")
    with pytest.raises(ConfigError) as info:
        load_config({"tool": {"blastradius": table}}, pyproject)
    assert needle in info.value.message
    assert info.value.path == str(pyproject) and info.value.line == 4


# -- determinism -------------------------------------------------------------------------------

def test_to_dict_is_deterministic_and_json_friendly(tmp_path):
    files = {".env": "OPENAI_API_KEY=sk-local-dev\n", "c.yaml": LITELLM, "a.py": "import os\nos.getenv('XAI_API_KEY')\n"}
    first = json.dumps(scan(tmp_path, files, packages=["boto3", "anthropic"]).to_dict(), sort_keys=False)
    second = json.dumps(find_credentials(tmp_path, ["anthropic", "boto3"]).to_dict(), sort_keys=False)
    assert first == second
    data = json.loads(first)
    assert [c["name"] for c in data["credentials"]] == sorted(c["name"] for c in data["credentials"])


def test_hard_coded_keys_in_any_scanned_file_are_found_via_literal_fragments(tmp_path):
    from planted_secrets import PLANTED

    shaped = ["OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GROQ_LITERAL", "LANGFUSE_SECRET_KEY", "HF_TOKEN",
              "GEMINI_API_KEY", "XAI_API_KEY", "AWS_ACCESS_KEY_ID", "DATABASE_URL"]
    body = "".join(f"call(value='{PLANTED[label]}')\n" for label in shaped)
    inv = scan(tmp_path, {"deploy/run.sh": body})
    assert len(inv.plaintext_secrets) == len(shaped)
    assert {p.location.line for p in inv.plaintext_secrets} == set(range(1, len(shaped) + 1))
