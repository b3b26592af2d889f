"""Import a draft text written in Markdown into titles, chapters, sections and articles.

The institution types the text or converts an ODT/DOCX file to Markdown (pandoc, LibreOffice
"Export as Markdown"). Headings become the parts of the text:

- by wording first, as French legal texts are written: "Titre I", "Chapitre 2", "Section 1",
  "Article 3", "Article 1er", "Article L. 110-1", "Exposé des motifs", "Annexe 2";
- by level when the wording says nothing: the deepest heading level holds the articles, the
  level above the chapters, the level above that the titles (higher levels are sections).
  When some headings are articles by wording, the other headings are sections.

The body under a heading is kept as Markdown. Headings inside the memorandum or an annex stay in
their body (they are sub-headings of an explanation, not parts of the text). A document without
any Markdown heading (a DOCX converted without heading styles) falls back on paragraphs that
consist only of such wording ("**Article 3**", "TITRE II – ...").

Text before the first heading becomes a preamble: a "section" of level 0, first in the list. Its
heading is the document's own title when the text starts with one heading above all the others
("# Projet de loi relatif à ..."), else empty.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Literal

from django.utils.translation import gettext as _

__all__ = ["MAX_BYTES", "ParsedSection", "parse_markdown", "walk"]

MAX_BYTES = 1024 * 1024
HEADING_MAX = 200  # longer headings are cut (Section.heading is a 200-character field)

Kind = Literal["title", "chapter", "article", "memorandum", "annex", "section"]


@dataclass
class ParsedSection:
    kind: Kind
    number: str
    heading: str
    body: str
    level: int  # the Markdown heading level (1-6); 0 for the preamble
    children: list[ParsedSection] = field(default_factory=list)


_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_ATTRIBUTES = re.compile(r"\s*\{[#.][^}]*\}\s*$")  # pandoc: "## Article 1 {#article-1}"
_EMPHASIS = re.compile(r"(\*\*|__|\*|_)(.+?)\1")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!])")
_SPACES = re.compile(r"\s+")

# Roman numerals in capitals only, so that "Titre civil" is not "Titre" number "civil".
_ROMAN_OR_NUMBER = r"(?:premier|première|unique|préliminaire|1er|1re|(?-i:[IVXLC]+)(?:er|re)?|\d+)"
_SUFFIX = r"(?:\s+(?:bis|ter|quater|quinquies|sexies|septies|octies|nonies|decies|[A-Z]))?"
_SEP = r"(?=$|[\s.:,;–—-])"
_PATTERNS: list[tuple[Kind, re.Pattern[str]]] = [
    ("memorandum", re.compile(r"^(?:expos[ée]\s+des\s+motifs)\b()", re.IGNORECASE)),
    ("annex", re.compile(rf"^annexes?(?:\s+({_ROMAN_OR_NUMBER}{_SUFFIX}|[A-Z]))?{_SEP}", re.IGNORECASE)),
    ("title", re.compile(rf"^titre\s+({_ROMAN_OR_NUMBER}{_SUFFIX}){_SEP}", re.IGNORECASE)),
    ("chapter", re.compile(rf"^chapitre\s+({_ROMAN_OR_NUMBER}{_SUFFIX}){_SEP}", re.IGNORECASE)),
    ("section", re.compile(rf"^(?:sous-)?section\s+({_ROMAN_OR_NUMBER}{_SUFFIX}){_SEP}", re.IGNORECASE)),
    (
        "article",
        re.compile(
            # "Article 3", "Article 1er", "Article L. 110-1", "Article R* 122-3", "Article 12 bis", "Article unique"
            rf"^article\s+((?:[LRD]\.?\*?\s*)?\d+(?:[-‑.]\d+)*{_SUFFIX}|{_ROMAN_OR_NUMBER}{_SUFFIX}){_SEP}",
            re.IGNORECASE,
        ),
    ),
]
_DOCUMENT_TITLE = re.compile(
    r"^(?:(?:avant-)?projet|proposition|loi|décret|arrêté|ordonnance|délibération|charte|plan|schéma|"
    r"stratégie|programme|pacte|contrat|règlement|convention|code)\b",
    re.IGNORECASE,
)
_PSEUDO_LEVEL = {"memorandum": 1, "annex": 1, "title": 1, "chapter": 2, "section": 3, "article": 4}


@dataclass
class _Heading:
    level: int
    text: str
    body_lines: list[str]
    kind: Kind | None = None
    number: str = ""


def parse_markdown(text: str) -> list[ParsedSection]:
    """The parts of a draft text, as a tree in document order.

    Raises ValueError with a message for the institution when the text is empty, larger than
    1 MB, or has no article.
    """
    if not isinstance(text, str):
        raise ValueError(_("Le texte doit être une chaîne de caractères."))
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise ValueError(_("Le texte est trop long (plus de 1 Mo). Découpez-le ou allégez les annexes."))
    text = _prepare(text)
    if not text.strip():
        raise ValueError(_("Le texte est vide."))

    preamble, headings = _split(text.split("\n"))
    if not headings:
        preamble, headings = _split_pseudo(text.split("\n"))
    for h in headings:
        h.kind, h.number = _classify(h.text)
    headings = _fold_explanations(headings)
    doc_title = ""
    if _is_document_title(headings):
        doc_title = headings[0].text
        preamble = [*preamble, "", *headings[0].body_lines]
        headings = headings[1:]
    _classify_by_level(headings)

    roots: list[ParsedSection] = []
    if doc_title or _join(preamble):
        roots.append(ParsedSection("section", "", _cut(doc_title), _join(preamble), 0))
    stack: list[ParsedSection] = []
    for h in headings:
        assert h.kind is not None
        node = ParsedSection(h.kind, h.number, _cut(h.text), _join(h.body_lines), h.level)
        while stack and stack[-1].level >= node.level:
            stack.pop()
        (stack[-1].children if stack else roots).append(node)
        stack.append(node)

    if not any(s.kind == "article" for s in walk(roots)):
        raise ValueError(
            _(
                "Aucun article trouvé. Donnez à chaque article un titre Markdown (par exemple « ## Article 1 ») "
                "ou une ligne seule « Article 1 »."
            )
        )
    return roots


def walk(sections: list[ParsedSection]):
    """Every section of the tree, depth first, in document order."""
    for s in sections:
        yield s
        yield from walk(s.children)


def _prepare(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    if text.startswith("\ufeff"):
        text = text[1:]
    return unicodedata.normalize("NFC", text.encode("utf-8", "replace").decode("utf-8"))


def _split(lines: list[str]) -> tuple[list[str], list[_Heading]]:
    """(lines before the first heading, headings with their body lines), skipping fenced code."""
    preamble: list[str] = []
    headings: list[_Heading] = []
    fence: str | None = None
    for line in lines:
        current = headings[-1].body_lines if headings else preamble
        m = _FENCE.match(line)
        if fence is not None:
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence):
                fence = None
            current.append(line)
            continue
        if m:
            fence = m.group(1)
            current.append(line)
            continue
        atx = _ATX.match(line)
        if atx and (atx.group(2) or "").strip():
            headings.append(_Heading(len(atx.group(1)), _clean_heading(atx.group(2)), []))
            continue
        setext = _SETEXT.match(line)
        # "Heading\n====" (level 1) or "Heading\n----" (level 2) after a one-line paragraph; after a
        # longer paragraph, a list or a quote, "---" stays text (a thematic break in converted documents).
        if (
            setext
            and current
            and current[-1].strip()
            and not _is_block_line(current[-1])
            and (len(current) == 1 or not current[-2].strip())
        ):
            title = current.pop()
            headings.append(_Heading(1 if setext.group(1)[0] == "=" else 2, _clean_heading(title), []))
            continue
        current.append(line)
    return preamble, headings


def _is_block_line(line: str) -> bool:
    stripped = line.lstrip()
    return stripped.startswith((">", "- ", "* ", "+ ", "|")) or bool(re.match(r"\d+[.)]\s", stripped))


def _split_pseudo(lines: list[str]) -> tuple[list[str], list[_Heading]]:
    """Without Markdown headings: one-line paragraphs worded like a heading ("**Article 3**")."""
    preamble: list[str] = []
    headings: list[_Heading] = []
    for i, line in enumerate(lines):
        current = headings[-1].body_lines if headings else preamble
        alone = (i == 0 or not lines[i - 1].strip()) and (i + 1 == len(lines) or not lines[i + 1].strip())
        candidate = _clean_heading(line) if alone and line.strip() and len(line) <= HEADING_MAX else ""
        kind = _classify(candidate)[0] if candidate else None
        if kind is not None and (kind != "article" or _looks_like_article_heading(candidate)):
            headings.append(_Heading(_PSEUDO_LEVEL[kind], candidate, []))
        else:
            current.append(line)
    return preamble, headings


def _looks_like_article_heading(text: str) -> bool:
    # "Article 3" or "Article 3 – Objet", not a sentence such as "Article 3 est abrogé."
    m = _PATTERNS[-1][1].match(text)
    assert m is not None
    rest = text[m.end() :].strip()
    return not rest or rest[0] in ".:–—-"


def _clean_heading(text: str) -> str:
    text = _ATTRIBUTES.sub("", text or "")
    for _i in range(3):
        text = _EMPHASIS.sub(r"\2", text)
    text = _ESCAPE.sub(r"\1", text)
    return _SPACES.sub(" ", text).strip().strip("*_").strip()


def _classify(text: str) -> tuple[Kind | None, str]:
    for kind, pattern in _PATTERNS:
        m = pattern.match(text)
        if m:
            return kind, _SPACES.sub(" ", (m.group(1) or "").strip())
    return None, ""


def _fold_explanations(headings: list[_Heading]) -> list[_Heading]:
    """Sub-headings of the memorandum and annexes become Markdown in their body."""
    out: list[_Heading] = []
    container: _Heading | None = None
    for h in headings:
        if container is not None and h.level > container.level and h.kind not in ("memorandum", "annex"):
            if container.body_lines and container.body_lines[-1].strip():
                container.body_lines.append("")
            container.body_lines.append(f"{'#' * h.level} {h.text}")
            container.body_lines.extend(h.body_lines)
            continue
        container = h if h.kind in ("memorandum", "annex") else None
        out.append(h)
    return out


def _is_document_title(headings: list[_Heading]) -> bool:
    """Whether the first heading is the document's own title ("# Projet de loi ..."), not a part of it.

    It is when it stands above every other heading, or when it is worded like the name of a
    text and no heading is above it (the parts may then start at its level: "# Titre I").
    """
    if len(headings) < 2 or headings[0].kind is not None:
        return False
    first = headings[0]
    if all(h.level > first.level for h in headings[1:]):
        return True
    return all(h.level >= first.level for h in headings[1:]) and bool(_DOCUMENT_TITLE.match(first.text))


def _classify_by_level(headings: list[_Heading]) -> None:
    unknown = [h for h in headings if h.kind is None]
    if not unknown:
        return
    if any(h.kind == "article" for h in headings):
        for h in unknown:
            h.kind = "section"
        return
    levels = sorted({h.level for h in unknown}, reverse=True)
    by_depth: list[Kind] = ["article", "chapter", "title"]
    kind_of = {level: (by_depth[i] if i < len(by_depth) else "section") for i, level in enumerate(levels)}
    counter = 0
    for h in unknown:
        h.kind = kind_of[h.level]
        if h.kind == "article":
            counter += 1
            h.number = str(counter)


def _join(lines: list[str]) -> str:
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return "\n".join(line.rstrip() for line in lines[start:end])


def _cut(text: str) -> str:
    return text if len(text) <= HEADING_MAX else text[: HEADING_MAX - 1].rstrip() + "…"
