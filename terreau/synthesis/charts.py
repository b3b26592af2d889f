"""Server-side SVG stance bars (no inline style: CSS classes). The map is territories.svgmap."""

from __future__ import annotations

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe


def stance_bar(stance: dict[str, int], label: str) -> SafeString:
    """A 100-wide bar: for / mixed / against / none, widths from distinct authors."""
    parts = [(k, int(stance.get(k, 0) or 0)) for k in ("for", "mixed", "against", "none")]
    total = sum(n for _k, n in parts)
    if total <= 0 or total == parts[-1][1]:  # nobody expressed a position: no bar
        return mark_safe("")
    x = 0.0
    rects = []
    for kind, n in parts:
        if n <= 0:
            continue
        w = 100 * n / total
        rects.append((kind, f"{x:.2f}", f"{w:.2f}"))
        x += w
    return format_html(
        '<svg class="stance-bar" viewBox="0 0 100 6" preserveAspectRatio="none" role="img" aria-label="{}">{}</svg>',
        label,
        format_html_join("", '<rect class="stance-{}" x="{}" y="0" width="{}" height="6"></rect>', rects),
    )
