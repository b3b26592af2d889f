"""A server-side SVG choropleth of a count by département (metropolitan France).

Served as a standalone image (`image/svg+xml`) by the pages that show one (petition
signatures, synthesis participants), so a page never carries the contours in its HTML.
Contours come from the territories app's static GeoJSON, projected once per process
(equirectangular, scaled by cos 46.5°) and rounded to whole pixels. Colours are SVG
presentation attributes (CSP forbids inline style); the page shows the table next to it,
which is the accessible equivalent.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

import terreau.territories

WIDTH = 480
MIN_STEP = 2
GEOJSON = Path(terreau.territories.__file__).parent / "static" / "territories" / "geo" / "departements.geojson"
# Light to dark green; the first is for départements with no signature.
PALETTE = ("#eef3f0", "#cfe6d9", "#9bc9b0", "#5fa47f", "#2f7d55", "#134a30")
_LON0, _LAT0, _K = -5.3, 51.2, math.cos(math.radians(46.5))


def _project(lon: float, lat: float, scale: float) -> tuple[float, float]:
    return (round((lon - _LON0) * _K * scale), round((_LAT0 - lat) * scale))


@lru_cache(maxsize=1)
def _contours() -> tuple[dict[str, tuple[str, str]], int]:
    """{code: (name, path d)} for metropolitan départements, and the map height."""
    data = json.loads(GEOJSON.read_text(encoding="utf-8"))
    scale = WIDTH / ((9.7 - _LON0) * _K)
    paths: dict[str, tuple[str, str]] = {}
    for feature in data["features"]:
        code = feature["properties"]["code"]
        if len(code) > 2:  # overseas: not on this map (they are in the table)
            continue
        geometry = feature["geometry"]
        polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        parts = []
        for polygon in polygons:
            for ring in polygon:
                points, last = [], None
                for lon, lat in ring:
                    point = _project(lon, lat, scale)
                    # Keep a point only if it is at least MIN_STEP px from the last one kept.
                    if last is None or abs(point[0] - last[0]) + abs(point[1] - last[1]) >= MIN_STEP:
                        points.append(point)
                        last = point
                if len(points) > 2:
                    parts.append("M" + "L".join(f"{x:g},{y:g}" for x, y in points) + "Z")
        paths[code] = (feature["properties"]["nom"], "".join(parts))
    height = int((_LAT0 - 41.3) * scale) + 1
    return paths, height


def _bucket(n: int, top: int) -> int:
    if n <= 0 or top <= 0:
        return 0
    return 1 + min(len(PALETTE) - 2, int(math.log1p(n) / math.log1p(top) * (len(PALETTE) - 1)))


def render(counts: dict[str, int], title: str) -> str:
    """The SVG document; `counts` maps INSEE département codes to a count (signatures, authors)."""
    paths, height = _contours()
    top = max(counts.values(), default=0)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" '
        f'height="{height}" role="img" aria-labelledby="t"><title id="t">{escape(title)}</title>'
        f'<g stroke="#8d9a93" stroke-width="0.5" stroke-linejoin="round">'
    ]
    for code, (name, d) in sorted(paths.items()):
        n = counts.get(code, 0)
        out.append(
            f'<path d="{d}" fill="{PALETTE[_bucket(n, top)]}"><title>{escape(name)} ({code}) : {n}</title></path>'
        )
    out.append("</g></svg>")
    return "".join(out)
