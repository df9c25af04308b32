"""GitHub Actions workflows: every ``${{ secrets.NAME }}`` with the job that uses it. The unit
is ``ci:<workflow file>:<job>`` (``*`` for workflow-level ``env``). When the secret is mapped
into an env var (``OPENAI_API_KEY: ${{ secrets.OAI }}``) the env var name is the credential
and the secret name goes into the detail."""

from __future__ import annotations

import re
from typing import Iterator

from blastradius.credentials._base import FileContext, Finding, value_findings
from blastradius.credentials._yaml import YMap, YNode, YScalar, iter_scalars
from blastradius.credentials.model import ci_unit

_SECRET = re.compile(r"\bsecrets\.([A-Za-z_][A-Za-z0-9_]*)|\bsecrets\[\s*'([A-Za-z_][A-Za-z0-9_]*)'\s*\]")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _secrets_in(node: YNode, ctx: FileContext, unit: str, job: str) -> Iterator[Finding]:
    for path, last, scalar in iter_scalars(node):
        value = scalar.value
        if not value:
            continue
        if "secrets" not in value:
            key = (last or "").split("[", 1)[0]
            if (".env." in f".{path}" or path.startswith("env.")) and "${{" not in value:
                yield from value_findings(ctx, key, value, scalar.line, "github env", f"job {job}", unit=unit)
            continue
        for match in _SECRET.finditer(value):
            secret = match.group(1) or match.group(2)
            key = (last or "").split("[", 1)[0]
            in_env = ".env." in f".{path}" or path.startswith("env.")
            name = key if in_env and _ENV_NAME.match(key) and key != secret else secret
            detail = f"job {job}" + (f", secret {secret}" if name != secret else "")
            # a secret is a credential unless its name only selects something (AWS_REGION, *_URL)
            credential = not ctx.catalog.is_selector_name(name)
            yield Finding(name, ctx.loc(scalar.line_at(match.start())), "github secret", detail, unit=unit,
                          credential=credential)


def find(doc: YNode, ctx: FileContext) -> Iterator[Finding]:
    if not isinstance(doc, YMap):
        return
    workflow = ctx.rel.rsplit("/", 1)[-1]
    for key, _, value in doc.items:
        if key == "jobs" and isinstance(value, YMap):
            for job, _, body in value.items:
                yield from _secrets_in(body, ctx, ci_unit(workflow, job), job)
        elif key not in ("jobs",):
            yield from _secrets_in(YMap([(key, 0, value)]), ctx, ci_unit(workflow, "*"), "*")


def find_text(text: str, ctx: FileContext) -> Iterator[Finding]:
    """Fallback for a workflow that is not valid YAML: secrets by line, unit without a job."""
    workflow = ctx.rel.rsplit("/", 1)[-1]
    for number, line in enumerate(text.splitlines(), 1):
        for match in _SECRET.finditer(line):
            name = match.group(1) or match.group(2)
            yield Finding(name, ctx.loc(number), "github secret", "job ?", unit=ci_unit(workflow, "?"),
                          credential=not ctx.catalog.is_selector_name(name))
