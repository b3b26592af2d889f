import gzip
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from terreau.territories.loading import DATA_FILE, read_geography
from terreau.territories.models import Commune, Departement, Region
from terreau.territories.text import normalize_name

GEO_DIR = Path(__file__).resolve().parents[2] / "terreau" / "territories" / "static" / "territories" / "geo"


@pytest.mark.django_db
def test_migration_loaded_the_geography():
    assert Region.objects.count() == 18
    assert Departement.objects.count() == 101
    assert Commune.objects.count() > 34_000
    lyon = Commune.objects.select_related("departement__region").get(pk="69123")
    assert lyon.name == "Lyon" and lyon.departement.name == "Rhône"
    assert lyon.departement.region.name == "Auvergne-Rhône-Alpes"
    assert lyon.postcode_list[0] == "69001" and lyon.population > 400_000
    assert Commune.objects.get(pk="97411").departement.region.name == "La Réunion"
    assert Departement.objects.filter(code__in=["2A", "2B", "976"]).count() == 3


@pytest.mark.django_db
def test_search_names_are_normalised():
    for commune in Commune.objects.order_by("?")[:500]:
        assert commune.search_name == normalize_name(commune.name)


@pytest.mark.django_db
def test_save_keeps_search_name_in_sync(lyon):
    lyon.name = "Lyon-Ville"
    lyon.save()
    assert Commune.objects.get(pk="69123").search_name == "lyon ville"


@pytest.mark.django_db
def test_label():
    assert Commune.objects.get(pk="69123").label == "Lyon (69) — 69001, 69002…"
    assert Commune.objects.get(pk="2A004").label == "Ajaccio (2A) — 20000, 20090…"


@pytest.mark.django_db
def test_load_territories_is_idempotent_and_repairs():
    out = StringIO()
    call_command("load_territories", stdout=out)
    assert "communes: 0 created, 0 updated" in out.getvalue()

    Commune.objects.filter(pk="69123").update(name="Lugdunum", search_name="lugdunum", population=1)
    Commune.objects.filter(pk="01001").delete()
    Commune.objects.create(code="99999", name="Nulle-Part", departement_id="69")
    out = StringIO()
    call_command("load_territories", stdout=out)
    assert "communes: 1 created, 1 updated" in out.getvalue()
    assert "99999" in out.getvalue()  # reported, kept without --prune
    lyon = Commune.objects.get(pk="69123")
    assert (lyon.name, lyon.search_name) == ("Lyon", "lyon") and lyon.population > 1
    assert Commune.objects.filter(pk="01001").exists()

    out = StringIO()
    call_command("load_territories", "--prune", stdout=out)
    assert "1 deleted" in out.getvalue()
    assert not Commune.objects.filter(pk="99999").exists()


def test_data_file_is_compact_and_consistent():
    assert DATA_FILE.stat().st_size < 1_000_000
    geography = read_geography()
    assert geography.source["package"] == "@etalab/decoupage-administratif"
    regions = {code for code, _ in geography.regions}
    departements = {code for code, _, region in geography.departements if region in regions}
    assert len(departements) == len(geography.departements) == 101
    assert all(dep in departements for _, _, dep, _, _ in geography.communes)
    codes = [code for code, *_ in geography.communes]
    assert len(codes) == len(set(codes))
    assert all(len(postcode) == 5 for *_, postcodes in geography.communes for postcode in postcodes.split())
    with gzip.open(DATA_FILE, "rt", encoding="utf-8") as handle:
        assert json.load(handle)["format"] == 1


@pytest.mark.parametrize(("name", "count"), [("departements.geojson", 101), ("regions.geojson", 18)])
def test_served_contours(name, count):
    path = GEO_DIR / name
    assert path.stat().st_size < 400_000
    collection = json.loads(path.read_text(encoding="utf-8"))
    assert collection["type"] == "FeatureCollection"
    assert len(collection["features"]) == count
    for feature in collection["features"]:
        assert set(feature["properties"]) == {"code", "nom"}
        assert feature["geometry"]["type"] in {"Polygon", "MultiPolygon"}
