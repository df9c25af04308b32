"""SVG drawn in Python for the HTML report: the blast-radius picture and the comparison bars.

Why no JavaScript graph library: the report must open offline from an email attachment, print,
and read with scripts off. Every string that reaches the SVG goes through :func:`esc`; the
callers embed the result as markup, so nothing unescaped may be concatenated here.

The picture is radial: the credentials the process holds sit at the centre, packages on rings
by depth (direct dependencies innermost), each direct dependency's subtree in its own sector so
"who pulls in what" stays visible. A ring with more packages than fit legibly is aggregated:
its unremarkable packages become one arc per sector with a count, while compromised and flagged
packages are always drawn as dots.
"""

from __future__ import annotations

import math
from html import escape
from typing import Any

COLOURS = {
    "compromised": "#c0392b",
    "flagged": "#e67e22",
    "vulnerable": "#d4ac0d",
    "reaches": "#4a6fa5",
    "no-reach": "#b5b5b5",
    "edge": "#c9d3e0",
    "ring": "#e6e9ef",
    "centre": "#fdecea",
    "centre-stroke": "#c0392b",
    "text": "#1f2933",
    "muted": "#616e7c",
}

MIN_SPACING = 9.0  # px between dot centres on a ring before it is aggregated
MAX_RINGS = 4


def esc(value: Any) -> str:
    return escape(str(value), quote=True)


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _status(p: dict[str, Any]) -> str:
    if p.get("compromised"):
        return "compromised"
    if p.get("flagged"):
        return "flagged"
    if p.get("vulnerable"):
        return "vulnerable"
    if p.get("reach_count") == 0:
        return "no-reach"
    return "reaches"


def _title(p: dict[str, Any]) -> str:
    parts = [f"{p['name']} {p.get('version') or ''}".strip()]
    if p.get("depth") is not None:
        parts.append(f"depth {p['depth']}")
    if p.get("reach_count") is not None:
        parts.append(f"reaches {p['reach_count']} credential(s)")
    status = _status(p)
    if status in ("compromised", "flagged", "vulnerable"):
        parts.append(status)
    if p.get("path"):
        parts.append(" → ".join(p["path"]))
    return " — ".join(parts)


def blast_radius(packages: list[dict[str, Any]], credentials: list[str], *, size: int = 720) -> str:
    """The radial picture. ``packages`` are rows from :func:`blastradius.report.present.packages`;
    ``credentials`` the names held at the centre."""
    cx = cy = size / 2
    legend_h = 66
    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size + legend_h}" '
        f'role="img" aria-labelledby="br-title" class="blast" font-family="system-ui, sans-serif">',
        f'<title id="br-title">Blast radius: {len(credentials)} credential(s) at the centre, '
        f"{len(packages)} package(s) around them by dependency depth</title>",
    ]
    known = [p for p in packages if p.get("depth") is not None and p.get("depth", 0) >= 1 and p.get("path")]
    unknown = [p for p in packages if p not in known]
    max_depth = max((p["depth"] for p in known), default=0)
    rings = min(max_depth, MAX_RINGS) + (1 if unknown else 0)
    r0 = 92.0
    outer = size / 2 - 40
    step = (outer - (r0 + 42)) / max(1, rings - 1) if rings > 1 else 0
    radius = {d: r0 + 42 + (d - 1) * step for d in range(1, rings + 1)}

    def ring_of(p: dict[str, Any]) -> int:
        if p in unknown:
            return rings
        return min(p["depth"], MAX_RINGS)

    # ring guides + labels
    for d in range(1, rings + 1):
        r = radius[d]
        out.append(f'<circle cx="{_fmt(cx)}" cy="{_fmt(cy)}" r="{_fmt(r)}" fill="none" stroke="{COLOURS["ring"]}" stroke-width="1"/>')
        if unknown and d == rings:
            label = "depth unknown"
        elif d == MAX_RINGS and max_depth > MAX_RINGS:
            label = f"depth {MAX_RINGS}+"
        else:
            label = f"depth {d}"
        out.append(
            f'<text x="{_fmt(cx)}" y="{_fmt(cy - r - 4)}" text-anchor="middle" font-size="9" fill="{COLOURS["muted"]}">{esc(label)}</text>'
        )

    # radial tree: every package gets an angular span proportional to what it pulls in, inside
    # its parent's span (parent = the previous package on its shortest path from a root)
    by_name: dict[str, dict[str, Any]] = {}
    for p in sorted(known, key=lambda p: (p["depth"], p["key"])):
        by_name.setdefault(p["name"], p)
    children: dict[str, list[dict[str, Any]]] = {}
    top: list[dict[str, Any]] = []
    for p in known:
        parent = p["path"][-2] if len(p["path"]) > 1 else None
        if parent is not None and parent in by_name and by_name[parent] is not p and by_name[parent]["depth"] < p["depth"]:
            children.setdefault(by_name[parent]["key"], []).append(p)
        else:
            top.append(p)
    tree_size: dict[str, int] = {}

    def subtree_size(p: dict[str, Any]) -> int:
        if p["key"] not in tree_size:
            tree_size[p["key"]] = 1 + sum(subtree_size(c) for c in children.get(p["key"], []))
        return tree_size[p["key"]]

    span: dict[str, tuple[float, float]] = {}

    def assign(members: list[dict[str, Any]], a0: float, a1: float) -> None:
        total = sum(subtree_size(m) for m in members) or 1
        a = a0
        for m in sorted(members, key=lambda m: (-subtree_size(m), m["name"], m["key"])):
            width = (a1 - a0) * subtree_size(m) / total
            span[m["key"]] = (a, a + width)
            assign(children.get(m["key"], []), a, a + width)
            a += width

    assign(top + sorted(unknown, key=lambda p: p["key"]), -math.pi / 2, 3 * math.pi / 2)
    angle = {k: (a + b) / 2 for k, (a, b) in span.items()}

    per_ring: dict[int, int] = {}
    for p in packages:
        per_ring[ring_of(p)] = per_ring.get(ring_of(p), 0) + 1
    crowded = {d: per_ring.get(d, 0) * MIN_SPACING > 2 * math.pi * radius[d] for d in radius}
    big = max(5, len(packages) // 20)

    positions: dict[str, tuple[float, float]] = {}
    edges: list[str] = []
    dots: list[str] = []
    labels: list[str] = []
    for d in range(1, rings + 1):
        r = radius[d]
        on_ring = sorted((p for p in packages if ring_of(p) == d and p["key"] in span), key=lambda p: angle[p["key"]])
        shown = on_ring
        if crowded[d]:
            shown = [p for p in on_ring if _status(p) in ("compromised", "flagged", "vulnerable")]
            groups: dict[str, list[dict[str, Any]]] = {}
            for p in on_ring:
                if p in shown:
                    continue
                if p in unknown:
                    group = "?"
                elif d == 1:
                    group = str(int((angle[p["key"]] + math.pi / 2) / (2 * math.pi) * 24))
                else:
                    group = p["path"][min(d, len(p["path"])) - 1]
                groups.setdefault(group, []).append(p)
            for group, members in groups.items():
                a_start = min(span[m["key"]][0] for m in members)
                a_end = max(span[m["key"]][1] for m in members)
                dots.append(_band(cx, cy, r, a_start, a_end, len(members), group if d > 1 and group != "?" else ""))
                if (a_end - a_start) * r > 22:
                    mid = (a_start + a_end) / 2
                    tx, ty = cx + (r + 14) * math.cos(mid), cy + (r + 14) * math.sin(mid)
                    labels.append(
                        f'<text x="{_fmt(tx)}" y="{_fmt(ty + 3)}" text-anchor="middle" font-size="9" fill="{COLOURS["muted"]}">+{len(members)}</text>'
                    )
        for p in shown:
            a = angle[p["key"]]
            x, y = cx + r * math.cos(a), cy + r * math.sin(a)
            positions[p["key"]] = (x, y)
            status = _status(p)
            radius_dot = 6.5 if status in ("compromised", "flagged") else 4.2
            dots.append(
                f'<circle cx="{_fmt(x)}" cy="{_fmt(y)}" r="{radius_dot}" fill="{COLOURS[status]}" stroke="#fff" stroke-width="1.2" '
                f'class="pkg {status}" data-name="{esc(p["name"])}"><title>{esc(_title(p))}</title></circle>'
            )
            notable = status in ("compromised", "flagged")
            if notable or (not crowded[d] and (d == 1 and per_ring.get(1, 0) <= 28 or d <= 2 and subtree_size(p) >= big)):
                lx, ly = cx + (r + 10) * math.cos(a), cy + (r + 10) * math.sin(a)
                anchor = "start" if math.cos(a) > 0.15 else "end" if math.cos(a) < -0.15 else "middle"
                weight = ' font-weight="700"' if notable else ""
                colour = COLOURS[status] if notable else COLOURS["text"]
                labels.append(
                    f'<text x="{_fmt(lx)}" y="{_fmt(ly + 3)}" text-anchor="{anchor}" font-size="10"{weight} fill="{colour}" '
                    f'stroke="#fff" stroke-width="3" paint-order="stroke">{esc(_clip(p["name"], 28))}</text>'
                )
    # edges from each drawn package to its drawn parent (or the centre for direct deps)
    parent_key = {c["key"]: k for k, kids in children.items() for c in kids}
    for p in known:
        if p["key"] not in positions:
            continue
        x, y = positions[p["key"]]
        if p["key"] not in parent_key:
            a = math.atan2(y - cy, x - cx)
            px, py = cx + r0 * math.cos(a), cy + r0 * math.sin(a)
        elif parent_key[p["key"]] in positions:
            px, py = positions[parent_key[p["key"]]]
        else:
            continue
        edges.append(f'<line x1="{_fmt(px)}" y1="{_fmt(py)}" x2="{_fmt(x)}" y2="{_fmt(y)}" stroke="{COLOURS["edge"]}" stroke-width="0.8"/>')
    out += edges

    # the centre: credentials held by the process
    out.append(
        f'<circle cx="{_fmt(cx)}" cy="{_fmt(cy)}" r="{_fmt(r0)}" fill="{COLOURS["centre"]}" stroke="{COLOURS["centre-stroke"]}" stroke-width="1.5"/>'
    )
    head = f"{len(credentials)} credential{'s' if len(credentials) != 1 else ''}" if credentials else "no credentials found"
    out.append(f'<text x="{_fmt(cx)}" y="{_fmt(cy - 50)}" text-anchor="middle" font-size="13" font-weight="700" fill="{COLOURS["centre-stroke"]}">{esc(head)}</text>')
    shown_names = credentials[:7]
    for i, name in enumerate(shown_names):
        out.append(
            f'<text x="{_fmt(cx)}" y="{_fmt(cy - 30 + i * 13)}" text-anchor="middle" font-size="10" fill="{COLOURS["text"]}">{esc(_clip(name, 24))}</text>'
        )
    if len(credentials) > len(shown_names):
        out.append(
            f'<text x="{_fmt(cx)}" y="{_fmt(cy - 30 + len(shown_names) * 13)}" text-anchor="middle" font-size="10" fill="{COLOURS["muted"]}">+{len(credentials) - len(shown_names)} more</text>'
        )
    out += dots
    out += labels

    # legend
    ly = size + 14
    items = [
        ("compromised", "known-compromised"),
        ("flagged", "flagged capability"),
        ("vulnerable", "known vulnerability"),
        ("reaches", "package in the process"),
    ]
    x = 20.0
    for status, text in items:
        out.append(f'<circle cx="{_fmt(x)}" cy="{_fmt(ly)}" r="5" fill="{COLOURS[status]}"/>')
        out.append(f'<text x="{_fmt(x + 9)}" y="{_fmt(ly + 4)}" font-size="11" fill="{COLOURS["text"]}">{esc(text)}</text>')
        x += 40 + 6.2 * len(text)
    notes = [
        "Rings: dependency depth from the project root. Each package sits inside the angle of the package that pulled it in,",
        "sized by how much it pulls in. A shaded band marked +N stands for N packages aggregated to keep the picture legible.",
    ]
    for i, note in enumerate(notes):
        out.append(f'<text x="20" y="{_fmt(ly + 24 + i * 13)}" font-size="10" fill="{COLOURS["muted"]}">{esc(note)}</text>')
    out.append("</svg>")
    return "\n".join(out)


def _band(cx: float, cy: float, r: float, a_start: float, a_end: float, count: int, under: str) -> str:
    """An arc standing for ``count`` packages that are not drawn one by one."""
    where = f" under {under}" if under else ""
    tip = f"<title>{esc(count)} more package(s){esc(where)} at this depth</title>"
    common = f'fill="none" stroke="{COLOURS["reaches"]}" stroke-opacity="0.45" stroke-width="9"'
    pad = min(0.01, (a_end - a_start) / 4)
    a0, a1 = a_start + pad, a_end - pad
    if a1 - a0 >= 2 * math.pi - 1e-6:
        return f'<circle cx="{_fmt(cx)}" cy="{_fmt(cy)}" r="{_fmt(r)}" {common} class="band">{tip}</circle>'
    x1, y1 = cx + r * math.cos(a0), cy + r * math.sin(a0)
    x2, y2 = cx + r * math.cos(a1), cy + r * math.sin(a1)
    large = 1 if a1 - a0 > math.pi else 0
    return (
        f'<path d="M{_fmt(x1)},{_fmt(y1)} A{_fmt(r)},{_fmt(r)} 0 {large} 1 {_fmt(x2)},{_fmt(y2)}" {common} '
        f'stroke-linecap="butt" class="band">{tip}</path>'
    )


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def comparison_bars(rows: list[dict[str, Any]], *, width: int = 720) -> str:
    """Small multiples, one panel per measure, one bar per variant (each panel has its own scale,
    so a bar is compared only with the same measure of the other variants)."""
    metrics = [("packages", "packages within reach of a credential"), ("exposure", "exposure (package × credential pairs)"), ("score", "score (0–100)")]
    metrics = [(k, t) for k, t in metrics if any(isinstance(r.get(k), (int, float)) for r in rows)]
    label_w = 230
    bar_h, gap, head = 16, 6, 22
    panel_h = head + len(rows) * (bar_h + gap) + 8
    height = panel_h * len(metrics) + 6
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" aria-labelledby="cmp-title" '
        f'class="bars" font-family="system-ui, sans-serif">',
        '<title id="cmp-title">Single- vs multi-provider comparison</title>',
    ]
    palette = ["#c0392b", "#4a6fa5", "#2e8b57", "#8e44ad", "#d35400", "#16a085"]
    for m, (key, title) in enumerate(metrics):
        top = m * panel_h
        out.append(f'<text x="0" y="{top + 14}" font-size="12" font-weight="700" fill="{COLOURS["text"]}">{esc(title)}</text>')
        values = [r.get(key) if isinstance(r.get(key), (int, float)) else None for r in rows]
        peak = max([v for v in values if v is not None] or [1]) or 1
        if key == "score":
            peak = max(peak, 100)
        for i, row in enumerate(rows):
            y = top + head + i * (bar_h + gap)
            out.append(
                f'<text x="{label_w - 8}" y="{y + 12}" text-anchor="end" font-size="11" fill="{COLOURS["text"]}">{esc(_clip(row["label"], 36))}</text>'
            )
            value = values[i]
            if value is None:
                out.append(f'<text x="{label_w}" y="{y + 12}" font-size="11" fill="{COLOURS["muted"]}">not reported</text>')
                continue
            w = (width - label_w - 70) * float(value) / float(peak)
            out.append(
                f'<rect x="{label_w}" y="{y}" width="{_fmt(max(w, 1.5))}" height="{bar_h}" fill="{palette[i % len(palette)]}" rx="2">'
                f"<title>{esc(row['label'])}: {esc(value)}</title></rect>"
            )
            out.append(f'<text x="{_fmt(label_w + max(w, 1.5) + 6)}" y="{y + 12}" font-size="11" fill="{COLOURS["text"]}">{esc(value)}</text>')
    out.append("</svg>")
    return "\n".join(out)
