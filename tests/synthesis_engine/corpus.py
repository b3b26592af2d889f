"""Small generated French corpora for the engine tests (deterministic for a given seed)."""

from __future__ import annotations

import random

from terreau.synthesis.engine import Contribution

TOPICS: dict[str, list[str]] = {
    "transport": [
        "développer les transports en commun dans la métropole",
        "créer des pistes cyclables sécurisées pour aller au travail à vélo",
        "baisser le prix des abonnements de bus et de tramway",
        "augmenter la fréquence des trains régionaux le soir",
        "rouvrir les petites lignes ferroviaires en zone rurale",
        "réduire la place de la voiture en centre-ville",
    ],
    "fiscalite": [
        "rétablir l'impôt sur la fortune pour les plus riches",
        "lutter contre l'évasion fiscale des grandes entreprises",
        "baisser la TVA sur les produits de première nécessité",
        "rendre l'impôt sur le revenu plus progressif avec plus de tranches",
        "supprimer les niches fiscales qui profitent aux hauts revenus",
        "taxer les transactions financières et les dividendes",
    ],
    "democratie": [
        "reconnaître le vote blanc comme un suffrage exprimé",
        "instaurer le référendum d'initiative citoyenne",
        "introduire une dose de proportionnelle aux élections législatives",
        "tirer au sort des citoyens pour une assemblée consultative",
        "limiter le cumul des mandats des élus dans le temps",
        "consulter les habitants avant les grands projets",
    ],
    "biodiversite": [
        "protéger les haies bocagères et les zones humides",
        "interdire les pesticides autour des écoles et des habitations",
        "planter des arbres en ville pour lutter contre la chaleur",
        "préserver les abeilles et les insectes pollinisateurs",
        "créer des corridors écologiques pour la faune sauvage",
        "réduire l'éclairage nocturne qui perturbe les oiseaux",
    ],
    "sante": [
        "lutter contre les déserts médicaux dans les campagnes",
        "augmenter le nombre de médecins formés chaque année",
        "renforcer les moyens des urgences hospitalières",
        "mieux rembourser les soins dentaires et les lunettes",
        "ouvrir des maisons de santé pluridisciplinaires",
        "revaloriser le salaire des infirmières et des aides-soignants",
    ],
}
OPENERS = ["Il faut", "Je propose de", "Nous demandons de", "Il est urgent de", "Il serait bien de", "Pourquoi ne pas"]
CLOSERS = ["", " C'est essentiel.", " Merci de nous écouter.", " Cela concerne tout le monde.", " Vite !"]
DEPARTEMENTS = [("59", "32"), ("62", "32"), ("75", "11"), ("69", "84"), ("13", "93")]
KINDS = ["citizen", "citizen", "citizen", "association", "elected"]


_POOLS = {t: sorted({w for idea in ideas for w in idea.split() if len(w) > 3}) for t, ideas in TOPICS.items()}


def topic_text(rng: random.Random, topic: str) -> str:
    """A sentence on ``topic``: eight of its words in random order (shares topic words, never a copy)."""
    return f"{rng.choice(OPENERS)} {' '.join(rng.sample(_POOLS[topic], 8))}.{rng.choice(CLOSERS)}"


def light_variant(rng: random.Random, text: str) -> str:
    """Greeting/closing added, case and punctuation changed, and either ~10 % of words dropped or the end cut."""
    words = text.split()
    change = rng.random()
    if change < 0.4:
        drop = set(rng.sample(range(len(words)), max(1, len(words) // 10)))
        words = [w for i, w in enumerate(words) if i not in drop]
    elif change < 0.7:
        words = words[: max(8, int(len(words) * rng.uniform(0.7, 0.95)))]
    out = " ".join(words)
    if rng.random() < 0.5:
        out = out.upper() if rng.random() < 0.3 else out.lower()
    out = out.replace(",", "").replace(".", " !") if rng.random() < 0.5 else out
    greet = rng.choice(["", "Bonjour, ", "Madame, Monsieur, ", "Bonjour à tous. "])
    close = rng.choice(["", " Cordialement.", " Merci.", " Bien à vous, Jean"])
    return f"{greet}{out}{close}"


def corpus(
    seed: int = 0, per_topic: int = 24, campaign_size: int = 0, with_one_liners: bool = True
) -> tuple[list[Contribution], dict[str, str]]:
    """Contributions on the 5 topics (+ a campaign and one-liners); returns them and id → topic."""
    rng = random.Random(seed)
    out: list[Contribution] = []
    truth: dict[str, str] = {}
    n = 0
    for topic in TOPICS:
        for _ in range(per_topic):
            dep, reg = rng.choice(DEPARTEMENTS)
            cid = f"x{n}"
            out.append(
                Contribution(
                    id=cid,
                    text=topic_text(rng, topic),
                    author_id=f"u{n}",
                    author_kind=rng.choice(KINDS),
                    departement=dep,
                    region=reg,
                    supports=rng.randint(0, 5),
                    stance=rng.choice([1, -1, 0, None]),
                )
            )
            truth[cid] = topic
            n += 1
    if campaign_size:
        base = (
            "Nous, habitants du bocage, demandons la protection immédiate des haies et des mares, "
            "l'arrêt des arrachages pour agrandir les parcelles et un plan de replantation financé par la région"
        )
        for j in range(campaign_size):
            cid = f"camp{j}"
            out.append(
                Contribution(id=cid, text=light_variant(rng, base), author_id=f"c{j}", departement="59", region="32")
            )
            truth[cid] = "campaign"
    if with_one_liners:
        for j, t in enumerate(["RAS", "Non", "ok", "Oui.", "ras", "Rien à signaler", "RAS !"]):
            cid = f"one{j}"
            out.append(Contribution(id=cid, text=t, author_id=f"o{j}"))
            truth[cid] = "one"
    rng.shuffle(out)
    return out, truth
