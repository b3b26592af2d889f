"""French demo comments, replies, a report and a moderation decision on the demo processes.

    python manage.py demo_comments

Needs the demo data (`load_demo`); does nothing if the demo processes already have comments.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings

from terreau.discussions import services
from terreau.discussions.models import Comment
from terreau.moderation import services as moderation
from terreau.processes.models import Process

DOMAIN = "demo.terreau.fr"

THREADS = {
    "zfe-prochaine-etape": [
        (
            "camille",
            "Je travaille de nuit à l'hôpital Édouard-Herriot : sans transports en commun à 4 h du matin, "
            "la voiture reste ma seule option. Une dérogation **pour les horaires décalés** serait juste.",
            [
                (
                    "collectif",
                    "D'accord sur le constat. Un service de navettes de nuit réglerait le problème "
                    "pour beaucoup de soignant·es, pas seulement une dérogation.",
                ),
                (
                    "agent",
                    "Les horaires décalés font partie des cas étudiés pour les dérogations. "
                    "Le détail sera publié avec la synthèse.",
                ),
            ],
        ),
        (
            "entreprise",
            "Les artisans ont besoin de visibilité : un calendrier connu **deux ans à l'avance** et des aides "
            "versées avant l'achat du véhicule, pas après.",
            [("syndicat", "Même demande côté salarié·es qui viennent de l'extérieur de la Métropole.")],
        ),
        (
            "association",
            "Les mesures de la qualité de l'air près des écoles devraient être publiées chaque mois. "
            "Source : [Atmo Auvergne-Rhône-Alpes](https://www.atmo-auvergnerhonealpes.fr).",
            [],
        ),
        ("entreprise", "ACHETEZ NOS FILTRES À PARTICULES — PROMO -50 % — cliquez ici !!!", []),
    ],
    "plan-climat-bilan": [
        (
            "experte",
            "Le bilan ne dit rien de l'adaptation : îlots de chaleur, gestion de l'eau en été. "
            "Ce sont pourtant les actions dont l'effet se mesure le plus vite.",
            [("elu", "Une fiche sur les îlots de fraîcheur est en préparation pour le conseil de juin.")],
        ),
    ],
}


class Command(BaseCommand):
    help = "Add demo comments (French) to the demo processes."

    @override_settings(TERREAU_RATE_LIMITS=False)
    def handle(self, *args, **options) -> None:
        User = get_user_model()
        users = {u.email.split("@")[0]: u for u in User.objects.filter(email__endswith=f"@{DOMAIN}")}
        processes = {p.slug: p for p in Process.objects.filter(slug__in=THREADS)}
        if not users or not processes:
            self.stderr.write("Load the demo data first: python manage.py load_demo")
            return
        if Comment.objects.filter(process__in=processes.values()).exists():
            self.stdout.write("Demo comments already there.")
            return
        with transaction.atomic():
            spam = None
            for slug, threads in THREADS.items():
                process = processes.get(slug)
                if process is None:
                    continue
                for author, body, replies in threads:
                    root = services.post_comment(users[author], process, body)
                    if body.startswith("ACHETEZ"):
                        spam = root
                    for reply_author, reply_body in replies:
                        services.reply(users[reply_author], root, reply_body)
            if spam is not None:
                moderation.report(users["camille"], spam, reason="spam", details="Publicité sans rapport.")
                moderation.report(users["association"], spam, reason="spam")
                moderation.hide(users["moderatrice"], spam, reason="spam")
                rude = services.post_comment(
                    users["collectif"],
                    processes["zfe-prochaine-etape"],
                    "Ceux qui défendent la voiture en ville sont des irresponsables, point.",
                )
                moderation.report(users["entreprise"], rude, reason="harassment", details="Attaque les personnes.")
                moderation.report(users["camille"], rude, reason="off_topic")
        self.stdout.write(self.style.SUCCESS(f"{Comment.objects.count()} demo comments."))
