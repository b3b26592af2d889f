"""Splitting long contributions into argument units."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from terreau.synthesis.engine.units import split_units

CAHIER = (
    "Voici mes propositions pour la métropole, après une réunion avec les voisins du quartier.\n\n"
    "- Transports : développer les bus de nuit, baisser le prix des abonnements pour les jeunes et les retraités, "
    "et créer des pistes cyclables continues entre les communes.\n"
    "- Fiscalité : rétablir l'impôt sur la fortune, supprimer les niches fiscales des plus aisés et lutter "
    "vraiment contre l'évasion fiscale des multinationales.\n"
    "- Démocratie : reconnaître le vote blanc, organiser des référendums locaux sur les grands projets et "
    "publier toutes les réponses des élus.\n"
)


def test_short_text_is_one_unit():
    assert split_units("Il faut plus de bus.") == [(0, len("Il faut plus de bus."))]


def test_cahier_is_split_at_bullets_and_spans_cover_text():
    spans = split_units(CAHIER, split_words=40, min_words=12, max_words=60)
    pieces = [CAHIER[a:b] for a, b in spans]
    for word in ("Transports", "Fiscalité", "Démocratie"):
        holding = [p for p in pieces if word in p]
        assert len(holding) == 1
        assert all(other not in holding[0] for other in ("Transports", "Fiscalité", "Démocratie") if other != word)
    assert all(a < b for a, b in spans)
    assert all(spans[i][1] <= spans[i + 1][0] for i in range(len(spans) - 1))


@given(st.text(), st.integers(5, 100))
@settings(max_examples=200, deadline=None)
def test_spans_are_ordered_and_within_text(text, split_words):
    spans = split_units(text, split_words=split_words, min_words=3, max_words=split_words)
    assert spans
    prev = 0
    for a, b in spans:
        assert 0 <= a <= b <= len(text) and a >= prev
        prev = b
