"""Demo content: a draft "loi relative à la sobriété foncière" under consultation.

Loaded by `manage.py load_demo` after the core demo (which creates the ministry, its staff
and participants of every kind). Everything goes through the services, as people would:
votes, answers and the second version are in the audit log.
"""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

DEMO_DOMAIN = "demo.terreau.fr"
PROCESS_SLUG = "loi-sobriete-fonciere"

TEXT = """\
# Projet de loi relatif à la sobriété foncière et à la renaturation des sols

Le Premier ministre,

Sur le rapport du ministre de la Transition écologique et de la Cohésion des territoires,

## Exposé des motifs

Chaque année, entre 20 000 et 30 000 hectares d'espaces naturels, agricoles et forestiers sont
artificialisés en France, soit l'équivalent de quatre à cinq terrains de football toutes les heures.
Cette consommation d'espace détruit des habitats, imperméabilise les sols, accroît le risque
d'inondation et fragilise la souveraineté alimentaire.

La loi du 22 août 2021 a fixé l'objectif de « zéro artificialisation nette » en 2050. Le présent
projet de loi en précise la trajectoire, donne aux collectivités les outils de la sobriété foncière
et organise la renaturation des sols dégradés.

Il comporte trois titres : le premier fixe la trajectoire et sa gouvernance ; le deuxième donne
priorité au recyclage des friches et à la densification ; le troisième organise la renaturation et
son financement.

# Titre I — Trajectoire et gouvernance

## Chapitre 1er — Objectifs

### Article 1er

La consommation d'espaces naturels, agricoles et forestiers observée au cours des dix années
précédant la promulgation de la présente loi est réduite de moitié au cours des dix années
suivantes, à l'échelle de chaque région.

### Article 2

L'État publie chaque année, par commune, la surface artificialisée et la surface renaturée au cours
de l'année écoulée. Ces données sont mises à disposition du public sous une licence ouverte.

### Article 3

Les projets d'envergure nationale sont comptabilisés dans une enveloppe nationale distincte, dont
la liste est fixée par arrêté après consultation des régions.

## Chapitre 2 — Gouvernance territoriale

### Article 4

Dans chaque région, une conférence régionale de la sobriété foncière réunit les représentants des
collectivités, de l'État, des chambres consulaires et des associations agréées de protection de
l'environnement. Elle rend un avis sur la répartition des objectifs entre les territoires.

### Article 5

Le schéma de cohérence territoriale fixe, pour chaque intercommunalité, un objectif chiffré de
réduction de la consommation d'espaces, en tenant compte des efforts déjà accomplis.

# Titre II — Recyclage foncier et densification

## Chapitre 1er — Friches

### Article 6

Un inventaire des friches est établi et tenu à jour par chaque intercommunalité. Il recense les
terrains bâtis ou non bâtis inutilisés depuis plus de deux ans et leur état de pollution connu.

### Article 7

Avant toute ouverture à l'urbanisation d'un espace naturel, agricole ou forestier, le plan local
d'urbanisme démontre qu'aucune friche ni aucun terrain déjà artificialisé ne permet d'accueillir le
projet.

## Chapitre 2 — Densification

### Article 8

Les règles de hauteur et de gabarit du plan local d'urbanisme ne peuvent faire obstacle à la
surélévation d'un bâtiment existant d'un niveau, sous réserve de la qualité architecturale du projet.

### Article 9

La création de surfaces commerciales de plus de 1 000 mètres carrés sur un terrain non
artificialisé est interdite.

# Titre III — Renaturation des sols

## Chapitre 1er — Opérations de renaturation

### Article 10

Une opération de renaturation rend à un sol artificialisé ses fonctions écologiques : désimperméabilisation,
dépollution si nécessaire, reconstitution d'un sol vivant et végétalisation par des essences locales.

### Article 11

Les cours d'école, parkings et places publiques font l'objet d'un plan communal de
désimperméabilisation, adopté avant le 1er janvier 2030.

## Chapitre 2 — Financement

### Article 12

Il est créé un fonds national pour la renaturation des sols, alimenté par une fraction de la taxe
d'aménagement. Il finance en priorité les opérations portées par les communes de moins de 10 000
habitants.
"""

# (author key, article number, new wording or None for a proposal, title, explanation)
AMENDMENTS = [
    (
        "association",
        "1er",
        "La consommation d'espaces naturels, agricoles et forestiers observée au cours des dix années "
        "précédant la promulgation de la présente loi est réduite de moitié au cours des cinq années "
        "suivantes, à l'échelle de chaque région et de chaque département.",
        "",
        "Dix ans, c'est trop long : la moitié de l'effort doit être faite avant 2030. L'échelle "
        "départementale évite qu'un territoire concentre toute l'artificialisation de la région.",
    ),
    (
        "elu",
        "1er",
        "La consommation d'espaces naturels, agricoles et forestiers observée au cours des dix années "
        "précédant la promulgation de la présente loi est réduite de moitié au cours des dix années "
        "suivantes, à l'échelle de chaque région, en garantissant à chaque commune rurale une surface "
        "minimale d'un hectare.",
        "",
        "Sans garantie minimale, les petites communes ne pourront plus accueillir une seule maison.",
    ),
    (
        "experte",
        "2",
        "L'État publie chaque année, par commune, la surface artificialisée, la surface imperméabilisée et "
        "la surface renaturée au cours de l'année écoulée, selon une méthode publiée. Ces données sont "
        "mises à disposition du public sous une licence ouverte, avec leur marge d'erreur.",
        "",
        "Artificialisé ne veut pas dire imperméabilisé : un jardin pavillonnaire n'a pas l'effet d'un "
        "parking. La méthode et l'incertitude doivent être publiques.",
    ),
    (
        "collectif",
        "4",
        "Dans chaque région, une conférence régionale de la sobriété foncière réunit les représentants des "
        "collectivités, de l'État, des chambres consulaires, des associations agréées de protection de "
        "l'environnement et des citoyens tirés au sort. Elle rend un avis public sur la répartition des "
        "objectifs entre les territoires.",
        "",
        "Les habitants doivent avoir leur place à côté des élus et des chambres consulaires.",
    ),
    (
        "camille",
        "6",
        "Un inventaire des friches est établi et tenu à jour par chaque intercommunalité. Il recense les "
        "terrains bâtis ou non bâtis inutilisés depuis plus de deux ans, leur état de pollution connu et "
        "leur intérêt écologique. Il est publié en données ouvertes.",
        "",
        "Certaines friches sont devenues des refuges de biodiversité : il faut le savoir avant de bâtir.",
    ),
    (
        "association",
        "6",
        "Un inventaire des friches est établi et tenu à jour par chaque intercommunalité. Il recense les "
        "terrains bâtis ou non bâtis inutilisés depuis plus de deux ans, leur état de pollution connu et "
        "la biodiversité qu'ils abritent.",
        "",
        "Les friches anciennes abritent souvent des espèces protégées.",
    ),
    (
        "entreprise",
        "8",
        "Les règles de hauteur et de gabarit du plan local d'urbanisme ne peuvent faire obstacle à la "
        "surélévation d'un bâtiment existant de deux niveaux, sous réserve de la qualité architecturale du "
        "projet et de sa performance énergétique.",
        "",
        "Un seul niveau rend la plupart des opérations non rentables.",
    ),
    (
        "syndicat",
        "9",
        "La création de surfaces commerciales de plus de 500 mètres carrés sur un terrain non artificialisé "
        "est interdite.",
        "",
        "Le seuil de 1 000 m² laisse passer la plupart des moyennes surfaces en entrée de ville.",
    ),
    (
        "agent",
        "11",
        "Les cours d'école, parkings et places publiques font l'objet d'un plan communal de "
        "désimperméabilisation, adopté avant le 1er janvier 2030 et révisé tous les six ans.",
        "",
        "Sans révision, le plan restera lettre morte.",
    ),
]

PROPOSALS = [
    (
        "association",
        "10",
        "Protéger les sols vivants dans le code de l'environnement",
        "Le sol est reconnu comme un milieu vivant. Sa protection est d'intérêt général au même titre que "
        "l'eau et l'air.",
    ),
    (
        "experte",
        "3",
        "Un observatoire indépendant de l'artificialisation",
        "Un observatoire scientifique indépendant valide chaque année les données publiées par l'État et "
        "rend un avis public sur le respect de la trajectoire.",
    ),
    (
        "elu",
        "12",
        "Un guichet unique pour les petites communes",
        "Dans chaque département, un guichet unique aide les communes de moins de 3 500 habitants à monter "
        "leurs dossiers de renaturation et de recyclage de friches.",
    ),
    (
        "camille",
        "11",
        "Des cours d'école oasis en priorité",
        "Les cours d'école sont désimperméabilisées en priorité, avec les élèves et leurs parents, pour "
        "en faire des îlots de fraîcheur ouverts au quartier le week-end.",
    ),
    (
        "collectif",
        "7",
        "Compter les parkings dans la démonstration",
        "La démonstration prévue à l'article 7 inclut les parkings de surface sous-utilisés, qui sont la "
        "première réserve foncière des zones commerciales.",
    ),
]

# (author key, article number or None, stance, text, source or None); "amendment:N" targets the N-th amendment.
ARGUMENTS = [
    (
        "experte",
        "1er",
        "for",
        "La moitié des surfaces artificialisées le sont pour l'habitat, souvent peu dense : la trajectoire "
        "est atteignable sans bloquer la construction de logements.",
        ("https://artificialisation.developpement-durable.gouv.fr/", "Portail de l'artificialisation des sols", "data"),
    ),
    (
        "elu",
        "1er",
        "against",
        "Appliquer la même règle à une métropole et à un village qui n'a rien construit depuis vingt ans est injuste.",
        None,
    ),
    (
        "association",
        "9",
        "for",
        "Les zones commerciales de périphérie ont consommé des milliers d'hectares de terres agricoles et "
        "vident les centres-villes.",
        (
            "https://www.legifrance.gouv.fr/jorf/id/JORFTEXT000043956924",
            "Loi Climat et résilience du 22 août 2021",
            "law",
        ),
    ),
    (
        "entreprise",
        "9",
        "against",
        "Une interdiction sans exception empêchera de relocaliser des commerces de proximité vers des "
        "terrains mieux desservis.",
        None,
    ),
    (
        "camille",
        "11",
        "for",
        "Les cours d'école bitumées dépassent 50 °C en été ; les cours végétalisées restent vivables.",
        ("https://www.paris.fr/pages/les-cours-oasis-7389", "Les cours Oasis à Paris", "press"),
    ),
    (
        "experte",
        "10",
        "for",
        "Un sol désimperméabilisé infiltre l'eau de pluie : c'est la meilleure protection contre les "
        "inondations par ruissellement.",
        (
            "https://www.cerema.fr/fr/actualites/desimpermeabilisation-sols",
            "Désimperméabiliser les sols (Cerema)",
            "study",
        ),
    ),
    (
        "syndicat",
        "amendment:0",
        "for",
        "Cinq ans, c'est le temps d'un mandat municipal : l'effort doit commencer maintenant.",
        None,
    ),
    (
        "elu",
        "amendment:0",
        "against",
        "Un rythme aussi rapide pénalisera les communes qui ont des projets de logements sociaux déjà engagés.",
        None,
    ),
    (
        "agent",
        "amendment:2",
        "for",
        "Les services de l'État disposent déjà des fichiers fonciers : ajouter l'imperméabilisation est faisable.",
        ("https://datafoncier.cerema.fr/", "Données foncières (Cerema)", "data"),
    ),
]

# Votes on articles: {article number: (agree, mitigated, disagree) pattern over the participants}
ARTICLE_VOTES = {
    "1er": "aaamdaad",
    "2": "aaaaaama",
    "3": "mmdamdma",
    "4": "aamaaaad",
    "5": "amdmamad",
    "6": "aaaaamaa",
    "7": "aadamada",
    "8": "mdaamamd",
    "9": "adaadaad",
    "10": "aaaaaaaa",
    "11": "aaamaaaa",
    "12": "aaamaaaa",
}
CHOICE = {"a": "agree", "m": "mitigated", "d": "disagree"}
PARTICIPANT_KEYS = ["camille", "association", "syndicat", "entreprise", "collectif", "experte", "elu", "agent"]


def _user(key: str):
    return get_user_model().objects.filter(email=f"{key}@{DEMO_DOMAIN}").first()


def load() -> None:
    from terreau.processes.models import Institution, Membership, ParticipationContract, Phase, Process, ProcessModule
    from terreau.processes.services import publish_process

    ministry = (
        Institution.objects.filter(slug="ministere-transition-ecologique").first()
        or Institution.objects.filter(kind="ministry").first()
    )
    admin = _user("ministere")
    if ministry is None or admin is None or Process.objects.filter(slug=PROCESS_SLUG).exists():
        return
    for key, role in (("moderatrice", "moderator"), ("facilitateur", "facilitator"), ("relectrice", "reviewer")):
        user = _user(key)
        if user is not None:
            Membership.objects.get_or_create(institution=ministry, user=user, role=role)
    today = timezone.localdate()
    with transaction.atomic():
        process = Process.objects.create(
            institution=ministry,
            title="Projet de loi relatif à la sobriété foncière",
            slug=PROCESS_SLUG,
            summary="Réduire de moitié l'artificialisation des sols, recycler les friches, renaturer : le projet "
            "de loi est soumis à vos votes, amendements et arguments, article par article.",
            body="Le Gouvernement soumet à la consultation du public son projet de loi relatif à la sobriété "
            "foncière. Chaque article peut être voté, amendé et discuté. Le ministère répondra à chaque "
            "contribution et publiera une nouvelle version du texte indiquant les contributions retenues.",
            created_by=admin,
        )
        for kind, title, start, end in (
            ("information", "Présentation du projet", -30, -22),
            ("contribution", "Consultation article par article", -21, 20),
            ("answer", "Réponses et texte final", 21, 40),
        ):
            Phase.objects.create(
                process=process,
                kind=kind,
                title=title,
                start_date=today + datetime.timedelta(days=start),
                end_date=today + datetime.timedelta(days=end),
            )
        ParticipationContract.objects.create(
            process=process,
            objective="Améliorer le projet de loi avant son dépôt au Parlement.",
            decision_maker="Le Gouvernement arrête le texte déposé au Parlement, qui le vote.",
            open_to_change="La rédaction de chaque article, les seuils, les délais, les outils des collectivités.",
            not_open="L'objectif de zéro artificialisation nette en 2050, fixé par la loi du 22 août 2021.",
            use_of_contributions="Chaque amendement et chaque proposition reçoit une réponse motivée ; la version "
            "finale indique, article par article, les contributions qui l'ont modifiée.",
            answer_due=today + datetime.timedelta(days=40),
        )
        process = publish_process(admin, process)
        attached = ProcessModule.objects.create(process=process, module="consultation", title="Le projet de loi")
        fill(attached)


def fill(attached, **_kwargs) -> None:
    """Text, contributions, votes, answers and a version 2 in a consultation module."""
    from terreau.consultations import services
    from terreau.consultations.models import Section

    process = attached.process
    contribution_phase = process.phases.filter(kind="contribution").first()
    if contribution_phase is not None:
        attached.phase_settings = {
            str(contribution_phase.pk): {
                "visible": True,
                "votes_open": True,
                "amendments_open": True,
                "proposals_open": True,
                "arguments_open": True,
                "sources_open": True,
            }
        }
        attached.save(update_fields=["phase_settings"])
    admin = _user("ministere")
    consultation = services.import_text(
        admin, attached, "Projet de loi relatif à la sobriété foncière et à la renaturation des sols", TEXT
    )
    articles = {s.number: s for s in Section.objects.filter(version__consultation=consultation, kind="article")}
    people = {key: _user(key) for key in PARTICIPANT_KEYS}
    people = {k: u for k, u in people.items() if u is not None}

    amendments = []
    for key, number, body, _title, explanation in AMENDMENTS:
        if key in people:
            amendments.append(
                services.post_contribution(
                    people[key], articles[number], kind="amendment", body=body, explanation=explanation
                )
            )
    proposals = []
    for key, number, title, body in PROPOSALS:
        if key in people:
            proposals.append(
                services.post_contribution(people[key], articles[number], kind="proposal", title=title, body=body)
            )
    for key, target, stance, body, source in ARGUMENTS:
        if key not in people:
            continue
        if target.startswith("amendment:"):
            parent = amendments[int(target.split(":")[1])]
            arg = services.post_contribution(
                people[key], parent.section, kind="argument", stance=stance, body=body, parent=parent
            )
        else:
            arg = services.post_contribution(people[key], articles[target], kind="argument", stance=stance, body=body)
        if source:
            url, title, kind = source
            services.add_source(people[key], arg, url=url, title=title, kind=kind)

    # Votes on articles, then on contributions, by the demo participants.
    keys = list(people)
    for number, pattern in ARTICLE_VOTES.items():
        for key, letter in zip(PARTICIPANT_KEYS, pattern, strict=False):
            if key in people:
                services.cast_vote(people[key], articles[number], CHOICE[letter])
    for i, c in enumerate([*amendments, *proposals]):
        for j, key in enumerate(keys):
            if people[key].pk == c.author_id:
                continue
            letter = "amd"[(i * 3 + j * 5) % 7 % 3] if (i + j) % 4 else "a"
            services.cast_vote(people[key], c, CHOICE[letter])

    # A public meeting: contributions and votes gathered on paper by the facilitator.
    facilitator = _user("facilitateur") or admin
    meeting = "Réunion publique de Clermont-Ferrand, 14 mars"
    services.enter_offline_contribution(
        facilitator,
        articles["7"],
        kind="proposal",
        title="Associer les agriculteurs à l'inventaire",
        body="Les agriculteurs du secteur sont consultés avant toute ouverture à l'urbanisation d'une terre "
        "agricole, et peuvent proposer des terrains de compensation.",
        source=meeting,
        author_kind="citizen",
        author_label="Participant·e à la réunion publique",
        departement="63",
    )
    services.enter_offline_votes(
        facilitator, articles["1er"], counts={"agree": 23, "mitigated": 9, "disagree": 6}, source=meeting
    )
    services.enter_offline_votes(
        facilitator, articles["9"], counts={"agree": 18, "mitigated": 4, "disagree": 11}, source=meeting
    )

    # A duplicate merged by the moderator (amendments 4 and 5 say the same thing on article 6).
    moderator = _user("moderatrice") or admin
    if len(amendments) >= 6:
        services.merge(moderator, amendments[5], amendments[4])

    # Answers from the ministry.
    answers = [
        (
            amendments[0],
            "partly",
            "L'échelle départementale est retenue ; le délai de cinq ans ne l'est pas, pour "
            "laisser aux documents d'urbanisme le temps d'être révisés.",
        ),
        (
            amendments[2],
            "retained",
            "La distinction entre artificialisation et imperméabilisation est retenue, "
            "ainsi que la publication de la méthode.",
        ),
        (
            amendments[4],
            "retained",
            "L'inventaire mentionnera l'intérêt écologique des friches et sera publié en données ouvertes.",
        ),
        (
            amendments[6],
            "not_retained",
            "La surélévation de deux niveaux reste possible au cas par cas ; la "
            "règle générale reste d'un niveau pour préserver les formes urbaines.",
        ),
        (
            proposals[0],
            "out_of_scope",
            "La reconnaissance du sol comme milieu vivant relève d'une révision du "
            "code de l'environnement préparée séparément ; elle sera soumise à consultation.",
        ),
    ]
    for c, verdict, text in answers:
        services.answer(admin, c, verdict=verdict, explanation=text)

    # Version 2: the retained amendments, traced article by article.
    bodies = {
        articles["1er"].pk: "La consommation d'espaces naturels, agricoles et forestiers observée au cours des dix "
        "années précédant la promulgation de la présente loi est réduite de moitié au cours des dix années "
        "suivantes, à l'échelle de chaque région et de chaque département.",
        articles["2"].pk: amendments[2].body,
        articles["6"].pk: amendments[4].body,
    }
    led_by = {
        articles["1er"].pk: [amendments[0].pk],
        articles["2"].pk: [amendments[2].pk],
        articles["6"].pk: [amendments[4].pk],
    }
    services.publish_version(
        admin,
        consultation,
        bodies=bodies,
        led_by=led_by,
        note="Version intégrant les premières contributions retenues : échelle départementale (article 1er), "
        "publication de l'imperméabilisation (article 2), intérêt écologique des friches (article 6). "
        "La consultation se poursuit sur cette version.",
    )
