"""The force briefing's charts as inline SVG (nothing fetched, prints as it shows): the
force's bar with its 95% interval beside the rest of England and Wales, and the action
plan's objectives by RAG status."""

from __future__ import annotations

from typing import Any

from fieldkit.safetext import html_text

FORCE_COLOUR, REST_COLOUR = "#2f6f9f", "#b7c9d9"
RAG_ORDER = ("red", "amber", "green", "complete", "not-started")
RAG_COLOUR = {
    "red": "#c0392b",
    "amber": "#e69f00",
    "green": "#2e8b57",
    "complete": "#555",
    "not-started": "#aaa",
}


def _e(value: Any) -> str:
    """Stored text in SVG: filtered (no control character) and escaped, as on the page."""
    return html_text(value)


def bars_svg(rows: list[dict[str, Any]], force: str) -> str:
    """Paired horizontal bars per question: the force's % with its 95% interval as a
    whisker (from the rows' ci_low/ci_high), and the rest of England and Wales's %."""
    label_w, bar_w, row_h = 300, 300, 30
    height = row_h * len(rows) + 24
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{label_w + bar_w + 50}" '
        f'height="{height}" role="img" font-family="Arial, sans-serif" font-size="10">'
    ]
    for n, r in enumerate(rows):
        y = 20 + n * row_h
        text = r["question"]
        short = text if len(text) <= 56 else text[:55] + "…"
        out.append(f'<text x="{label_w - 6}" y="{y + 12}" text-anchor="end">{_e(short)}</text>')
        for k, (value, colour) in enumerate(
            ((r.get("percent"), FORCE_COLOUR), (r.get("rest_percent"), REST_COLOUR))
        ):
            if value is None:
                continue
            w = bar_w * value / 100
            yy = y + k * 12
            out.append(
                f'<rect x="{label_w}" y="{yy}" width="{w:.1f}" height="10" fill="{colour}"/>'
                f'<text x="{label_w + w + 4}" y="{yy + 9}">{value}%</text>'
            )
        if r.get("ci_low") is not None:
            lo = label_w + bar_w * r["ci_low"] / 100
            hi = label_w + bar_w * r["ci_high"] / 100
            out.append(
                f'<path d="M{lo:.1f} {y + 5}H{hi:.1f}M{lo:.1f} {y + 1}V{y + 9}'
                f'M{hi:.1f} {y + 1}V{y + 9}" stroke="#111" stroke-width="1" fill="none"/>'
            )
    out.append(
        f'<rect x="{label_w}" y="2" width="10" height="10" fill="{FORCE_COLOUR}"/>'
        f'<text x="{label_w + 14}" y="11">{_e(force)} (line: 95% interval)</text>'
        f'<rect x="{label_w + 190}" y="2" width="10" height="10" fill="{REST_COLOUR}"/>'
        f'<text x="{label_w + 204}" y="11">Rest of England and Wales</text>'
    )
    out.append("</svg>")
    return "".join(out)


def rag_svg(counts: dict[str, int]) -> str:
    """One bar split by RAG status, each part labelled with its count."""
    total = sum(counts.values()) or 1
    x, parts = 0.0, []
    for rag in RAG_ORDER:
        n = counts.get(rag, 0)
        if not n:
            continue
        w = 600 * n / total
        parts.append(
            f'<rect x="{x:.1f}" y="0" width="{w:.1f}" height="22" fill="{RAG_COLOUR[rag]}"/>'
            f'<text x="{x + 4:.1f}" y="15" fill="#fff">{_e(rag)} {n}</text>'
        )
        x += w
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="600" height="22" role="img" '
        'font-family="Arial, sans-serif" font-size="11">' + "".join(parts) + "</svg>"
    )
