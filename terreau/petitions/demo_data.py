"""French demo petitions in every state, with signatures spread over départements, and about
forty comments on the canteens petition (the synthesis demo, loaded last, computes their synthesis).

Drafting, moderation, answers and escalation go through the services (audited); the
demo signatures are inserted in bulk as confirmed, then the counters are reconciled.
"""

from __future__ import annotations

import datetime
import random

from django.contrib.auth import get_user_model
from django.db.models import F
from django.utils import timezone

from terreau.petitions import services
from terreau.petitions.models import Petition, PetitionType, Signature
from terreau.processes.models import Institution
from terreau.territories.models import Commune

DEMO_DOMAIN = "demo.terreau.fr"
FIRST = [
    "Camille",
    "Louis",
    "Emma",
    "Hugo",
    "Léa",
    "Nathan",
    "Chloé",
    "Jules",
    "Inès",
    "Lucas",
    "Manon",
    "Yanis",
    "Sarah",
    "Gabriel",
    "Zoé",
    "Adam",
    "Lina",
    "Arthur",
    "Jade",
    "Mohamed",
    "Anaïs",
    "Théo",
    "Clara",
    "Paul",
]
LAST = [
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefebvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "Andre",
    "Mercier",
    "Dupont",
    "Lambert",
    "Bonnet",
    "Francois",
    "Martinez",
    "Nguyen",
]


def _user(key: str):
    return get_user_model().objects.filter(email=f"{key}@{DEMO_DOMAIN}").first()


def _add_signatures(petition: Petition, n: int, rng: random.Random, communes: list[Commune], home: str | None):
    """n confirmed signatures: half from the petition's own département when it has one."""
    start = petition.published_at or timezone.now()
    now = timezone.now()
    span = max(1.0, (now - start).total_seconds())
    local = [c for c in communes if c.departement_id == home] if home else []
    rows = []
    for i in range(n):
        if rng.random() < 0.03:
            commune = None
        elif local and rng.random() < 0.5:
            commune = rng.choice(local)
        else:
            commune = rng.choice(communes)
        when = start + datetime.timedelta(seconds=span * (rng.random() ** 2))
        rows.append(
            Signature(
                petition=petition,
                name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                email=f"signataire-{petition.pk}-{i}@exemple.fr",
                email_normalized=f"signataire-{petition.pk}-{i}@exemple.fr",
                email_domain="exemple.fr",
                commune=commune,
                departement_id=commune.departement_id if commune else None,
                abroad=commune is None,
                show_name=rng.random() < 0.3,
                notify_answer=rng.random() < 0.6,
                confirmed_at=when,
                counted=True,
            )
        )
    Signature.objects.bulk_create(rows, batch_size=2000)
    Signature.objects.filter(petition=petition).update(created_at=F("confirmed_at"))
    services.reconcile_counts(petition.pk)
    services.check_thresholds(petition.pk)


def _draft(author, institution, kind, title, demand, context, **scope) -> Petition:
    return services.draft_petition(
        author, title=title, demand=demand, context=context, institution=institution, petition_type=kind, **scope
    )


def _open_escalated(admin, process) -> None:
    """The Region prepared and published the consultation that the petition led to."""
    from terreau.processes import services as process_services

    today = timezone.localdate()
    process_services.save_contract(
        admin,
        process,
        objective="Décider, avec les habitants, des conditions d'un éventuel financement régional.",
        decision_maker="L'assemblée plénière du conseil régional.",
        open_to_change="Les conditions posées au financement et le calendrier de l'étude.",
        not_open="Les autorisations au titre de la loi sur l'eau, qui relèvent de l'État.",
        use_of_contributions="Une synthèse publique sera présentée en commission avant le vote.",
        answer_due=today + datetime.timedelta(days=75),
    )
    process_services.save_phase(
        admin,
        process,
        kind="contribution",
        title="Consultation",
        start_date=today - datetime.timedelta(days=3),
        end_date=today + datetime.timedelta(days=40),
    )
    process_services.publish_process(admin, process)


def load() -> None:
    ministry = Institution.objects.filter(slug="ministere-transition-ecologique").first()
    region = Institution.objects.filter(slug="region-auvergne-rhone-alpes").first()
    metropole = Institution.objects.filter(slug="metropole-de-lyon").first()
    mairie = Institution.objects.filter(slug="saint-pierre-de-chartreuse").first()
    admin = _user("admin")
    if not all([ministry, region, metropole, mairie, admin]) or Petition.objects.exists():
        return
    rng = random.Random(5)
    communes = list(Commune.objects.order_by("-population")[:400])
    camille, association, collectif = _user("camille"), _user("association"), _user("collectif")
    experte, elu = _user("experte"), _user("elu")

    national = PetitionType.objects.create(
        institution=ministry,
        name="Pétition nationale",
        answer_threshold=1000,
        answer_days=90,
        escalation_threshold=5000,
    )
    regional = PetitionType.objects.create(
        institution=region,
        name="Pétition régionale",
        answer_threshold=500,
        answer_days=60,
        escalation_threshold=2000,
    )
    metro = PetitionType.objects.create(
        institution=metropole,
        name="Pétition métropolitaine",
        answer_threshold=300,
        answer_days=60,
        escalation_threshold=1500,
    )
    local = PetitionType.objects.create(
        institution=mairie, name="Pétition communale", answer_threshold=50, answer_days=30, escalation_threshold=150
    )

    hedges = _draft(
        association,
        ministry,
        national,
        "Protéger les haies du bocage",
        "Nous demandons un moratoire sur l'arrachage des haies et un plan national de replantation de"
        " 50 000 km de haies d'ici 2030, financé et suivi publiquement.",
        "Depuis 1950, 70 % des haies bocagères ont disparu. Elles abritent la biodiversité, retiennent"
        " l'eau et les sols, stockent du carbone.\n\nSources : rapport du CGAAER sur la haie (2023).",
    )
    services.publish_petition(admin, hedges)
    hedges.refresh_from_db()
    Petition.objects.filter(pk=hedges.pk).update(published_at=timezone.now() - datetime.timedelta(days=40))
    hedges.refresh_from_db()
    _add_signatures(hedges, 1240, rng, communes, None)
    services.post_update(
        association,
        hedges,
        "Merci ! Le seuil de réponse est atteint : le ministère doit maintenant répondre dans les 90 jours.",
    )

    basin = _draft(
        collectif,
        region,
        regional,
        "Stop à la méga-bassine de la vallée de la Bourbre",
        "Nous demandons à la Région de suspendre son financement du projet de réserve de substitution"
        " tant qu'une étude indépendante sur la ressource en eau n'a pas été publiée et débattue.",
        "Le projet prévoit de pomper l'eau des nappes en hiver pour l'irrigation estivale. Plusieurs"
        " hydrologues alertent sur les effets en période de sécheresse.",
        scope_level="departement",
        scope_departement=Commune.objects.get(pk="38185").departement,
    )
    services.publish_petition(admin, basin)
    Petition.objects.filter(pk=basin.pk).update(published_at=timezone.now() - datetime.timedelta(days=70))
    basin.refresh_from_db()
    _add_signatures(basin, 2150, rng, communes, "38")
    process = services.escalate_petition(admin, basin)
    _open_escalated(admin, process)

    lighting = _draft(
        elu,
        mairie,
        local,
        "Éteindre l'éclairage public entre 23 h et 5 h",
        "Nous demandons l'extinction de l'éclairage public de minuit à 5 h dans les hameaux, hors"
        " carrefours dangereux, pour la biodiversité nocturne et les économies d'énergie.",
        "La commune est dans le parc naturel régional de Chartreuse, réserve de ciel étoilé.",
        scope_level="commune",
        scope_commune=Commune.objects.get(pk="38442"),
    )
    services.publish_petition(admin, lighting)
    Petition.objects.filter(pk=lighting.pk).update(published_at=timezone.now() - datetime.timedelta(days=50))
    lighting.refresh_from_db()
    _add_signatures(lighting, 74, rng, communes, "38")
    services.answer_petition(
        admin,
        lighting,
        "Le conseil municipal a voté l'extinction de **23 h à 5 h** dans tous les hameaux à partir du"
        " 1er mars, après un essai de trois mois. Un bilan sera présenté en réunion publique.",
    )

    bridge = _draft(
        camille,
        metropole,
        metro,
        "Une piste cyclable protégée sur le pont Wilson",
        "Nous demandons une piste cyclable séparée de la circulation dans les deux sens sur le pont Wilson.",
        "",
        scope_level="commune",
        scope_commune=Commune.objects.get(pk="69123"),
    )
    services.publish_petition(admin, bridge)
    Petition.objects.filter(pk=bridge.pk).update(
        published_at=timezone.now() - datetime.timedelta(days=120), closes_on=timezone.localdate()
    )
    bridge.refresh_from_db()
    _add_signatures(bridge, 180, rng, communes, "69")
    services.close_petition(admin, bridge)

    canteens = _draft(
        experte,
        metropole,
        metro,
        "Des cantines 100 % bio et locales dans les collèges",
        "Nous demandons que les collèges de la Métropole servent d'ici 2028 des repas 100 % bio, dont"
        " la moitié produite à moins de 150 km.",
        "La loi EGalim fixe 20 % de bio ; plusieurs collectivités font déjà bien mieux.",
    )
    services.publish_petition(admin, canteens)
    Petition.objects.filter(pk=canteens.pk).update(published_at=timezone.now() - datetime.timedelta(days=6))
    canteens.refresh_from_db()
    _add_signatures(canteens, 42, rng, communes, "69")
    _add_comments(canteens, random.Random(69))

    _draft(
        camille,
        metropole,
        metro,
        "Des fontaines à eau dans tous les parcs",
        "Nous demandons l'installation de fontaines d'eau potable dans chaque parc de la Métropole.",
        "Pendant les canicules, boire gratuitement en ville est une question de santé publique.",
    )
    refused = _draft(
        collectif,
        metropole,
        None,
        "Interdire toutes les voitures dès demain",
        "Nous demandons l'interdiction immédiate de toute voiture dans la Métropole.",
        "",
    )
    services.refuse_petition(
        admin,
        refused,
        "La demande ne relève pas d'une décision que la Métropole peut prendre seule et sans délai"
        " (les routes nationales et l'accès des secours en dépendent). Reformulez-la, par exemple sur"
        " une zone ou un calendrier précis.",
    )


# --- Comments on the canteens petition (enough for a meaningful synthesis) ----------------

COMMENTERS = 16
COMMENT_KINDS = ("citizen",) * 10 + ("association", "union", "company", "expert", "elected", "public_agent")
CANTEEN_COMMENTS = [
    # Cost and who pays
    "Le bio coûte plus cher à l'achat : qui paiera la différence ? Il ne faudrait pas que le prix"
    " du repas augmente pour les familles.",
    "Avec la hausse des prix alimentaires, les collèges ont déjà du mal à boucler leur budget."
    " Sans une dotation supplémentaire de la Métropole, l'objectif restera un vœu pieux.",
    "Le surcoût est compensable : à Mouans-Sartoux, la cantine est passée au bio en réduisant le"
    " gaspillage et la viande, sans augmenter le prix pour les familles.",
    "Une tarification sociale au quotient familial doit accompagner la mesure, sinon les familles"
    " modestes quitteront la cantine.",
    "Le coût d'un repas bio local est de 30 à 40 centimes de plus selon les études d'Un Plus Bio."
    " C'est peu rapporté au budget de la Métropole.",
    # Local producers and supply
    "Les maraîchers des monts du Lyonnais sont prêts à fournir les collèges si on leur garantit des"
    " volumes sur plusieurs années. Il faut des contrats pluriannuels.",
    "Il n'y a pas assez de producteurs bio dans un rayon de 150 km pour nourrir tous les collèges :"
    " il faut d'abord aider à l'installation de nouveaux agriculteurs.",
    "La Métropole pourrait utiliser ses terres agricoles pour installer des maraîchers en régie,"
    " comme le font déjà certaines communes.",
    "Les marchés publics favorisent les gros fournisseurs. Il faut découper les lots par produit"
    " pour que les petits producteurs locaux puissent répondre.",
    "Je suis éleveuse dans le Beaujolais : nous vendons très peu aux collèges parce que les appels"
    " d'offres exigent des volumes que nous n'avons pas. Allotissez !",
    "Une légumerie métropolitaine permettrait de préparer les légumes locaux bruts : c'est ce qui"
    " manque aux cuisines qui n'ont plus de personnel pour éplucher.",
    # Kitchens and staff
    "La plupart des collèges n'ont plus de vraie cuisine, seulement des repas livrés réchauffés."
    " Le bio local suppose de recréer des cuisines sur place.",
    "Les cuisiniers doivent être formés à cuisiner des produits frais et des légumineuses. Sans"
    " formation, on aura du bio mal cuisiné que les enfants ne mangeront pas.",
    "En tant qu'agent de restauration, je confirme : avec deux personnes pour 600 repas, impossible"
    " de travailler des produits bruts. Il faut des postes en plus.",
    "Les équipes de cuisine sont prêtes à s'engager si on leur donne du temps et du matériel."
    " Associez-les au projet dès le départ.",
    # Food waste
    "Le gaspillage dans les cantines est énorme : un tiers des assiettes part à la poubelle."
    " Réduire le gaspillage finance une grande partie du bio.",
    "Il faut peser les déchets et laisser les élèves choisir la taille de leur portion : nous"
    " avons divisé le gaspillage par deux dans notre collège.",
    "Des tables de tri et un suivi des restes avec les élèves éco-délégués, cela fonctionne et cela sensibilise.",
    # Vegetarian meals and health
    "Plus de repas végétariens permettrait de financer le bio : les protéines végétales coûtent"
    " bien moins cher que la viande.",
    "Proposer une option végétarienne chaque jour, c'est bon pour le climat et pour le budget.",
    "Attention à l'équilibre nutritionnel des adolescents : les menus végétariens doivent être"
    " conçus avec des diététiciens.",
    "Mon fils ne mange presque rien à la cantine aujourd'hui. Des produits frais et bons, c'est"
    " aussi une question de santé et de réussite scolaire.",
    "Moins de pesticides dans l'assiette des enfants, c'est une question de santé publique. Les"
    " études sur les perturbateurs endocriniens sont claires.",
    # Education and the farm link
    "Il faudrait associer les élèves : visites de fermes, potagers au collège, menus expliqués."
    " Manger bio, ça s'apprend.",
    "Que les collégiens rencontrent les producteurs qui les nourrissent : c'est la meilleure"
    " éducation à l'alimentation.",
    # Doubts, objections, calendar
    "100 % bio en 2028, c'est irréaliste. Fixons plutôt 50 % en 2028 et 100 % en 2032, avec un bilan chaque année.",
    "Je préfère du local conventionnel à du bio importé d'Espagne. Le critère local devrait passer avant le label.",
    "Le label bio ne dit rien des conditions de travail. Il faudrait aussi des critères sociaux"
    " et de commerce équitable.",
    "Le département gère les collèges, pas seulement la Métropole : qui décide vraiment ? La"
    " pétition doit préciser à qui elle s'adresse.",
    "Il faut publier chaque année la part de bio et de local par collège, pour que les parents"
    " puissent suivre les progrès.",
    # Rare but distinct points
    "Pensez aux élèves qui ont des allergies : les recettes maison doivent afficher clairement les allergènes.",
    "Et l'eau ? Supprimer les bouteilles plastiques et installer des fontaines dans les réfectoires"
    " irait dans le même sens.",
    "Les emballages des repas livrés sont en plastique chauffé : c'est un problème sanitaire"
    " qu'il faut régler en même temps.",
    # Short ones
    "Entièrement d'accord.",
    "Oui !",
]
CANTEEN_CAMPAIGN = (
    "Parents d'élèves, nous soutenons cette pétition : nos enfants méritent des repas sains, bio et"
    " locaux, cuisinés sur place. Nous demandons à la Métropole un calendrier et un budget."
)


def _commenters(rng: random.Random) -> list:
    User = get_user_model()
    communes = list(Commune.objects.filter(departement_id__in=("69", "38", "42", "01")).order_by("-population")[:60])
    users = []
    for i in range(1, COMMENTERS + 1):
        email = f"commentaire{i:02d}@{DEMO_DOMAIN}"
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                email=email,
                password=None,
                display_name=f"{rng.choice(FIRST)} {rng.choice(LAST)[0]}.",
                kind=COMMENT_KINDS[(i - 1) % len(COMMENT_KINDS)],
                commune=rng.choice(communes) if communes else None,
            )
        users.append(user)
    return users


def _add_comments(petition: Petition, rng: random.Random) -> int:
    """About forty comments on `petition` (direct rows: the demo is not rate-limited), a few replies."""
    from django.contrib.contenttypes.models import ContentType

    from terreau.core.markdown import render_markdown
    from terreau.discussions.models import Comment

    users = _commenters(rng)
    texts = [*CANTEEN_COMMENTS]
    for i in range(6):
        texts.insert(rng.randrange(len(texts)), ("", "Bonjour, ", "")[i % 3] + CANTEEN_CAMPAIGN)
    content_type = ContentType.objects.get_for_model(Petition)
    start = petition.published_at or timezone.now()
    span = max(60.0, (timezone.now() - start).total_seconds() - 60)
    created = []
    for i, text in enumerate(texts):
        comment = Comment.objects.create(
            content_type=content_type,
            object_id=petition.pk,
            institution_id=petition.institution_id,
            author=users[i % len(users)],
            body=text,
            body_html=str(render_markdown(text)),
            created_at=start + datetime.timedelta(seconds=span * (i + 1) / (len(texts) + 1)),
        )
        created.append(comment)
    replies = [
        (0, "D'autres collectivités prennent en charge une partie du surcoût : c'est un choix politique."),
        (6, "Des groupements de producteurs existent déjà, ils peuvent répondre ensemble aux marchés."),
        (26, "Un calendrier par étapes me semble plus crédible aussi."),
    ]
    for index, text in replies:
        parent = created[min(index, len(created) - 1)]
        Comment.objects.create(
            content_type=content_type,
            object_id=petition.pk,
            institution_id=petition.institution_id,
            parent=parent,
            thread=parent,
            depth=1,
            author=users[(index + 5) % len(users)],
            body=text,
            body_html=str(render_markdown(text)),
            created_at=parent.created_at + datetime.timedelta(minutes=30),
        )
    return len(created) + len(replies)
