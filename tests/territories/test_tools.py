"""The offline build tools (no npm, no source download: small fixtures)."""

import gzip
import importlib.util
import json
import sys
from pathlib import Path

import pytest

TOOLS = Path(__file__).resolve().parents[2] / "tools"


def load_tool(name):
    spec = importlib.util.spec_from_file_location(name, TOOLS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def build_territories():
    return load_tool("build_territories")


@pytest.fixture(scope="module")
def simplify_geo():
    return load_tool("simplify_geo")


def write_package(root: Path) -> Path:
    data = root / "data"
    data.mkdir(parents=True)
    (root / "package.json").write_text(json.dumps({"version": "6.0.0"}))
    (data / "regions.json").write_text(
        json.dumps(
            [
                {"code": "84", "nom": "Auvergne-Rhône-Alpes", "zone": "metro"},
                {"code": "975", "nom": "SPM", "zone": "com"},
            ]
        )
    )
    (data / "departements.json").write_text(
        json.dumps(
            [
                {"code": "69", "nom": "Rhône", "region": "84", "zone": "metro"},
                {"code": "975", "nom": "SPM", "region": "975", "zone": "com"},
            ]
        )
    )
    communes = [
        {
            "code": "69123",
            "nom": "Lyon",
            "departement": "69",
            "type": "commune-actuelle",
            "population": 5,
            "codesPostaux": ["69002", "69001"],
        },
        {"code": "69381", "nom": "Lyon 1er", "departement": "69", "type": "arrondissement-municipal"},
        {"code": "69999", "nom": "Sans Poste", "departement": "69", "type": "commune-actuelle"},
        {"code": "97502", "nom": "Saint-Pierre", "departement": "975", "type": "commune-actuelle"},
    ]
    (data / "communes.json").write_text(json.dumps(communes))
    return root


def test_build_territories(build_territories, tmp_path):
    package = write_package(tmp_path / "pkg")
    output = tmp_path / "out.json.gz"
    assert build_territories.main(["--package-dir", str(package), "--output", str(output)]) == 0
    with gzip.open(output, "rt", encoding="utf-8") as handle:
        data = json.load(handle)
    assert data["regions"] == [["84", "Auvergne-Rhône-Alpes"]]
    assert data["departements"] == [["69", "Rhône", "84"]]
    assert data["communes"] == [["69123", "Lyon", "69", 5, "69001 69002"], ["69999", "Sans Poste", "69", 0, ""]]
    first = output.read_bytes()
    build_territories.main(["--package-dir", str(package), "--output", str(output)])
    assert output.read_bytes() == first  # deterministic

    build_territories.main(["--package-dir", str(package), "--output", str(output), "--include-com"])
    with gzip.open(output, "rt", encoding="utf-8") as handle:
        assert len(json.load(handle)["communes"]) == 3


def test_douglas_peucker(simplify_geo):
    line = [(0, 0), (1, 0.001), (2, -0.001), (3, 5), (4, 6), (5, 7.001), (6, 8)]
    assert simplify_geo.douglas_peucker(line, 0.01) == [(0, 0), (2, -0.001), (3, 5), (6, 8)]
    assert simplify_geo.douglas_peucker(line[:2], 1) == line[:2]


def square(x0, y0, x1, y1, steps=20):
    """A closed ring with many nearly collinear points on each side."""
    points = []
    for i in range(steps):
        points.append((x0 + (x1 - x0) * i / steps, y0 + (0.0001 if i % 2 else 0)))
    for i in range(steps):
        points.append((x1, y0 + (y1 - y0) * i / steps))
    for i in range(steps):
        points.append((x1 - (x1 - x0) * i / steps, y1))
    for i in range(steps):
        points.append((x0, y1 - (y1 - y0) * i / steps))
    return [[x, y] for x, y in [*points, points[0]]]


def test_shared_borders_stay_shared(simplify_geo):
    left = square(0, 0, 1, 1)
    # The right square reuses the left square's right side, reversed, as its left side.
    right_side = [p for p in left if p[0] == 1]
    right = [*right_side[::-1], [2, 0], [2, 1], right_side[-1]]
    right = [right_side[-1], *right]
    collection = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"code": "A", "nom": "A", "x": 1},
                "geometry": {"type": "Polygon", "coordinates": [left]},
            },
            {
                "type": "Feature",
                "properties": {"code": "B", "nom": "B"},
                "geometry": {"type": "Polygon", "coordinates": [right]},
            },
        ],
    }
    [(simplified, before, after)] = simplify_geo.simplify_collections(
        [collection], tolerance=0.01, precision=4, min_area=0
    )
    assert after < before
    a, b = (feature["geometry"]["coordinates"][0] for feature in simplified["features"])
    assert simplified["features"][0]["properties"] == {"code": "A", "nom": "A"}
    shared_a = {tuple(p) for p in a if p[0] == 1}
    shared_b = {tuple(p) for p in b if p[0] == 1}
    assert shared_a == shared_b
    assert a[0] == a[-1] and b[0] == b[-1]
