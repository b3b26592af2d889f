"""Server-side SVG: the département choropleth and the stance bars (no inline style: CSS classes)."""

from __future__ import annotations

import math
from functools import cache

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from terreau.territories.exports import contours

WIDTH = 600
HEIGHT = 580
# Metropolitan France (overseas départements are in the table only).
LON0, LON1, LAT0, LAT1 = -5.3, 10.0, 41.2, 51.2
BUCKETS = 5


def _project(lon: float, lat: float) -> tuple[float, float]:
    kx = math.cos(math.radians(46.5))
    span_x = (LON1 - LON0) * kx
    span_y = LAT1 - LAT0
    scale = min(WIDTH / span_x, HEIGHT / span_y)
    return (lon - LON0) * kx * scale, (LAT1 - lat) * scale


def _ring(points) -> str:
    out = []
    for i, (lon, lat) in enumerate(points):
        x, y = _project(lon, lat)
        out.append(f"{'M' if i == 0 else 'L'}{x:.1f} {y:.1f}")
    return "".join(out) + "Z"


@cache
def departement_paths() -> dict[str, str]:
    """{code: SVG path} for metropolitan départements, computed once per process."""
    paths = {}
    for code, geometry in contours("departement").items():
        if code.startswith("97"):
            continue
        polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        paths[code] = "".join(_ring(ring) for polygon in polygons for ring in polygon)
    return paths


def bucket(value: int, maximum: int) -> int:
    """0 for none, 1..BUCKETS by share of the maximum (square-root scale: small counts stay visible)."""
    if value <= 0 or maximum <= 0:
        return 0
    return max(1, min(BUCKETS, math.ceil(math.sqrt(value / maximum) * BUCKETS)))


def departement_map(counts: dict[str, int], names: dict[str, str], title: str, description_id: str) -> SafeString:
    """A choropleth of distinct authors per département; the table next to it is the text alternative."""
    maximum = max(counts.values(), default=0)
    shapes = format_html_join(
        "",
        '<path class="choro-{}" d="{}"><title>{}</title></path>',
        (
            (bucket(counts.get(code, 0), maximum), path, f"{names.get(code, code)} : {counts.get(code, 0)}")
            for code, path in sorted(departement_paths().items())
        ),
    )
    return format_html(
        '<svg class="synthesis-map" viewBox="0 0 {} {}" role="img" aria-labelledby="{}-title" '
        'aria-describedby="{}"><title id="{}-title">{}</title>{}</svg>',
        WIDTH,
        HEIGHT,
        description_id,
        description_id,
        description_id,
        title,
        shapes,
    )


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
