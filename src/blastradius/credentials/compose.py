"""docker-compose files: each service's ``environment`` (mapping or ``NAME=value`` list),
``${NAME}`` interpolations anywhere in a service (they come from the host env or ``.env``),
and ``env_file`` references (noted on the service; the env file itself is read by the dotenv
finder)."""

from __future__ import annotations

from typing import Iterator

from blastradius.credentials._base import FileContext, Finding, interpolations, value_findings
from blastradius.credentials._yaml import YMap, YNode, YScalar, YSeq, iter_scalars

_SERVICE_KEYS = {"image", "build", "environment", "env_file", "command", "entrypoint", "ports", "volumes"}


def is_compose(doc: YNode, rel: str) -> bool:
    if not isinstance(doc, YMap):
        return False
    services = doc.get("services")
    if not isinstance(services, YMap):
        return False
    name = rel.rsplit("/", 1)[-1].lower()
    if "compose" in name:
        return True
    return any(isinstance(s, YMap) and set(s.keys()) & _SERVICE_KEYS for _, _, s in services.items)


def find(doc: YNode, ctx: FileContext) -> Iterator[Finding]:
    services = doc.get("services") if isinstance(doc, YMap) else None
    if not isinstance(services, YMap):
        return
    catalog = ctx.catalog
    for service, _, body in services.items:
        if not isinstance(body, YMap):
            continue
        detail = f"service {service}"
        handled: set[int] = set()
        env = body.get("environment")
        if isinstance(env, YMap):
            for name, kline, value in env.items:
                raw = value.value if isinstance(value, YScalar) else None
                if isinstance(value, YScalar):
                    handled.add(id(value))
                yield from value_findings(ctx, name, raw, kline, "compose environment", detail)
        elif isinstance(env, YSeq):
            for item in env.items:
                if not isinstance(item, YScalar) or not item.value:
                    continue
                handled.add(id(item))
                name, sep, raw = item.value.partition("=")
                yield from value_findings(ctx, name.strip(), raw if sep else None, item.line,
                                          "compose environment", detail)
        env_file = body.get("env_file")
        files = env_file.items if isinstance(env_file, YSeq) else [env_file] if env_file is not None else []
        for item in files:
            node = item.get("path") if isinstance(item, YMap) else item
            if isinstance(node, YScalar):
                handled.add(id(node))
        # interpolations elsewhere in the service (command, healthcheck, labels ...)
        for path, _, scalar in iter_scalars(body):
            if id(scalar) in handled or not scalar.value or "$" not in scalar.value:
                continue
            for ref, _ in interpolations(scalar.value):
                if catalog.is_credential_name(ref):
                    yield Finding(ref, ctx.loc(scalar.line), "compose interpolation", f"{detail} {path}")

