"""Deterministic French demo content. Dates are relative to the day it is loaded so that
every phase state (past, current, upcoming; answer on time, late, due) is represented."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from terreau.processes import services
from terreau.processes.models import (
    Institution,
    Membership,
    ParticipationContract,
    Phase,
    Process,
    ProcessModule,
)
from terreau.processes.modules import registry

MARKER_SLUG = "ministere-transition-ecologique"
DEMO_DOMAIN = "demo.terreau.fr"
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105 - public demo secret

PARTICIPANTS = [
    ("camille", "Camille Durand", "citizen", "69123"),
    ("association", "Les Amis de la Saône", "association", "69123"),
    ("syndicat", "Union locale CFDT Grenoble", "union", "38185"),
    ("entreprise", "Coop Énergie Partagée", "company", "69266"),
    ("collectif", "Collectif Vélo Villeurbanne", "collective", "69266"),
    ("experte", "Dr Aïcha Benali, hydrologue", "expert", "38185"),
    ("elu", "Marc Lefebvre, conseiller municipal", "elected", "38442"),
    ("agent", "Sophie Martin, DDT du Rhône", "public_agent", "69123"),
]


def demo_logins() -> list[tuple[str, str]]:
    rows = [(f"admin@{DEMO_DOMAIN}", "équipe de la plateforme (staff)")]
    rows += [(f"{key}@{DEMO_DOMAIN}", label) for key, _name, label in STAFF]
    rows += [(f"{key}@{DEMO_DOMAIN}", name) for key, name, _kind, _c in PARTICIPANTS]
    return rows


STAFF = [
    ("ministere", "Hélène Garnier", "administratrice, Ministère de la Transition écologique"),
    ("region", "Julien Roux", "administrateur, Région Auvergne-Rhône-Alpes"),
    ("metropole", "Nadia Haddad", "administratrice, Métropole de Lyon"),
    ("mairie", "Pierre Girard", "administrateur, Saint-Pierre-de-Chartreuse"),
    ("moderatrice", "Léa Fontaine", "modératrice, Métropole de Lyon"),
    ("facilitateur", "Karim Mansouri", "facilitateur, Métropole de Lyon"),
    ("relectrice", "Odile Perrin", "relectrice, Région Auvergne-Rhône-Alpes"),
]


def _commune(code: str):
    from terreau.territories.models import Commune

    return Commune.objects.filter(pk=code).first()


def _user(key: str, name: str, kind: str = "citizen", commune: str | None = None, **extra):
    from allauth.account.models import EmailAddress

    User = get_user_model()
    email = f"{key}@{DEMO_DOMAIN}"
    user = User.objects.create_user(
        email=email,
        password=settings.TERREAU_DEMO_PASSWORD,
        display_name=name,
        kind=kind,
        commune=_commune(commune) if commune else None,
        **extra,
    )
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def _enroll_totp(user) -> None:
    from allauth.mfa.totp.internal.auth import TOTP

    TOTP.activate(user, DEMO_TOTP_SECRET)


def _process(
    institution, author, *, title, slug, summary, body, scope, phases, contract, answer=None, status="published"
):
    today = timezone.localdate()
    level, obj = scope
    if obj is None:  # geography not loaded: fall back to a national scope
        level = "national"
    process = Process.objects.create(
        institution=institution,
        title=title,
        slug=slug,
        summary=summary,
        body=body,
        scope_level=level,
        scope_region=obj if level == "region" else None,
        scope_departement=obj if level == "departement" else None,
        scope_commune=obj if level == "commune" else None,
        status="draft",
        published_at=None if status == "draft" else timezone.now() - datetime.timedelta(days=max(1, 1 - phases[0][2])),
        created_by=author,
    )
    for kind, ptitle, start, end in phases:
        Phase.objects.create(
            process=process,
            kind=kind,
            title=ptitle,
            start_date=today + datetime.timedelta(days=start),
            end_date=today + datetime.timedelta(days=end),
        )
    objective, decision_maker, open_to_change, not_open, use, due = contract
    ParticipationContract.objects.create(
        process=process,
        objective=objective,
        decision_maker=decision_maker,
        open_to_change=open_to_change,
        not_open=not_open,
        use_of_contributions=use,
        answer_due=today + datetime.timedelta(days=due),
    )
    # Published through the services, as staff would: the audit log records it.
    if status != "draft":
        process = services.publish_process(author, process)
    if answer:
        text, days_ago = answer
        services.publish_answer(author, process, text, when=timezone.now() - datetime.timedelta(days=days_ago))
    page = ProcessModule.objects.create(process=process, module="page", title="Pour en savoir plus")
    manifest = registry.get("page")
    if manifest and manifest.demo:
        manifest.demo(
            page,
            "## Documents\n\n- Le dossier de présentation (PDF, 2 Mo)\n- La synthèse des études préalables\n\n"
            "## Questions fréquentes\n\n**Qui peut participer ?** Toute personne, sans condition d'âge ni de "
            "nationalité. Les contributions des associations et des experts sont signalées comme telles.",
        )
    return process


@transaction.atomic
def load_demo() -> None:
    from terreau.territories.models import Departement, Region

    _user("admin", "Équipe Terreau", is_staff=True, is_superuser=True)
    staff = {key: _user(key, name, "public_agent") for key, name, _label in STAFF}
    for user in [*staff.values(), get_user_model().objects.get(email=f"admin@{DEMO_DOMAIN}")]:
        _enroll_totp(user)
    for key, name, kind, commune in PARTICIPANTS:
        user = _user(key, name, kind, commune)
        if key in {"association", "syndicat"}:
            user.organisation_verified_at = timezone.now()
            user.save(update_fields=["organisation_verified_at"])

    ara = Region.objects.filter(pk="84").first()
    rhone = Departement.objects.filter(pk="69").first()
    chartreuse = _commune("38442")
    ministry = Institution.objects.create(
        name="Ministère de la Transition écologique",
        slug=MARKER_SLUG,
        kind="ministry",
        description="Ministère chargé de l'écologie, de l'énergie, des transports et du logement.",
    )
    region = Institution.objects.create(
        name="Région Auvergne-Rhône-Alpes", slug="region-auvergne-rhone-alpes", kind="region", region=ara
    )
    metropole = Institution.objects.create(
        name="Métropole de Lyon", slug="metropole-de-lyon", kind="intercommunality", departement=rhone
    )
    mairie = Institution.objects.create(
        name="Commune de Saint-Pierre-de-Chartreuse",
        slug="saint-pierre-de-chartreuse",
        kind="commune",
        commune=chartreuse,
        description="Commune de montagne du massif de la Chartreuse (Isère), environ 1 000 habitants.",
    )
    for inst, key in ((ministry, "ministere"), (region, "region"), (metropole, "metropole"), (mairie, "mairie")):
        Membership.objects.create(institution=inst, user=staff[key], role="admin")
    Membership.objects.create(institution=metropole, user=staff["moderatrice"], role="moderator")
    Membership.objects.create(institution=metropole, user=staff["facilitateur"], role="facilitator")
    Membership.objects.create(institution=region, user=staff["relectrice"], role="reviewer")

    national = ("national", None)
    _process(
        ministry,
        staff["ministere"],
        title="Stratégie nationale biodiversité 2030",
        slug="strategie-nationale-biodiversite-2030",
        summary="Quelles mesures pour enrayer l'effondrement de la biodiversité d'ici 2030 ? Le projet de "
        "stratégie a été soumis à l'avis de toutes et tous.",
        body="La France s'est engagée à protéger 30 % de son territoire. Le projet de stratégie comporte "
        "quatre axes : réduire les pressions, restaurer les milieux, mobiliser les acteurs, financer.\n\n"
        "Cette consultation est **close** ; la réponse du ministère est publiée ci-dessus.",
        scope=national,
        phases=[
            ("information", "Présentation du projet", -120, -91),
            ("contribution", "Consultation en ligne", -90, -46),
            ("synthesis", "Synthèse des contributions", -45, -31),
            ("answer", "Réponse du ministère", -30, -16),
        ],
        contract=(
            "Recueillir l'avis du public sur le projet de stratégie avant son adoption.",
            "Le Gouvernement, par décret, après avis du Conseil national de la protection de la nature.",
            "Le contenu et la priorité des mesures des quatre axes ; les indicateurs de suivi.",
            "L'objectif de 30 % d'aires protégées, fixé par la loi.",
            "Une synthèse publique est rédigée ; chaque proposition reçoit une réponse motivée.",
            -20,
        ),
        answer=(
            "Merci aux 4 212 participantes et participants.\n\n**Retenu** : le renforcement des trames "
            "noires (pollution lumineuse), demandé par de nombreuses associations ; un indicateur de suivi "
            "des haies.\n\n**Non retenu** : l'interdiction générale des pesticides dans les aires protégées, "
            "qui relève de la loi ; le ministère s'engage à saisir le Parlement.",
            25,
        ),
    )
    _process(
        region,
        staff["region"],
        title="Plan régional de prévention et de gestion des déchets",
        slug="plan-regional-dechets",
        summary="Révision du plan régional : réduction des déchets, tri à la source des biodéchets, "
        "implantation des installations de traitement.",
        body="Le plan fixe des objectifs à six et douze ans. Vos contributions ont été recueillies lors de "
        "l'enquête publique et de six réunions publiques dans les départements.",
        scope=("region", ara),
        phases=[
            ("contribution", "Enquête publique", -100, -60),
            ("synthesis", "Rapport de la commission", -59, -30),
            ("answer", "Délibération du conseil régional", -29, -12),
        ],
        contract=(
            "Associer les habitants à la révision du plan déchets.",
            "Le conseil régional, par délibération.",
            "Les objectifs de réduction, la localisation des nouvelles installations.",
            "Les obligations nationales de tri à la source.",
            "Le rapport de la commission et la réponse de la Région sont publiés.",
            -12,
        ),
    )
    _process(
        metropole,
        staff["metropole"],
        title="Zone à faibles émissions : les modalités de la prochaine étape",
        slug="zfe-prochaine-etape",
        summary="Calendrier, dérogations, aides à la conversion : la Métropole ouvre la discussion sur la "
        "prochaine étape de la ZFE.",
        body="La pollution de l'air cause environ 500 décès prématurés par an dans l'agglomération. "
        "La ZFE restreint la circulation des véhicules les plus polluants.\n\n"
        "## Ce que nous vous demandons\n\n1. Le calendrier est-il tenable ?\n2. Quelles dérogations ?\n"
        "3. Quelles aides pour les ménages modestes ?",
        scope=("departement", rhone),
        phases=[
            ("information", "Réunions d'information", -20, -8),
            ("contribution", "Contributions en ligne et ateliers", -7, 21),
            ("synthesis", "Synthèse publique", 22, 40),
            ("answer", "Délibération", 41, 60),
        ],
        contract=(
            "Définir avec les habitants les modalités de la prochaine étape de la ZFE.",
            "Le conseil de la Métropole, par délibération en séance publique.",
            "Le calendrier, la liste des dérogations, le montant et les critères des aides.",
            "Le principe de la ZFE, imposé par la loi Climat et résilience.",
            "Chaque contribution est lue ; la synthèse dit ce qui a été retenu ou non, et pourquoi.",
            60,
        ),
    )
    _process(
        metropole,
        staff["metropole"],
        title="Plan climat-air-énergie : bilan à mi-parcours",
        slug="plan-climat-bilan",
        summary="Où en sont les 60 actions du plan climat ? Vos avis sur le bilan à mi-parcours.",
        body="Le bilan à mi-parcours présente l'avancement de chaque action et les émissions mesurées.",
        scope=("departement", rhone),
        phases=[
            ("contribution", "Avis sur le bilan", -150, -110),
            ("answer", "Réponse de la Métropole", -109, -80),
        ],
        contract=(
            "Évaluer avec les habitants l'avancement du plan climat.",
            "Le conseil de la Métropole.",
            "Les priorités de la seconde moitié du plan.",
            "Les objectifs chiffrés du plan, fixés pour 2030.",
            "Les avis sont publiés avec la réponse de la Métropole.",
            -80,
        ),
        answer=(
            "La Métropole accélère trois actions (rénovation des écoles, pistes cyclables, réseau de "
            "chaleur) et publie désormais un tableau de bord trimestriel.",
            50,
        ),
    )
    _process(
        mairie,
        staff["mairie"],
        title="Budget participatif 2027 : vos projets pour le village",
        slug="budget-participatif-2027",
        summary="30 000 € pour des projets proposés et choisis par les habitants : sentiers, jardins "
        "partagés, mobilité.",
        body="Tout habitant de plus de 12 ans peut déposer un projet d'intérêt général sur la commune.",
        scope=("commune", chartreuse) if chartreuse else national,
        phases=[
            ("information", "Présentation et réunion publique", 5, 19),
            ("contribution", "Dépôt des projets", 20, 60),
            ("vote", "Vote des habitants", 75, 95),
        ],
        contract=(
            "Réaliser les projets choisis par les habitants, dans la limite de 30 000 €.",
            "Les habitants votent ; le conseil municipal vérifie la faisabilité et inscrit les projets au budget.",
            "Le choix des projets réalisés.",
            "Le montant total de l'enveloppe.",
            "Les projets lauréats sont réalisés en 2027 ; leur avancement est suivi sur cette page.",
            120,
        ),
    )
    _process(
        mairie,
        staff["mairie"],
        title="Extinction de l'éclairage public la nuit",
        slug="extinction-eclairage-public",
        summary="Brouillon en préparation.",
        body="",
        scope=("commune", chartreuse) if chartreuse else national,
        phases=[("contribution", "Avis des habitants", 30, 60)],
        contract=("À préciser.", "Le conseil municipal.", "Les horaires.", "Le principe.", "Publiés.", 90),
        status="draft",
    )


def is_loaded() -> bool:
    return Institution.objects.filter(slug=MARKER_SLUG).exists()
