"""Importing a draft text from Markdown: parts recognised by wording, then by heading level."""

from __future__ import annotations

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from terreau.consultations.text_import import MAX_BYTES, parse_markdown, walk

LAW = """# Projet de loi pour la reconquête de la biodiversité

Texte soumis à la consultation du public.

## Exposé des motifs

La biodiversité décline : un tiers des espèces d'oiseaux des campagnes a disparu.

### I. Le constat

Les zones humides ont perdu la moitié de leur surface.

## Titre Ier – Principes

### Chapitre premier : Dispositions générales

#### Article 1er

Le code de l'environnement est ainsi modifié :

1. À l'article L. 110-1, les mots : « la biodiversité » sont remplacés par les mots : « les êtres vivants ».

#### **Article L. 110-2** {#art-l110-2}

Toute personne a le devoir de veiller à la protection des haies.

### Chapitre II – Les zones humides

#### Article 3 bis

Les zones humides sont d'intérêt général.

```
## Article 99
(un exemple dans un bloc de code, pas un article)
```

## Annexe 1 : Liste des espèces

### Oiseaux

Le courlis cendré.
"""


def summary(sections):
    return [(s.kind, s.number, s.level) for s in walk(sections)]


def test_french_legal_wording_gives_the_parts():
    sections = parse_markdown(LAW)
    assert summary(sections) == [
        ("section", "", 0),
        ("memorandum", "", 2),
        ("title", "Ier", 2),
        ("chapter", "premier", 3),
        ("article", "1er", 4),
        ("article", "L. 110-2", 4),
        ("chapter", "II", 3),
        ("article", "3 bis", 4),
        ("annex", "1", 2),
    ]
    preamble, memorandum, title, annex = sections
    # The single top heading is the document's own title; its text is the preamble.
    assert preamble.heading == "Projet de loi pour la reconquête de la biodiversité"
    assert preamble.body == "Texte soumis à la consultation du public."
    # Sub-headings of the memorandum and annexes stay in their Markdown body.
    assert "### I. Le constat" in memorandum.body and memorandum.children == []
    assert annex.body == "### Oiseaux\n\nLe courlis cendré."
    article1, article2 = title.children[0].children
    assert article1.heading == "Article 1er"
    assert article1.body.startswith("Le code de l'environnement est ainsi modifié :\n\n1. À l'article L. 110-1")
    # Emphasis and pandoc attributes are removed from headings.
    assert article2.heading == "Article L. 110-2"
    # A heading inside a fenced code block is text.
    article3 = title.children[1].children[0]
    assert "## Article 99" in article3.body


def test_a_text_named_like_a_law_at_the_top_level_is_the_document_title():
    text = "# Projet de loi relatif aux sols\n\nLe Premier ministre,\n\n## Exposé des motifs\n\nPourquoi.\n\n"
    text += "# Titre I — Objectifs\n\n## Article 1er\n\nTexte."
    sections = parse_markdown(text)
    assert summary(sections) == [("section", "", 0), ("memorandum", "", 2), ("title", "I", 1), ("article", "1er", 2)]
    assert sections[0].heading == "Projet de loi relatif aux sols"
    assert sections[0].body == "Le Premier ministre,"
    # The same first heading without a law-like name is a part of the text.
    sections = parse_markdown(text.replace("Projet de loi relatif aux sols", "Les sols"))
    assert summary(sections)[:2] == [("section", "", 1), ("memorandum", "", 2)]


def test_heading_levels_when_the_wording_says_nothing():
    text = (
        "# Mobilités\n\n## Le vélo\n\nDes pistes.\n\n## Le train\n\nDes gares.\n\n"
        "# Énergie\n\n## Le solaire\n\nDes toits."
    )
    sections = parse_markdown(text)
    assert summary(sections) == [
        ("chapter", "", 1),
        ("article", "1", 2),
        ("article", "2", 2),
        ("chapter", "", 1),
        ("article", "3", 2),
    ]
    assert sections[0].children[1].heading == "Le train"
    assert sections[0].children[1].body == "Des gares."


def test_three_levels_fall_back_on_title_chapter_article():
    text = "# A\n## B\n### C\ntexte\n### D\ntexte"
    assert [s.kind for s in walk(parse_markdown(text))] == ["section", "chapter", "article", "article"]
    text = "# A\n## B\n### C\ntexte\n# E\n## F\n### G\ntexte"
    assert [s.kind for s in walk(parse_markdown(text))] == [
        "title",
        "chapter",
        "article",
        "title",
        "chapter",
        "article",
    ]


def test_unnamed_headings_among_named_articles_are_sections():
    text = (
        "## Dispositions générales\n\nIntro.\n\n### Article 1\n\nUn.\n\n"
        "## Dispositions finales\n\n### Article 2\n\nDeux."
    )
    assert summary(parse_markdown(text)) == [
        ("section", "", 2),
        ("article", "1", 3),
        ("section", "", 2),
        ("article", "2", 3),
    ]


def test_setext_headings_as_some_converters_write_them():
    text = "Titre I\n=======\n\nArticle 1\n---------\n\nLe texte.\n\nUne liste :\n- un\n---\n"
    sections = parse_markdown(text)
    assert summary(sections) == [("title", "I", 1), ("article", "1", 2)]
    assert sections[0].children[0].body.startswith("Le texte.")


def test_docx_without_heading_styles_uses_lines_worded_like_headings():
    text = (
        "Projet d'arrêté\n\n**TITRE II – La forêt**\n\n**Article 4**\n\nLes coupes rases sont limitées.\n\n"
        "Article 5 est abrogé.\n\nArticle 6 : Sanctions\n\nUne amende."
    )
    sections = parse_markdown(text)
    assert summary(sections) == [("section", "", 0), ("title", "II", 1), ("article", "4", 4), ("article", "6", 4)]
    # A sentence that starts with "Article 5" is text, not a heading.
    assert sections[1].children[0].body == "Les coupes rases sont limitées.\n\nArticle 5 est abrogé."
    assert sections[1].children[1].heading == "Article 6 : Sanctions"


@pytest.mark.parametrize(
    ("heading", "kind", "number"),
    [
        ("Article unique", "article", "unique"),
        ("Article 12 quater", "article", "12 quater"),
        ("ARTICLE R. 122-3 – Étude d'impact", "article", "R. 122-3"),
        ("Article 2.1 : définitions", "article", "2.1"),
        ("Titre préliminaire", "title", "préliminaire"),
        ("Chapitre III : l'eau", "chapter", "III"),
        ("Section 2 – Les haies", "section", "2"),
        ("Annexe", "annex", ""),
        ("Annexes", "annex", ""),
        ("EXPOSÉ DES MOTIFS", "memorandum", ""),
        ("Articles divers", "section", ""),  # not "Article N": not an article by wording
    ],
)
def test_wording(heading, kind, number):
    sections = parse_markdown(f"## {heading}\n\nCorps.\n\n## Article 1\n\nTexte.")
    assert (sections[0].kind, sections[0].number) == (kind, number)


def test_crlf_bom_and_control_characters_are_cleaned():
    text = "\ufeff## Article 1\r\n\r\nLe\x00 texte.\r\n"
    (article,) = parse_markdown(text)
    assert article.body == "Le texte."


def test_long_headings_are_cut_to_the_field_size():
    (article,) = parse_markdown("## Article 1 – " + "très " * 100 + "\n\ncorps")
    assert len(article.heading) == 200 and article.heading.endswith("…")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Le texte est vide."),
        (" \n\t\n", "Le texte est vide."),
        ("Un texte sans aucun titre.", "Aucun article trouvé"),
        ("## Exposé des motifs\n\nPourquoi.\n\n## Annexe\n\nListe.", "Aucun article trouvé"),
        ("## Article 1\n\n" + "é" * (MAX_BYTES // 2), "trop long"),
    ],
)
def test_bad_input_is_refused_with_a_french_message(text, message):
    with translation.override("fr"), pytest.raises(ValueError, match=message):
        parse_markdown(text)


def test_messages_are_translatable():
    with translation.override("en"), pytest.raises(ValueError) as excinfo:
        parse_markdown("")
    assert str(excinfo.value)  # gettext: English once the catalogue has the string, French until then


def test_not_a_string_is_refused():
    with pytest.raises(ValueError):
        parse_markdown(None)  # type: ignore[arg-type]


_line = st.one_of(
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40),
    st.sampled_from(
        ["# Titre I", "## Chapitre 2", "### Article 3", "#### Article L. 110-1", "## Annexe", "```", "---"]
    ),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_line, max_size=30))
def test_any_text_parses_or_fails_with_a_value_error(lines):
    text = "\n".join(lines)
    try:
        sections = parse_markdown(text)
    except ValueError:
        return
    parts = list(walk(sections))
    assert any(s.kind == "article" for s in parts)
    for s in parts:
        assert s.kind in {"title", "chapter", "article", "memorandum", "annex", "section"}
        assert len(s.heading) <= 200
        assert all(child.level > s.level for child in s.children)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.text(alphabet="abcdefghij éà,.'", min_size=1, max_size=30).filter(str.strip), min_size=1, max_size=8)
)
def test_article_bodies_are_kept(bodies):
    text = "\n\n".join(f"## Article {i}\n\n{body}" for i, body in enumerate(bodies, 1))
    sections = parse_markdown(text)
    assert [s.number for s in sections] == [str(i) for i in range(1, len(bodies) + 1)]
    # Trailing spaces go; leading ones stay (four of them make a Markdown code block).
    assert [s.body for s in sections] == [b.rstrip() for b in bodies]
