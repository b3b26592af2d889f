"""Data for the synthesis benchmarks: the real Lille contributions, campaign variants, rare arguments
and generated volumes. Not used by the tests."""

from __future__ import annotations

import csv
import itertools
import random
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from terreau.synthesis.engine import Contribution  # noqa: E402

DATA = REPO.parent / "shared" / "data" / "consultations"
COMMENTS = DATA / "mel_granddebat_2019_debate_comments.csv"
PROPOSALS = DATA / "mel_granddebat_2019_proposals.csv"


def require_data() -> None:
    if not COMMENTS.exists() or not PROPOSALS.exists():
        sys.exit(
            f"Real data not found in {DATA} (expected mel_granddebat_2019_debate_comments.csv and "
            "mel_granddebat_2019_proposals.csv, see ../shared/data/consultations/SOURCE.md). Nothing measured."
        )


def load_comments() -> list[dict]:
    """693 comments: id, text, question (label), alignment."""
    require_data()
    with COMMENTS.open(encoding="utf-8") as f:
        return [r for r in csv.DictReader(f) if r["text"].strip()]


def load_proposals() -> list[dict]:
    """196 proposals: id, title, text, category (label, may be empty), votes."""
    require_data()
    with PROPOSALS.open(encoding="utf-8") as f:
        return [r for r in csv.DictReader(f) if (r["title"] + r["text"]).strip()]


def lille_contributions() -> list[Contribution]:
    out = [
        Contribution(id=f"c{r['id']}", text=r["text"], author_id=f"c{r['id']}", stance=int(r["alignment"] or 0))
        for r in load_comments()
    ]
    out += [
        Contribution(
            id=f"p{r['id']}",
            text=f"{r['title']}. {r['text']}",
            author_id=f"p{r['id']}",
            supports=int(r["votes"] or 0),
        )
        for r in load_proposals()
    ]
    return out


# ---------------------------------------------------------------- campaign variants

GREETINGS = ["Bonjour, ", "Madame, Monsieur, ", "Bonjour à tous. ", "Chers élus, ", ""]
CLOSINGS = [" Cordialement.", " Merci de votre attention.", " Bien à vous.", " Salutations citoyennes.", ""]
SYNONYMS = {
    "il faut": "il est nécessaire de",
    "doit": "devrait",
    "doivent": "devraient",
    "supprimer": "abolir",
    "augmenter": "accroître",
    "baisser": "diminuer",
    "réduire": "diminuer",
    "important": "essentiel",
    "beaucoup": "énormément",
    "impôts": "taxes",
    "argent": "budget",
    "citoyens": "habitants",
    "élus": "représentants",
    "rapidement": "vite",
    "mettre en place": "instaurer",
    "développer": "renforcer",
    "aider": "soutenir",
    "problème": "difficulté",
    "pays": "nation",
    "travail": "emploi",
    "gens": "personnes",
    "plus": "davantage",
    "aussi": "également",
    "mais": "cependant",
    "car": "parce que",
    "très": "vraiment",
}
_SENT = re.compile(r"(?<=[.!?])\s+")


def light_variant(rng: random.Random, text: str) -> str:
    """Greeting/closing added, case and punctuation changed, and ~10 % of words dropped or the end cut."""
    words = text.split()
    r = rng.random()
    if r < 0.4:
        drop = set(rng.sample(range(len(words)), max(1, len(words) // 10)))
        words = [w for i, w in enumerate(words) if i not in drop]
    elif r < 0.7:
        words = words[: max(8, int(len(words) * rng.uniform(0.7, 0.95)))]
    out = " ".join(words)
    if rng.random() < 0.4:
        out = out.upper() if rng.random() < 0.3 else out.lower()
    if rng.random() < 0.5:
        out = re.sub(r"[,;:]", "", out).replace(".", " !")
    return f"{rng.choice(GREETINGS)}{out}{rng.choice(CLOSINGS)}"


def heavy_variant(rng: random.Random, text: str) -> str:
    """Light changes plus synonyms swapped, sentences reordered, ~20 % of words dropped and the end cut."""
    sentences = _SENT.split(text.strip())
    rng.shuffle(sentences)
    out = " ".join(sentences)
    for a, b in SYNONYMS.items():
        if rng.random() < 0.7:
            out = re.sub(rf"\b{re.escape(a)}\b", b, out)
    words = out.split()
    words = [w for w in words if rng.random() > 0.2] or words
    words = words[: max(8, int(len(words) * rng.uniform(0.6, 0.9)))]
    return light_variant(rng, " ".join(words))


# ---------------------------------------------------------------- rare arguments (written for the bench)

RARE_ARGUMENTS = [
    "Installer des nichoirs à chauves-souris dans les clochers des églises rurales : ces mammifères nocturnes "
    "dévorent des milliers de moustiques chaque nuit sans le moindre insecticide.",
    "Les phares et les sémaphores désaffectés du littoral pourraient accueillir des stations de mesure de "
    "l'érosion côtière gérées par les lycées maritimes.",
    "Autoriser les apiculteurs amateurs à poser des ruches sur les toits plats des bâtiments municipaux, avec "
    "une formation obligatoire et un registre des essaims.",
    "Traduire les documents des consultations en langue des signes et en facile à lire et à comprendre pour les "
    "personnes sourdes ou ayant une déficience intellectuelle.",
    "Créer une bourse aux semences paysannes anciennes dans les médiathèques, où chacun dépose et emprunte des "
    "graines de variétés locales de tomates, haricots et courges.",
    "Interdire les souffleurs de feuilles thermiques dans les parcs : bruit, particules fines et destruction de la "
    "microfaune du sol pour un gain de temps dérisoire.",
    "Numériser et publier les registres paroissiaux et cadastres napoléoniens des archives départementales pour "
    "que les généalogistes bénévoles puissent les indexer.",
    "Former les sapeurs-pompiers volontaires au sauvetage des animaux de ferme lors des inondations, avec des "
    "bateaux adaptés et des enclos de repli sur les hauteurs.",
    "Réglementer les lâchers de lanternes célestes et de ballons de baudruche qui finissent dans les champs et "
    "tuent le bétail et les oiseaux marins.",
    "Ouvrir les cours d'escrime, d'aviron et d'équitation des clubs subventionnés aux enfants des quartiers "
    "prioritaires grâce à un chèque sport couvrant la licence et le matériel.",
]


# ---------------------------------------------------------------- generated volumes

DEPARTEMENTS = [f"{i:02d}" for i in range(1, 96) if i != 20] + ["2A", "2B"]
KINDS = ["citizen"] * 16 + ["association", "union", "company", "expert", "elected", "agent"]


def _region(dep: str) -> str:
    return f"R{(sum(map(ord, dep)) % 13) + 1:02d}"  # a stand-in for the real département → région table


def generated_volume(n: int, seed: int = 0) -> list[Contribution]:
    """``n`` contributions generated from the real Lille texts (so the words, lengths and topics are real):

    - 80 %: new texts from a word-bigram Markov chain trained on the real contributions answering one
      question (15–120 words; real vocabulary and local phrasing, but not copies of real sentences),
      with 2 % of words given a typo so the vocabulary keeps growing with the volume, as in real corpora;
    - 15 %: light variants (see ``light_variant``) of n/5000 campaign texts, campaign sizes Zipf-like;
    - 5 %: one-liners ("RAS", "Non", "ok", "d'accord"...).
    Authors: 90 % write once; territories from 97 départements (Pareto weights); 7 participant kinds.
    """
    rng = random.Random(seed)
    rows = load_comments() + [{"question": r["category"] or "autre", "text": r["text"]} for r in load_proposals()]
    chains: dict[str, dict[str, list[str]]] = {}
    starts: dict[str, list[str]] = {}
    for r in rows:
        words = r["text"].split()
        if len(words) < 3:
            continue
        chain = chains.setdefault(r["question"], {})
        starts.setdefault(r["question"], []).append(words[0])
        for a, b in itertools.pairwise(words):
            chain.setdefault(a, []).append(b)
    questions = sorted(q for q in chains if len(starts[q]) >= 3)
    letters = "abcdefghijklmnopqrstuvwxyzéè"

    def markov(q: str) -> str:
        chain, length = chains[q], rng.randint(15, 120)
        w = rng.choice(starts[q])
        out = [w]
        while len(out) < length:
            nxt = chain.get(w)
            w = rng.choice(nxt) if nxt else rng.choice(starts[q])
            if rng.random() < 0.02 and len(w) > 3:
                k = rng.randrange(len(w))
                w = w[:k] + rng.choice(letters) + w[k + 1 :]
            out.append(w)
        return " ".join(out)

    dep_weights = [rng.paretovariate(1.2) for _ in DEPARTEMENTS]
    n_campaigns = max(2, n // 5000)
    campaign_texts = [markov(rng.choice(questions)) for _ in range(n_campaigns)]
    campaign_weights = [1 / (i + 1) for i in range(n_campaigns)]
    one_liners = ["RAS", "Non", "ok", "Oui", "D'accord", "rien à signaler", "Non.", "OUI !", "pas d'avis"]
    out = []
    for i in range(n):
        r = rng.random()
        if r < 0.80:
            text = markov(rng.choice(questions))
        elif r < 0.95:
            text = light_variant(rng, rng.choices(campaign_texts, campaign_weights)[0])
        else:
            text = rng.choice(one_liners)
        author = f"u{i}" if rng.random() < 0.9 else f"u{rng.randrange(max(1, n // 10))}"
        dep = rng.choices(DEPARTEMENTS, dep_weights)[0]
        out.append(
            Contribution(
                id=i,
                text=text,
                author_id=author,
                author_kind=rng.choice(KINDS),
                departement=dep,
                region=_region(dep),
                supports=int(rng.paretovariate(1.5)) - 1,
                stance=rng.choice([1, 0, -1, None]),
            )
        )
    return out
