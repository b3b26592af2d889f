"""The open data page and the dataset downloads."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.http import StreamingHttpResponse

from terreau.opendata.datasets import Column, Dataset, Location
from terreau.opendata.exports import all_datasets, csv_cell, neutralise
from terreau.processes.models import Institution, InstitutionAnswer, Process
from terreau.processes.modules import ModuleManifest, registry
from tests.api.conftest import XSS
from tests.conftest import make_process

pytestmark = pytest.mark.django_db

CORE = ["institutions", "demarches", "reponses", "commentaires", "regions", "departements", "communes"]
GEO = {"demarches", "regions", "departements"}


def download(client, url: str) -> tuple[StreamingHttpResponse, str]:
    response = client.get(url)
    assert response.status_code == 200, url
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body.decode("utf-8")


def read_csv(client, name: str) -> list[dict[str, str]]:
    response, text = download(client, f"/donnees/{name}.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.DictReader(io.StringIO(text)))


def test_page_lists_every_dataset_with_its_formats(client, public_data):
    response = client.get("/donnees/")
    assert response.status_code == 200
    html = response.content.decode()
    assert [d.name for d in all_datasets()][: len(CORE)] == CORE
    for name in CORE:
        assert f'href="http://testserver/donnees/{name}.csv"' in html
        assert f'href="http://testserver/donnees/{name}.json"' in html
        assert f'href="http://testserver/donnees/{name}.schema.json"' in html
        assert (f'href="http://testserver/donnees/{name}.geojson"' in html) == (name in GEO)
    assert "Licence Ouverte 2.0" in html and "etalab.gouv.fr/licence-ouverte-open-licence" in html
    assert 'type="application/atom+xml"' in html and "/donnees/flux/demarches.atom" in html
    assert "/donnees/flux/reponses.atom" in html and "/api/docs" in html
    assert "5 lignes" in html  # public processes, the draft not counted


def test_footer_links_to_api_and_open_data(client):
    html = client.get("/").content.decode()
    assert 'href="/donnees/"' in html and 'href="/api/docs"' in html


@pytest.mark.parametrize("name", CORE)
def test_csv_matches_its_table_schema(client, public_data, name):
    response, text = download(client, f"/donnees/{name}.csv")
    assert isinstance(response, StreamingHttpResponse)  # streamed, row by row
    assert response["Content-Disposition"] == f'attachment; filename="terreau-{name}.csv"'
    assert not text.startswith("\ufeff")
    header = next(csv.reader(io.StringIO(text)))
    schema = client.get(f"/donnees/{name}.schema.json").json()
    assert [f["name"] for f in schema["fields"]] == header
    assert all(f["type"] in {"string", "integer", "number", "boolean", "date", "datetime"} for f in schema["fields"])
    assert schema["licenses"][0]["name"] == "etalab-2.0"
    assert schema["path"] == f"http://testserver/donnees/{name}.csv"
    assert set(schema.get("primaryKey", [])) <= set(header)


@pytest.mark.parametrize("name", CORE)
def test_json_has_metadata_and_the_same_rows(client, public_data, name):
    response, text = download(client, f"/donnees/{name}.json")
    assert response["Content-Type"] == "application/json; charset=utf-8"
    body = json.loads(text)
    assert body["license"]["path"] == "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
    assert body["name"] == name and body["generated_at"].endswith("Z")
    if name != "communes":  # (35 000 rows: compared by count only)
        assert len(body["data"]) == len(read_csv(client, name))
    else:
        assert len(body["data"]) > 34000
    assert response["Access-Control-Allow-Origin"] == "*"


def test_process_rows(client, public_data):
    rows = {r["slug"]: r for r in read_csv(client, "demarches")}
    assert set(rows) == {"ouverte", "archivee", "en-retard", "regionale", "communale"}
    communal = rows["communale"]
    assert (communal["scope_level"], communal["scope_code"], communal["scope_name"]) == ("commune", "69123", "Lyon")
    assert communal["scope_departement_code"] == "69"
    assert communal["phase_count"] == "1" and communal["phases"].startswith("contribution:")
    assert communal["is_open"] == "true" and communal["answer_state"] == "answered_on_time"
    assert communal["contract_decision_maker"] == "Le conseil municipal"
    assert communal["published_at"].endswith("Z")
    assert rows["archivee"]["answer_state"] == "answered_late" and rows["archivee"]["answer_days_late"] == "3"
    assert rows["en-retard"]["answer_state"] == "late" and rows["en-retard"]["answer_days_late"] == "3"
    answers = read_csv(client, "reponses")
    assert [r["state"] for r in answers] == ["late", "due", "due", "answered_on_time", "answered_late"]
    institutions = {r["slug"]: r for r in read_csv(client, "institutions")}
    assert institutions["ville-de-test"]["process_count"] == "3"


def test_drafts_never_appear_in_any_export(client, public_data):
    InstitutionAnswer.objects.create(
        process=public_data.draft, body="Réponse brouillon", published_at="2026-01-01T00:00Z"
    )
    for name in ("institutions", "demarches", "reponses"):
        for fmt in ("csv", "json"):
            _response, text = download(client, f"/donnees/{name}.{fmt}")
            assert "Brouillon secret" not in text and "/demarches/brouillon/" not in text, (name, fmt)
            assert "Réponse brouillon" not in text
    _response, text = download(client, "/donnees/demarches.geojson")
    assert "Brouillon secret" not in text and "/demarches/brouillon/" not in text


def test_no_personal_data(client, public_data, inst_admin):
    Process.objects.update(created_by=inst_admin)
    InstitutionAnswer.objects.update(published_by=inst_admin)
    for dataset in all_datasets():
        if dataset.name == "communes":
            continue
        for fmt in ("csv", "json"):
            _response, text = download(client, f"/donnees/{dataset.name}.{fmt}")
            assert inst_admin.email not in text and inst_admin.display_name not in text
            assert "created_by" not in text and "published_by" not in text


def test_formulas_are_neutralised_in_csv_only(client, institution):
    process = make_process(institution, slug="formules", title='=HYPERLINK("http://evil.example","x")')
    Process.objects.filter(pk=process.pk).update(summary="+33 1 23", body="@SUM(A1)")
    Institution.objects.filter(pk=institution.pk).update(name="-2+3", description="\t=1+1")
    row = read_csv(client, "demarches")[0]
    assert row["title"] == '\'=HYPERLINK("http://evil.example","x")'
    assert row["summary"] == "'+33 1 23"
    assert row["institution_name"] == "'-2+3"
    institution_row = read_csv(client, "institutions")[0]
    assert institution_row["name"] == "'-2+3" and institution_row["description"] == "'\t=1+1"
    _response, text = download(client, "/donnees/demarches.json")
    assert json.loads(text)["data"][0]["title"] == '=HYPERLINK("http://evil.example","x")'
    assert neutralise("Lyon") == "Lyon" and csv_cell(-3) == "-3" and csv_cell(None) == "" and csv_cell(True) == "true"


def test_markup_is_inert_in_json_exports(client, institution):
    make_process(institution, slug="xss", title=XSS)
    for url, key in (("/donnees/demarches.json", "title"), ("/donnees/reponses.json", "process_title")):
        _response, text = download(client, url)
        assert "<" not in text and ">" not in text  # written \u003c, \u003e
        assert json.loads(text)["data"][0][key] == XSS  # the same text once parsed
    assert read_csv(client, "demarches")[0]["title"] == XSS  # CSV is data, not markup


def test_geojson_places_processes_on_their_territory(client, public_data):
    response, text = download(client, "/donnees/demarches.geojson")
    assert response["Content-Type"] == "application/geo+json; charset=utf-8"
    collection = json.loads(text)
    assert collection["type"] == "FeatureCollection"
    assert collection["metadata"]["license"]["name"] == "etalab-2.0"
    features = {f["properties"]["slug"]: f for f in collection["features"]}
    assert set(features) == {"regionale", "communale"}  # national processes have no place on a map
    assert features["regionale"]["properties"]["geometry_level"] == "region"
    assert features["regionale"]["properties"]["geometry_code"] == "84"
    assert features["communale"]["properties"]["geometry_level"] == "departement"
    assert features["communale"]["properties"]["geometry_code"] == "69"
    assert features["communale"]["geometry"]["type"] in {"Polygon", "MultiPolygon"}
    _response, text = download(client, "/donnees/departements.geojson")
    departements = json.loads(text)["features"]
    assert len(departements) == 101 and all(f["geometry"] for f in departements)


def test_unknown_dataset_and_missing_geojson_are_404(client):
    for url in ("/donnees/inconnu.csv", "/donnees/inconnu.json", "/donnees/inconnu.schema.json", "/donnees/x.geojson"):
        assert client.get(url).status_code == 404, url
    assert client.get("/donnees/communes.geojson").status_code == 404
    assert client.post("/donnees/demarches.csv").status_code == 405


def test_datapackage_lists_every_csv(client):
    package = client.get("/donnees/datapackage.json").json()
    assert package["licenses"][0]["name"] == "etalab-2.0"
    assert [r["name"] for r in package["resources"]][: len(CORE)] == CORE
    assert all(r["schema"].endswith(".schema.json") for r in package["resources"])


def _module_dataset() -> Dataset:
    return Dataset(
        name="zz-observations",
        title="Observations de test",
        description="Un jeu de données de module.",
        columns=(Column("id", "integer", "Identifiant"), Column("label", "string", "Libellé")),
        rows=lambda ctx: iter([{"id": 1, "label": "=1+1"}, {"id": 2, "label": "Mare"}]),
        count=lambda: 2,
        locate=lambda row: Location({"type": "Point", "coordinates": [4.8, 45.7]}, "point") if row["id"] == 2 else None,
    )


def test_a_module_adds_a_dataset_through_its_manifest(client):
    manifest = ModuleManifest(
        name="zz-module",
        verbose_name="Module de test",
        description="",
        exports={"observations": _module_dataset, "broken": lambda: "not a dataset"},
    )
    registry.register(manifest)
    try:
        html = client.get("/donnees/").content.decode()
        assert "Observations de test" in html and "module zz-module" in html
        rows = read_csv(client, "zz-observations")
        assert rows == [{"id": "1", "label": "'=1+1"}, {"id": "2", "label": "Mare"}]
        _response, text = download(client, "/donnees/zz-observations.geojson")
        assert [f["properties"]["id"] for f in json.loads(text)["features"]] == [2]
        assert client.get("/donnees/zz-observations.schema.json").json()["fields"][0]["type"] == "integer"
    finally:
        registry._modules.pop("zz-module")
