"""Demo: French comments on the ZFE process (enough to synthesize), then a synthesis of every
registered source that has contributions in the demo; the ZFE one is edited and published.

Called by `manage.py load_demo` after the feature apps' demo (the synthesis app is last in
INSTALLED_APPS). Runs the engine in-process (no worker needed).
"""

from __future__ import annotations

import random

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

DOMAIN = "demo.terreau.fr"
PROCESS_SLUG = "zfe-prochaine-etape"
DEPARTEMENTS = ("69", "69", "69", "69", "38", "42", "01", "73", "26", "71", "63", "75", "13")
KINDS = ("citizen",) * 8 + ("association", "company", "union", "expert", "elected")

# Each text picks one phrase per slot: the theme's words recur, but two texts rarely share a
# whole phrase pair, so they are themes, not copy-paste campaigns.
THEMES = {
    "transports": (
        (
            "davantage de bus",
            "des tramways plus fréquents",
            "un métro prolongé",
            "des navettes régulières",
            "des lignes express",
            "des trains régionaux cadencés",
        ),
        ("la nuit", "le dimanche", "aux heures de pointe", "après minuit", "très tôt le matin", "en soirée"),
        (
            "vers les zones industrielles",
            "jusqu'aux communes périphériques",
            "vers l'hôpital",
            "entre les quartiers de l'est",
            "jusqu'aux parkings relais",
            "vers les gares",
        ),
        (
            "pour les soignants en horaires décalés",
            "pour les salariés sans voiture",
            "pour les étudiants",
            "pour les travailleurs postés",
            "avant d'interdire les voitures",
            "pour laisser la voiture au garage",
        ),
    ),
    "aides": (
        (
            "les aides financières",
            "la prime à la conversion",
            "le bonus écologique",
            "un prêt à taux zéro",
            "le chèque mobilité",
            "les subventions de la métropole",
        ),
        (
            "versées avant l'achat",
            "plus généreuses",
            "sans avance de frais",
            "accordées rapidement",
            "simplifiées",
            "cumulables",
        ),
        (
            "pour les ménages modestes",
            "pour les familles éloignées",
            "pour les retraités",
            "pour les foyers sous le revenu médian",
            "pour les jeunes conducteurs",
            "pour les familles nombreuses",
        ),
        (
            "qui ne peuvent pas payer un véhicule électrique",
            "face au prix des voitures récentes",
            "qui attendent leur dossier depuis des mois",
            "qui croulent sous les justificatifs",
            "qui gardent une vieille voiture diesel",
            "qui veulent acheter un vélo cargo",
        ),
    ),
    "air": (
        (
            "mesurer la pollution",
            "publier les relevés de qualité de l'air",
            "installer des capteurs",
            "surveiller les particules fines",
            "suivre le dioxyde d'azote",
            "afficher l'indice de pollution",
        ),
        (
            "près des écoles",
            "devant les crèches",
            "le long du périphérique",
            "dans chaque quartier",
            "près des grands axes",
            "autour des hôpitaux",
        ),
        (
            "chaque mois",
            "en données ouvertes",
            "en temps réel",
            "sur un site public",
            "avec un bilan annuel",
            "avant d'étendre la zone",
        ),
        (
            "pour protéger la santé des enfants",
            "pour les riverains asthmatiques",
            "pour évaluer la mesure",
            "parce que les enfants tombent malades",
            "pour prouver l'effet de la zone",
            "pour informer les parents",
        ),
    ),
    "velo": (
        (
            "des pistes cyclables séparées",
            "un réseau express vélo",
            "des bandes cyclables continues",
            "du stationnement vélo sécurisé",
            "des vélos en libre-service",
            "des carrefours réaménagés",
        ),
        (
            "sur les grands axes",
            "entre les communes",
            "près des gares",
            "devant les lycées",
            "dans la périphérie",
            "autour des ronds-points",
        ),
        (
            "sécurisées",
            "éclairées la nuit",
            "protégées des voitures",
            "sans interruption",
            "entretenues en hiver",
            "bien signalées",
        ),
        (
            "pour rouler sans danger",
            "pour que les enfants pédalent",
            "pour les cyclistes débutants",
            "pour donner envie de pédaler",
            "pour aller au travail à vélo",
            "pour éviter les accidents",
        ),
    ),
    "artisans": (
        (
            "les artisans",
            "les plombiers et électriciens",
            "les commerçants des marchés",
            "les petites entreprises du bâtiment",
            "les livreurs indépendants",
            "les auto-entrepreneurs",
        ),
        (
            "ont besoin d'une dérogation temporaire",
            "réclament un calendrier connu deux ans à l'avance",
            "ne peuvent pas renouveler leurs utilitaires",
            "demandent des aides spécifiques",
            "veulent livrer le matin avec leur camionnette",
            "attendent un délai supplémentaire",
        ),
        (
            "pour leurs camionnettes",
            "pour leur flotte de véhicules",
            "pour les interventions d'urgence",
            "pour les chantiers en centre-ville",
            "pour les tournées de livraison",
            "pour leurs fourgons",
        ),
        (
            "sinon ils mettront la clé sous la porte",
            "car un utilitaire neuf coûte trop cher",
            "car leur activité en dépend",
            "faute de véhicules électriques adaptés",
            "car leur trésorerie est fragile",
            "pour garder leurs clients en ville",
        ),
    ),
}
OPENERS = ("", "", "Bonjour, ", "À mon avis, ", "Franchement, ", "Selon moi, ", "Pour ma part, ")
CLOSERS = ("", "", " Merci.", " Cordialement.", " C'est urgent.", " Merci de nous écouter.")
CAMPAIGN = (
    "Nous demandons le report de la zone à faibles émissions tant que les transports en commun ne desservent "
    "pas correctement les communes de la périphérie et que les aides ne sont pas versées avant l'achat."
)
RARE = (
    "Les péniches sur la Saône et le Rhône pourraient livrer les commerces du centre et retirer des camions.",
    "Les personnes en fauteuil roulant dépendent d'un véhicule adapté ancien que les aides ne remplacent pas.",
    "Les gardes alternées obligent des parents séparés à traverser la métropole deux fois par semaine.",
)
ONE_LINERS = ("RAS", "Non", "ok", "Rien à signaler", "Non merci")


def _communes() -> list:
    from terreau.territories.models import Commune

    out = []
    for dep in dict.fromkeys(DEPARTEMENTS):
        out.extend(Commune.objects.filter(departement_id=dep).order_by("-population")[:3])
    return out


def _participants(n: int, rng: random.Random) -> list:
    User = get_user_model()
    communes = _communes()
    by_dep: dict[str, list] = {}
    for commune in communes:
        by_dep.setdefault(commune.departement_id, []).append(commune)
    users = []
    for i in range(1, n + 1):
        email = f"participant{i:03d}@{DOMAIN}"
        user = User.objects.filter(email=email).first()
        if user is None:
            dep_communes = by_dep.get(rng.choice(DEPARTEMENTS)) or communes
            user = User.objects.create_user(
                email=email,
                password=None,
                display_name=f"Participant·e {i}",
                kind=rng.choice(KINDS),
                commune=rng.choice(dep_communes) if dep_communes else None,
            )
        users.append(user)
    return users


def corpus(rng: random.Random, per_theme: int = 24) -> list[str]:
    """Texts: each theme's phrase combinations, rare arguments and one-liners (the campaign is added
    by add_comments)."""
    texts = []
    for name, slots in THEMES.items():
        seen: set[tuple[str, ...]] = set()
        while len(seen) < per_theme:
            seen.add(tuple(rng.choice(pool) for pool in slots))
        for a, b, c, d in sorted(seen):
            body = f"{a[0].upper()}{a[1:]} {b} {c}, {d}." if name == "artisans" else f"Il faudrait {a} {b} {c}, {d}."
            texts.append(rng.choice(OPENERS) + body[0].lower() + body[1:] + rng.choice(CLOSERS))
    rng.shuffle(texts)
    texts.extend(RARE)
    texts.extend(rng.choice(ONE_LINERS) for _i in range(6))
    return texts


def add_comments(process, users: list, texts: list[str], campaign_authors: int = 25) -> int:
    """Write the texts as visible comments on `process` (direct rows: the demo is not rate-limited)."""
    from terreau.core.markdown import render_markdown
    from terreau.discussions.models import Comment

    content_type = ContentType.objects.get_for_model(process)
    now = timezone.now()
    rows = []
    for i, text in enumerate(texts):
        rows.append((users[i % len(users)], text))
    for i in range(campaign_authors):
        greeting = ("", "Bonjour, ", "Madame, Monsieur, ")[i % 3]
        rows.append((users[(i * 7) % len(users)], greeting + CAMPAIGN + ("", " Merci.")[i % 2]))
    comments = [
        Comment(
            content_type=content_type,
            object_id=process.pk,
            process=process,
            institution_id=process.institution_id,
            author=author,
            body=text,
            body_html=str(render_markdown(text)),
            created_at=now - timezone.timedelta(minutes=len(rows) - i),
        )
        for i, (author, text) in enumerate(rows)
    ]
    Comment.objects.bulk_create(comments, batch_size=500)
    return len(comments)


def _demo_edits(synthesis, staff) -> None:
    from terreau.synthesis import services

    themes = list(synthesis.themes.filter(parent=None).order_by("-n_authors"))
    if themes:
        services.rename(staff, themes[0], themes[0].label.capitalize() + " (thème principal)")
        services.set_summary(
            staff,
            themes[0],
            "Le thème le plus partagé. L'équipe de la Métropole **étudiera chaque proposition** "
            "avant le conseil de juin.",
        )
    services.publish(staff, synthesis)


def load() -> None:
    from django.apps import apps

    from terreau.processes.models import Membership, Process
    from terreau.synthesis import services
    from terreau.synthesis.models import Synthesis
    from terreau.synthesis.sources import all_sources

    rng = random.Random(2026)
    process = Process.objects.filter(slug=PROCESS_SLUG).first()
    if process is not None:
        with transaction.atomic():
            add_comments(process, _participants(90, rng), corpus(rng))
    for source in all_sources():
        model = apps.get_model(source.model)
        for target in model._default_manager.all():
            if not source.applies_to(target) or source.count(target) < 20:
                continue
            content_type = ContentType.objects.get_for_model(target)
            synthesis, _created = Synthesis.objects.get_or_create(
                source=source.name, content_type=content_type, object_id=target.pk
            )
            services.run_now(synthesis)
    if process is None:
        return
    synthesis = Synthesis.objects.filter(source="discussions.process_comments", object_id=process.pk).first()
    admin = Membership.objects.filter(institution=process.institution, role="admin").select_related("user").first()
    if synthesis is not None and admin is not None and synthesis.computed_at:
        _demo_edits(synthesis, admin.user)
