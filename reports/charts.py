"""Small server-rendered SVG bar charts (no JavaScript, nothing inline for the CSP)."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import mark_safe

MONTHS = ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"]


def bar_chart(rows: list[dict], series: list[tuple[str, str, str]], *, height: int = 140) -> str:
    """rows: [{"month": date, key: n, ...}]; series: [(key, label, colour)]. Returns <svg>."""
    width, pad, label_h = 640, 4, 18
    top = max([1, *(r[key] for r in rows for key, _, _ in series)])
    group = (width - 2 * pad) / max(1, len(rows))
    bar = max(2.0, (group - 6) / max(1, len(series)))
    labels = escape(", ".join(label for _, label, _ in series))
    size = f'viewBox="0 0 {width} {height + label_h}"'
    parts = [f'<svg {size} role="img" class="chart" aria-label="{labels}">']
    for i, row in enumerate(rows):
        x0 = pad + i * group + 3
        for j, (key, label, colour) in enumerate(series):
            h = round(row[key] / top * (height - 16), 1)
            x = round(x0 + j * bar, 1)
            parts.append(
                f'<rect x="{x}" y="{height - h}" width="{round(bar - 1, 1)}" height="{h}" '
                f'fill="{escape(colour)}"><title>{escape(label)}: {row[key]}</title></rect>'
            )
        month = row["month"]
        parts.append(
            f'<text x="{round(x0 + group / 2 - 3, 1)}" y="{height + 13}" font-size="10" '
            f'text-anchor="middle">{MONTHS[month.month - 1]}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))
