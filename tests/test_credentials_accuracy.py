"""Regressions from measuring the inventory on real gateway projects outside this repository
(docs/credentials-accuracy.md). Each test copies a minimal snippet of the real file -- the
repository and path are named in the docstring -- and checks the fix and its negative."""

from __future__ import annotations

from pathlib import Path

from blastradius.credentials import find_credentials
from blastradius.credentials.catalog import builtin_catalog


def scan(tmp_path: Path, files: dict[str, str]):
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return find_credentials(tmp_path)


def places(inventory, name):
    credential = inventory.by_name(name)
    assert credential is not None, f"{name} not found; have {inventory.names}"
    return sorted((loc.location.path, loc.location.line) for loc in credential.locations)


def test_python_module_with_merge_conflict_markers_is_read_by_pattern(tmp_path):
    """Alpaca-Network/gatewayz-backend src/config/config.py (a stored version with conflict
    markers): ``ast`` cannot parse it, yet every provider key it reads is held."""
    inv = scan(tmp_path, {"src/config/config.py": (
        "import os\n"
        "class Config:\n"
        "    APP_ENV = os.environ.get(\"APP_ENV\", \"development\")\n"
        "    OPENROUTER_API_KEY = os.environ.get(\"OPENROUTER_API_KEY\")\n"
        "<<<<<<< HEAD\n"
        "    GOOGLE_API_KEY = os.environ.get(\"GOOGLE_API_KEY\")\n"
        "=======\n"
        ">>>>>>> main\n"
        "    OPENROUTER_COOKIE = os.getenv('OPENROUTER_COOKIE')\n"
        "    # OLD_API_KEY = os.environ.get(\"OLD_API_KEY\")\n"
        "    def validate(cls):\n"
        "        raise RuntimeError(\"SUPABASE_KEY=your_supabase_anon_key\\n\")\n"
    )})
    assert places(inv, "OPENROUTER_API_KEY") == [("src/config/config.py", 4)]
    assert places(inv, "GOOGLE_API_KEY") == [("src/config/config.py", 6)]
    assert places(inv, "OPENROUTER_COOKIE") == [("src/config/config.py", 9)]
    assert inv.by_name("OPENROUTER_API_KEY").provider_id == "openrouter"
    # not secrets, commented out, or only mentioned in a message: not credentials
    assert not {"APP_ENV", "OLD_API_KEY", "SUPABASE_KEY"} & set(inv.names)
    assert any("environment reads found by pattern only" in w for w in inv.warnings)


def test_workflow_secret_inside_run_block_points_at_its_own_line(tmp_path):
    """Alpaca-Network/gatewayz-backend .github/workflows/supabase-migrations.yml: secrets used
    inside ``run: |`` scripts were reported on the ``run:`` line."""
    inv = scan(tmp_path, {".github/workflows/migrate.yml": (
        "on: push\n"
        "jobs:\n"
        "  sync:\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        "      - name: Link Supabase project\n"
        "        env:\n"
        "          SUPABASE_ACCESS_TOKEN: ${{ secrets.SUPABASE_ACCESS_TOKEN }}\n"
        "        run: |\n"
        "          supabase link --project-ref \"${{ secrets.SUPABASE_PROJECT_REF }}\" \\\n"
        "                        --password \"${{ secrets.SUPABASE_DB_PASSWORD }}\"\n"
        "      - run: supabase db push --password \"${{ secrets.SUPABASE_DB_PASSWORD }}\"\n"
    )})
    path = ".github/workflows/migrate.yml"
    assert places(inv, "SUPABASE_DB_PASSWORD") == [(path, 11), (path, 12)]
    assert places(inv, "SUPABASE_ACCESS_TOKEN") == [(path, 8)]
    # a project reference selects a project; it is not a credential
    assert "SUPABASE_PROJECT_REF" not in inv.names


def test_selector_names_in_secret_stores_are_not_credentials(tmp_path):
    """danny-avila/LibreChat helm/accessllm/templates/litellm-deployment.yaml (user and
    database names read from a Secret) and ooiyeefei/sample-aws-eks-auto-mode
    setup-litellm/update-secrets.sh (``SECRET_ARN``)."""
    inv = scan(tmp_path, {
        "deploy.yaml": (
            "apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n"
            "      - name: litellm\n        env:\n"
            "        - name: POSTGRES_USER\n          valueFrom:\n            secretKeyRef:\n"
            "              name: librechat-secrets\n              key: POSTGRES_USER\n"
            "        - name: POSTGRES_PASSWORD\n          valueFrom:\n            secretKeyRef:\n"
            "              name: librechat-secrets\n              key: POSTGRES_PASSWORD\n"
            "        - name: POSTGRES_DB\n          valueFrom:\n            secretKeyRef:\n"
            "              name: librechat-secrets\n              key: POSTGRES_DB\n"
        ),
        "update-secrets.sh": (
            "SECRET_ARN=$(terraform output -raw litellm_api_keys_secret_arn 2>/dev/null)\n"
            "SECRET_NAME=$(echo $SECRET_ARN | awk -F: '{print $7}')\n"
        ),
    })
    assert places(inv, "POSTGRES_PASSWORD") == [("deploy.yaml", 14)]
    assert not {"POSTGRES_USER", "POSTGRES_DB", "SECRET_ARN", "SECRET_NAME"} & set(inv.names)


def test_helm_template_with_selector_secret_ref_and_embedded_script(tmp_path):
    """danny-avila/LibreChat helm/accessllm/templates/litellm-deployment.yaml and
    litellm-configmap.yaml: a Helm template is not YAML; the script embedded in the ConfigMap
    names the master key with ``${LITELLM_MASTER_KEY:-}``."""
    inv = scan(tmp_path, {
        "chart/templates/litellm-deployment.yaml": (
            "{{- if .Values.litellm.enabled -}}\n"
            "apiVersion: apps/v1\nkind: Deployment\n"
            "        env:\n"
            "        - name: LITELLM_MASTER_KEY\n          valueFrom:\n            secretKeyRef:\n"
            "              name: librechat-secrets\n              key: LITELLM_MASTER_KEY\n"
            "        - name: POSTGRES_USER\n          valueFrom:\n            secretKeyRef:\n"
            "              name: librechat-secrets\n              key: POSTGRES_USER\n"
            "{{- end }}\n"
        ),
        "chart/templates/litellm-configmap.yaml": (
            "{{- if .Values.litellm.enabled -}}\n"
            "apiVersion: v1\nkind: ConfigMap\n"
            "data:\n"
            "  watch_models.sh: |\n"
            "    AUTH_HEADER=\"Authorization: Bearer ${LITELLM_MASTER_KEY:-}\"\n"
            "    CHECK_EVERY=\"${CHECK_EVERY:-15}\"\n"
            "    # old: ${OLD_API_KEY}\n"
            "{{- end }}\n"
        ),
    })
    assert places(inv, "LITELLM_MASTER_KEY") == [
        ("chart/templates/litellm-configmap.yaml", 6), ("chart/templates/litellm-deployment.yaml", 5)]
    assert not {"POSTGRES_USER", "CHECK_EVERY", "OLD_API_KEY"} & set(inv.names)


def test_helm_values_secrets_map_keys_are_credentials(tmp_path):
    """danny-avila/LibreChat helm/accessllm/values.example.yaml: the chart renders every key of
    ``secrets:`` into a Secret, whatever its name (``MONGO_ROOT_PASS``, ``CREDS_KEY``)."""
    inv = scan(tmp_path, {"helm/accessllm/values.example.yaml": (
        "config:\n"
        "  GOOGLE_CLIENT_ID: \"your-google-client-id\"\n"
        "  ALLOW_REGISTRATION: \"true\"\n"
        "secrets:\n"
        "  MONGO_ROOT_USER: \"root\"\n"
        "  MONGO_ROOT_PASS: \"your-mongo-root-password\"\n"
        "  POSTGRES_DB: \"mydatabase\"\n"
        "  CREDS_KEY: \"your-creds-key-32-bytes-exact-len\"\n"
        "  JWT_SECRET: \"your-jwt-secret\"\n"
    )})
    path = "helm/accessllm/values.example.yaml"
    assert places(inv, "MONGO_ROOT_PASS") == [(path, 6)]
    assert places(inv, "CREDS_KEY") == [(path, 8)]
    assert places(inv, "JWT_SECRET") == [(path, 9)]
    assert not {"GOOGLE_CLIENT_ID", "ALLOW_REGISTRATION", "MONGO_ROOT_USER", "POSTGRES_DB"} & set(inv.names)


def test_configmap_embedding_a_litellm_config(tmp_path):
    """aideator/aideator k8s/configmaps/litellm-config.yaml and k8s/litellm.yaml: the proxy's
    config.yaml lives in a ConfigMap literal block."""
    inv = scan(tmp_path, {
        "k8s/configmaps/litellm-config.yaml": (
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: litellm-config\ndata:\n"
            "  config.yaml: |\n"
            "    model_list:\n"
            "      - model_name: gpt-4o-mini\n"
            "        litellm_params:\n"
            "          model: openai/gpt-4o-mini\n"
            "          api_key: os.environ/OPENAI_API_KEY\n"
            "    general_settings:\n"
            "      master_key: os.environ/LITELLM_MASTER_KEY\n"
        ),
        "k8s/litellm.yaml": (
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: aideator-litellm-config\ndata:\n"
            "  config.yaml: |\n"
            "    model_list:\n"
            "      - model_name: gemini/*\n"
            "        litellm_params:\n"
            "          model: gemini/*\n"
            "    general_settings:\n"
            "      master_key: \"dev-key-123\"\n"
            "  notes.txt: |\n"
            "    api_key: os.environ/NOT_READ_API_KEY\n"
        ),
    })
    assert places(inv, "OPENAI_API_KEY") == [("k8s/configmaps/litellm-config.yaml", 11)]
    assert places(inv, "LITELLM_MASTER_KEY") == [("k8s/configmaps/litellm-config.yaml", 13), ("k8s/litellm.yaml", 12)]
    assert places(inv, "GEMINI_API_KEY") == [("k8s/litellm.yaml", 10)]
    assert [(p.name, p.location.line) for p in inv.plaintext_secrets] == [("LITELLM_MASTER_KEY", 12)]
    # a data key that is not a config file is not read as one
    assert "NOT_READ_API_KEY" not in inv.names


def test_commented_out_connection_string_is_plaintext_not_a_credential_location(tmp_path):
    """LuthienResearch/luthien-proxy .env.example: ``# DATABASE_URL=postgresql://user:pw@...``
    is a committed password, but no process reads the commented line."""
    inv = scan(tmp_path, {".env.example": (
        "DATABASE_URL=sqlite:///luthien.db\n"
        "# DATABASE_URL=postgresql://luthien:luthien_dev_password@db:5432/luthien_control\n"
        "# POSTGRES_PASSWORD=luthien_dev_password\n"
    )})
    assert places(inv, "DATABASE_URL") == [(".env.example", 1)]
    assert (".env.example", 2) in [(p.location.path, p.location.line) for p in inv.plaintext_secrets]
    assert "POSTGRES_PASSWORD" not in inv.names


def test_dotenv_bare_names_are_listed(tmp_path):
    """Alpaca-Network/gatewayz-backend .env.example lists ``GOOGLE_VERTEX_CREDENTIALS_JSON``
    without ``=``: python-dotenv reads it as a variable with no value."""
    inv = scan(tmp_path, {".env.example": (
        "GOOGLE_CLOUD_PROJECT\n"
        "GOOGLE_VERTEX_CREDENTIALS_JSON\n"
        "GOOGLE_PROJECT_ID=gatewayz-468519\n"
        "not a variable line\n"
    )})
    assert places(inv, "GOOGLE_VERTEX_CREDENTIALS_JSON") == [(".env.example", 2)]
    assert not {"GOOGLE_CLOUD_PROJECT", "GOOGLE_PROJECT_ID"} & set(inv.names)


def test_secret_name_words_seen_in_real_projects():
    """Names from Alpaca-Network/gatewayz-backend (``KEY_HASH_SALT``, ``OPENROUTER_COOKIE``),
    danny-avila/LibreChat (``MONGO_ROOT_PASS``) and aideator/aideator k8s/api.yaml (switches
    ``ENABLE_KUBERNETES_SECRETS``, ``REQUIRE_API_KEYS_FOR_AGENTS``)."""
    catalog = builtin_catalog()
    for name in ("KEY_HASH_SALT", "OPENROUTER_COOKIE", "MONGO_ROOT_PASS", "SMTP_PASS", "SECURITY_PASSWORD_SALT"):
        assert catalog.is_credential_name(name), name
    for name in ("ENABLE_KUBERNETES_SECRETS", "REQUIRE_API_KEYS_FOR_AGENTS", "PASS_THROUGH_ENDPOINTS",
                 "SESSION_COOKIE_SECURE", "BYPASS", "SECRET_ARN", "SUPABASE_PROJECT_REF", "USE_AZURE_AD"):
        assert not catalog.is_credential_name(name), name
