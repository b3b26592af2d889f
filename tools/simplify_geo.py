#!/usr/bin/env python3
"""Simplify the département and région contours served to browsers (pure Python).

Reads the france-geojson files (IGN Admin Express / INSEE COG, see SOURCE.md next to them)
and writes terreau/territories/static/territories/geo/{departements,regions}.geojson.

    python tools/simplify_geo.py                   # source: ../shared/data/geo from the repo root
    python tools/simplify_geo.py /path/to/geo --tolerance 0.004

Topology-preserving Douglas–Peucker: rings are cut into arcs at junctions (points where
the set of neighbouring polygons changes) and every arc is simplified once, so borders
shared by two départements stay identical (no gaps, no overlaps), and région borders
(simplified in the same pass) lie exactly on département borders. Then coordinates are
rounded, degenerate rings and tiny islets dropped (a feature always keeps its largest
polygon). Only the `code` and `nom` properties are kept. Deterministic output.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Iterable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = REPO_ROOT.parent / "shared" / "data" / "geo"
DEFAULT_OUTPUT = REPO_ROOT / "terreau" / "territories" / "static" / "territories" / "geo"
FILES = {
    "departements-avec-outre-mer.geojson": "departements.geojson",
    "regions-avec-outre-mer.geojson": "regions.geojson",
}
DEFAULT_TOLERANCE = 0.007  # degrees, about 550-780 m
# Overseas départements are small islands (and Guyane) usually drawn as magnified insets.
DEFAULT_OVERSEAS_TOLERANCE = 0.002
METROPOLE_BBOX = (-5.5, 41.0, 10.0, 51.5)  # lon min, lat min, lon max, lat max (with Corsica)
DEFAULT_PRECISION = 4  # decimals, about 10 m
DEFAULT_MIN_AREA = 0.0004  # square degrees, about 3-4 km²

Point = tuple[float, float]
Ring = list[Point]


def _segment_distance(p: Point, a: Point, b: Point) -> float:
    """Distance from p to the segment ab (planar, in degrees)."""
    (px, py), (ax, ay), (bx, by) = p, a, b
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    if length2 == 0:
        return math.hypot(px - ax, py - ay)
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length2))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def douglas_peucker(points: list[Point], tolerance: float) -> list[Point]:
    """Keep the first and last points and every point farther than `tolerance` from the
    simplified line (iterative, so long arcs do not hit the recursion limit)."""
    if len(points) < 3:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        farthest, distance = 0, tolerance
        for i in range(first + 1, last):
            d = _segment_distance(points[i], points[first], points[last])
            if d > distance:
                farthest, distance = i, d
        if farthest:
            keep[farthest] = True
            stack.extend(((first, farthest), (farthest, last)))
    return [point for point, kept in zip(points, keep, strict=True) if kept]


def ring_area(ring: Ring) -> float:
    """Absolute planar area (shoelace), in square degrees."""
    return abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True))) / 2


def open_ring(coordinates: Iterable[Iterable[float]]) -> Ring:
    ring = [(float(x), float(y)) for x, y, *_ in coordinates]
    if len(ring) > 1 and ring[0] == ring[-1]:
        ring.pop()
    return ring


def find_junctions(rings: Iterable[Ring]) -> set[Point]:
    """Points whose (previous, next) neighbours differ between their occurrences."""
    seen: dict[Point, frozenset[Point]] = {}
    junctions: set[Point] = set()
    for ring in rings:
        n = len(ring)
        for i, point in enumerate(ring):
            neighbours = frozenset((ring[i - 1], ring[(i + 1) % n]))
            if seen.setdefault(point, neighbours) != neighbours:
                junctions.add(point)
    return junctions


class ArcSimplifier:
    """Simplifies rings arc by arc; an arc shared by two rings is simplified once."""

    def __init__(self, junctions: set[Point], tolerance: float, overseas_tolerance: float) -> None:
        self.junctions = junctions
        self.tolerance = tolerance
        self.overseas_tolerance = overseas_tolerance
        self.cache: dict[tuple[Point, ...], list[Point]] = {}

    def tolerance_at(self, point: Point) -> float:
        lon_min, lat_min, lon_max, lat_max = METROPOLE_BBOX
        inside = lon_min <= point[0] <= lon_max and lat_min <= point[1] <= lat_max
        return self.tolerance if inside else self.overseas_tolerance

    def arc(self, points: list[Point]) -> list[Point]:
        forward, backward = tuple(points), tuple(reversed(points))
        key = min(forward, backward)
        if key not in self.cache:
            self.cache[key] = douglas_peucker(list(key), self.tolerance_at(key[0]))
        simplified = self.cache[key]
        return simplified if key == forward else simplified[::-1]

    def ring(self, ring: Ring) -> Ring:
        cuts = [i for i, point in enumerate(ring) if point in self.junctions]
        if not cuts:
            # No neighbour change: cut at canonical points so that a ring shared whole
            # (an enclave and its hole) is cut the same way from both sides.
            start = ring.index(min(ring))
            ring = ring[start:] + ring[:start]
            far = max(range(len(ring)), key=lambda i: (math.dist(ring[0], ring[i]), ring[i]))
            cuts = [0, far] if far else [0]
        else:
            ring = ring[cuts[0] :] + ring[: cuts[0]]
            cuts = [i - cuts[0] for i in cuts]
        closed = [*ring, ring[0]]
        result: Ring = []
        for start, end in zip(cuts, [*cuts[1:], len(ring)], strict=True):
            result.extend(self.arc(closed[start : end + 1])[:-1])
        return result


def round_ring(ring: Ring, precision: int) -> Ring:
    rounded: Ring = []
    for x, y in ring:
        point = (round(x, precision), round(y, precision))
        if not rounded or rounded[-1] != point:
            rounded.append(point)
    while len(rounded) > 1 and rounded[0] == rounded[-1]:
        rounded.pop()
    return rounded


def polygons_of(geometry: dict) -> list[list[Ring]]:
    if geometry["type"] == "Polygon":
        return [[open_ring(ring) for ring in geometry["coordinates"]]]
    if geometry["type"] == "MultiPolygon":
        return [[open_ring(ring) for ring in polygon] for polygon in geometry["coordinates"]]
    raise ValueError(f"unsupported geometry {geometry['type']}")


def simplify_collections(
    collections: list[dict],
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    overseas_tolerance: float = DEFAULT_OVERSEAS_TOLERANCE,
    precision: int = DEFAULT_PRECISION,
    min_area: float = DEFAULT_MIN_AREA,
) -> list[tuple[dict, int, int]]:
    """Simplify FeatureCollections together (arcs shared across them stay identical, so
    région borders overlay département borders); return each with its point counts."""
    parsed = [
        [(feature["properties"], polygons_of(feature["geometry"])) for feature in collection["features"]]
        for collection in collections
    ]
    rings = [ring for features in parsed for _, polygons in features for polygon in polygons for ring in polygon]
    simplifier = ArcSimplifier(find_junctions(rings), tolerance, overseas_tolerance)
    return [_simplify_features(features, simplifier, precision, min_area) for features in parsed]


def _simplify_features(
    features: list[tuple[dict, list[list[Ring]]]], simplifier: ArcSimplifier, precision: int, min_area: float
) -> tuple[dict, int, int]:
    before = after = 0
    output = []
    for properties, polygons in sorted(features, key=lambda item: str(item[0]["code"])):
        before += sum(len(ring) for polygon in polygons for ring in polygon)
        kept = []
        for polygon in polygons:
            rings = [round_ring(simplifier.ring(ring), precision) for ring in polygon]
            if len(rings[0]) < 3:
                continue
            kept.append([rings[0], *(ring for ring in rings[1:] if len(ring) >= 3 and ring_area(ring) >= min_area)])
        if not kept:
            raise ValueError(f"{properties.get('code')}: nothing left, lower the tolerance")
        largest = max(kept, key=lambda polygon: ring_area(polygon[0]))
        kept = [polygon for polygon in kept if polygon is largest or ring_area(polygon[0]) >= min_area]
        after += sum(len(ring) for polygon in kept for ring in polygon)
        coordinates = [[[list(point) for point in [*ring, ring[0]]] for ring in polygon] for polygon in kept]
        geometry = (
            {"type": "Polygon", "coordinates": coordinates[0]}
            if len(coordinates) == 1
            else {"type": "MultiPolygon", "coordinates": coordinates}
        )
        output.append(
            {
                "type": "Feature",
                "properties": {"code": properties["code"], "nom": properties["nom"]},
                "geometry": geometry,
            }
        )
    return {"type": "FeatureCollection", "features": output}, before, after


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", nargs="?", type=Path, default=DEFAULT_SOURCE, help="france-geojson directory")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--tolerance", type=float, default=DEFAULT_TOLERANCE, help="degrees")
    parser.add_argument(
        "--overseas-tolerance", type=float, default=DEFAULT_OVERSEAS_TOLERANCE, help="degrees, outside metropole"
    )
    parser.add_argument("--precision", type=int, default=DEFAULT_PRECISION, help="decimals kept")
    parser.add_argument("--min-area", type=float, default=DEFAULT_MIN_AREA, help="square degrees")
    args = parser.parse_args(argv)

    sources = [args.source / name for name in FILES]
    for source in sources:
        if not source.exists():
            sys.exit(f"{source} not found: pass the france-geojson directory as argument")
    collections = [json.loads(source.read_text(encoding="utf-8")) for source in sources]
    results = simplify_collections(
        collections,
        tolerance=args.tolerance,
        overseas_tolerance=args.overseas_tolerance,
        precision=args.precision,
        min_area=args.min_area,
    )
    args.output.mkdir(parents=True, exist_ok=True)
    for source, (simplified, before, after) in zip(sources, results, strict=True):
        target = args.output / FILES[source.name]
        target.write_text(json.dumps(simplified, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
        print(
            f"{source.name}: {len(simplified['features'])} features, {before} -> {after} points, "
            f"{source.stat().st_size / 1024:.0f} -> {target.stat().st_size / 1024:.0f} KiB ({target.name})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
