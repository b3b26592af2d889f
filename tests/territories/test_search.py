import pytest

from terreau.territories.queries import (
    MAX_LIMIT,
    parse_query,
    query_matches_commune,
    resolve_commune,
    search_communes,
)

pytestmark = pytest.mark.django_db


def codes(q, limit=20):
    return [commune.code for commune in search_communes(q, limit=limit)]


@pytest.mark.parametrize("q", ["saint-etienne", "Saint-Étienne", "SAINT ETIENNE", "st etienne", "saint étienne "])
def test_name_is_accent_and_case_insensitive(q):
    assert search_communes(q)[0].name == "Saint-Étienne"


def test_exact_then_prefix_then_word_then_contains():
    results = search_communes("lyon", limit=50)
    assert results[0].code == "69123"
    ranks = [commune.match_rank for commune in results]
    assert ranks == sorted(ranks)
    names = [commune.search_name for commune in results]
    assert names.index("lyons la foret") < names.index("sainte foy les lyon")


def test_ties_by_population_descending():
    exact = [c for c in search_communes("saint-denis", limit=50) if c.search_name == "saint denis"]
    assert len(exact) > 3
    populations = [c.population for c in exact]
    assert populations == sorted(populations, reverse=True)


def test_word_prefix_inside_a_name():
    assert "42218" in codes("etienne")  # Saint-Étienne


def test_postcode():
    assert codes("69001")[0] == "69123"  # Lyon (postcode), before Affoux (INSEE code 69001)
    assert "69001" in codes("69001")
    assert codes("6900")[0] == "69123"
    assert codes("75016") == ["75056"]


@pytest.mark.parametrize(
    ("q", "code"), [("2A004", "2A004"), ("2a004", "2A004"), ("69123", "69123"), ("2B033", "2B033")]
)
def test_insee_code(q, code):
    assert codes(q)[0] == code


def test_name_with_departement_or_postcode():
    assert codes("saint denis 93")[0] == "93066"
    assert codes("Saint-Denis 974")[0] == "97411"
    assert codes("lyon 69")[0] == "69123"


@pytest.mark.parametrize("q", ["", "   ", None, "-'’", "🙂", "\x00", "%", "_", "\\"])
def test_empty_or_meaningless_query(q):
    assert search_communes(q) == []


@pytest.mark.parametrize(
    "q",
    [
        "x" * 10_000,
        "lyon " * 3000,
        "<script>alert(1)</script>",
        "' OR 1=1 --",
        "\x00lyon",
        "ليون",
        "Ｌｙｏｎ",
        "1" * 500,
    ],
)
def test_hostile_queries_do_not_crash(q):
    assert len(search_communes(q)) <= 20


def test_fullwidth_and_nul_are_normalised():
    assert codes("Ｌｙｏｎ")[0] == "69123"
    assert codes("\x00lyon")[0] == "69123"


def test_limits():
    assert search_communes("saint", limit=0) == []
    assert len(search_communes("saint", limit=5)) == 5
    assert len(search_communes("saint", limit=10_000)) == MAX_LIMIT
    assert search_communes("saint", limit=-3) == []


def test_parse_query():
    assert parse_query("2a 004").code == "2A004"
    assert parse_query("St-Étienne").name == "saint etienne"
    assert parse_query("st").name == "st"  # may start "Strasbourg"
    assert parse_query("saint denis 93").digits == "93"


def test_resolve_commune():
    assert resolve_commune("Paris").code == "75056"  # the only exact match
    assert resolve_commune("2A004").code == "2A004"
    assert resolve_commune("75001").code == "75056"
    assert resolve_commune("Saint-Denis") is None
    assert resolve_commune("69001") is None  # Lyon's postcode and Affoux's INSEE code
    assert resolve_commune("zzzzzz") is None
    assert resolve_commune("") is None


def test_query_matches_commune(lyon):
    assert query_matches_commune("lyon", lyon)
    assert query_matches_commune("69003", lyon)
    assert not query_matches_commune("paris", lyon)
