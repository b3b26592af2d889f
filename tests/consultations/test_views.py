"""The consultation pages as a participant or staff member sees them, JavaScript off (plain forms)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from terreau.consultations import services
from terreau.consultations.models import Answer, Contribution, SectionVote, Source, TextVersion

from .conftest import article, make_consultation

pytestmark = pytest.mark.django_db

XSS = '<script>alert(1)</script><img src=x onerror="alert(2)">'


def url(consultation, suffix: str = "") -> str:
    return f"/consultations/{consultation.attached_id}/{suffix}"


def test_text_page_shows_the_document_with_counters(client, consultation, art1, citizen):
    services.cast_vote(citizen, art1, "agree")
    services.post_contribution(citizen, art1, kind="amendment", body="Extinction toute la nuit.")
    response = client.get(url(consultation))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Projet de décret relatif aux trames noires" in html
    assert "Titre I — Principes" in html and "Chapitre 1er — Objectifs" in html
    assert html.index("Article 1er") < html.index("Article 2") < html.index("Article 3")
    assert "1 d&#x27;accord" in html or "1 d'accord" in html
    assert "1 amendement" in html
    assert f'href="#{art1.anchor}"' in html  # table of contents


def test_process_page_links_to_the_consultation(client, consultation):
    response = client.get(f"/demarches/{consultation.attached.process.slug}/")
    assert url(consultation) in response.content.decode()


def test_draft_consultation_is_hidden(client, institution, other_admin):
    draft = make_consultation(institution, slug="brouillon-v", status="draft")
    art = article(draft, "1er")
    for path in (url(draft), url(draft, f"sections/{art.pk}/"), url(draft, "contributions/")):
        assert client.get(path).status_code == 404
    client.force_login(other_admin)
    assert client.get(url(draft)).status_code == 404


def test_vote_without_javascript(client, consultation, art1, citizen):
    client.force_login(citizen)
    response = client.post(url(consultation, f"sections/{art1.pk}/vote/"), {"choice": "mitigated"}, follow=True)
    html = response.content.decode()
    assert "Votre vote est enregistré" in html
    assert 'aria-pressed="true"' in html
    art1.refresh_from_db()
    assert art1.mitigated_count == 1
    response = client.post(url(consultation, f"sections/{art1.pk}/vote/"), {"choice": "agree"}, follow=True)
    art1.refresh_from_db()
    assert (art1.agree_count, art1.mitigated_count) == (1, 0)


def test_vote_with_htmx_returns_the_fragment(client, consultation, art1, citizen):
    client.force_login(citizen)
    response = client.post(
        url(consultation, f"sections/{art1.pk}/vote/"), {"choice": "agree"}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert 'class="cs-vote"' in html and "1 d" in html


def test_anonymous_vote_goes_to_login_and_writes_nothing(client, consultation, art1):
    response = client.post(url(consultation, f"sections/{art1.pk}/vote/"), {"choice": "agree"})
    assert response.status_code == 302 and "/compte/login/" in response["Location"]
    assert not SectionVote.objects.exists()


def test_get_never_votes(client, consultation, art1, citizen):
    client.force_login(citizen)
    assert client.get(url(consultation, f"sections/{art1.pk}/vote/"), {"choice": "agree"}).status_code == 405
    assert not SectionVote.objects.exists()


def test_bad_vote_shows_a_message(client, consultation, art1, citizen):
    client.force_login(citizen)
    response = client.post(url(consultation, f"sections/{art1.pk}/vote/"), {"choice": "peut-être"}, follow=True)
    assert "Choisissez" in response.content.decode()
    assert not SectionVote.objects.exists()


def test_amendment_flow_shows_similar_then_the_diff(client, consultation, art1, citizen, other_citizen):
    services.post_contribution(
        other_citizen,
        art1,
        kind="amendment",
        body="Les éclairages publics sont éteints entre minuit et six heures du matin dans toutes les communes.",
    )
    client.force_login(citizen)
    form = client.get(url(consultation, f"sections/{art1.pk}/amender/"))
    assert "entre une heure et cinq heures du matin dans les communes" in form.content.decode()
    token = form.context["form"].initial["token"]
    body = "Les éclairages publics sont éteints entre minuit et six heures du matin dans toutes les communes."
    check = client.post(
        url(consultation, f"sections/{art1.pk}/amender/"), {"body": body, "token": token, "action": "check"}
    )
    html = check.content.decode()
    assert check.status_code == 200
    assert "Contributions proches" in html and "toutes les communes" in html
    assert "<ins>" in html and "<del>" in html
    assert Contribution.objects.count() == 1  # nothing published yet
    publish = client.post(
        url(consultation, f"sections/{art1.pk}/amender/"), {"body": body, "token": token, "action": "publish"}
    )
    assert publish.status_code == 302
    again = client.post(
        url(consultation, f"sections/{art1.pk}/amender/"), {"body": body, "token": token, "action": "publish"}
    )
    assert again.status_code == 302 and again["Location"] == publish["Location"]  # double submit: same one
    page = client.get(publish["Location"]).content.decode()
    assert "<del>une heure</del>" in page or "<del>" in page
    assert "<ins>" in page
    assert Contribution.objects.filter(author=citizen).count() == 1


def test_huge_amendment_is_refused_with_a_message(client, consultation, art1, citizen):
    client.force_login(citizen)
    response = client.post(
        url(consultation, f"sections/{art1.pk}/amender/"), {"body": "x" * 50_000, "action": "publish"}
    )
    assert response.status_code == 400
    assert "10\u202f000 caractères au plus" in response.content.decode()
    assert not Contribution.objects.exists()


def test_empty_proposal_is_refused(client, consultation, art1, citizen):
    client.force_login(citizen)
    response = client.post(url(consultation, f"sections/{art1.pk}/proposer/"), {"body": "", "action": "publish"})
    assert response.status_code == 400 and "obligatoire" in response.content.decode()
    assert not Contribution.objects.exists()


def test_contribution_form_when_closed_says_why(client, consultation, art1, citizen):
    from .conftest import open_module

    open_module(consultation.attached, amendments_open=False)
    client.force_login(citizen)
    response = client.get(url(consultation, f"sections/{art1.pk}/amender/"))
    assert "amendements sont fermés" in response.content.decode()
    response = client.post(url(consultation, f"sections/{art1.pk}/amender/"), {"body": "Autre.", "action": "publish"})
    assert response.status_code == 400 and not Contribution.objects.exists()


def test_html_is_escaped_everywhere(client, consultation, art1, citizen):
    amendment = services.post_contribution(citizen, art1, kind="amendment", body=XSS, explanation=XSS)
    proposal = services.post_contribution(citizen, art1, kind="proposal", title=XSS, body=XSS)
    arg = services.post_contribution(citizen, art1, kind="argument", stance="for", body=XSS)
    services.add_source(citizen, arg, url="https://example.org/?q=<script>", title=XSS, kind="press")
    for path in (
        url(consultation),
        url(consultation, f"sections/{art1.pk}/"),
        url(consultation, f"c/{amendment.pk}/"),
        url(consultation, f"c/{proposal.pk}/"),
        url(consultation, f"c/{arg.pk}/"),
        url(consultation, "contributions/"),
        url(consultation, "contributions/?sort=random"),
    ):
        html = client.get(path).content.decode()
        assert "<script>alert(1)" not in html, path
        assert 'onerror="alert(2)"' not in html, path


def test_argument_with_a_source_without_javascript(client, consultation, art1, association):
    client.force_login(association)
    response = client.post(
        url(consultation, f"sections/{art1.pk}/argument/"),
        {
            "stance": "for",
            "body": "Les chauves-souris évitent les zones éclairées.",
            "source_url": "https://www.ofb.gouv.fr/pollution-lumineuse",
            "source_title": "Pollution lumineuse (OFB)",
            "source_kind": "study",
        },
        follow=True,
    )
    html = response.content.decode()
    assert "Votre argument est publié" in html
    assert "Pollution lumineuse (OFB)" in html and "Association" in html
    assert Source.objects.get().contribution.stance == "for"


def test_argument_with_an_internal_source_writes_nothing(client, consultation, art1, association):
    client.force_login(association)
    response = client.post(
        url(consultation, f"sections/{art1.pk}/argument/"),
        {
            "stance": "for",
            "body": "Voir l'étude.",
            "source_url": "http://169.254.169.254/",
            "source_title": "x",
            "source_kind": "study",
        },
    )
    assert response.status_code == 400
    assert "réseau interne" in response.content.decode()
    assert not Contribution.objects.exists() and not Source.objects.exists()


def test_contribution_of_another_consultation_is_404(client, institution, consultation, citizen):
    other = make_consultation(institution, slug="autre-page")
    foreign = services.post_contribution(citizen, article(other, "1er"), kind="amendment", body="Ailleurs.")
    assert client.get(url(consultation, f"c/{foreign.pk}/")).status_code == 404
    client.force_login(citizen)
    response = client.post(url(consultation, f"c/{foreign.pk}/vote/"), {"choice": "agree"})
    assert response.status_code == 404
    assert client.get(url(consultation, f"sections/{article(other, '1er').pk}/")).status_code == 404


def test_hidden_contribution_shows_no_text(client, consultation, art1, citizen):
    c = services.post_contribution(citizen, art1, kind="amendment", body="Texte à masquer absolument.")
    Contribution.objects.filter(pk=c.pk).update(status="hidden", hidden_at=timezone.now(), hidden_reason="spam")
    html = client.get(url(consultation, f"c/{c.pk}/")).content.decode()
    assert "masquée" in html and "Texte à masquer" not in html
    assert "Texte à masquer" not in client.get(url(consultation, "contributions/")).content.decode()
    assert "Texte à masquer" not in client.get(url(consultation, f"sections/{art1.pk}/")).content.decode()


@pytest.mark.parametrize(
    "query",
    ["?sort=user__password", "?page=abc", "?page=99999999", "?kind=<svg>", "?section=1;DROP", "?departement=../../"],
)
def test_list_ignores_bad_parameters(client, consultation, art1, citizen, query):
    services.post_contribution(citizen, art1, kind="amendment", body="Une contribution.")
    response = client.get(url(consultation, "contributions/") + query)
    assert response.status_code == 200
    assert "Une contribution." in response.content.decode()


def test_list_filters_and_sorts(client, consultation, art1, citizen, association, voters):
    art2 = article(consultation, "2")
    a = services.post_contribution(citizen, art1, kind="amendment", body="Amendement citoyen.")
    b = services.post_contribution(association, art2, kind="proposal", title="Proposition associative", body="Texte.")
    c = services.post_contribution(association, art1, kind="amendment", body="Amendement disputé.")
    for v in voters[:3]:
        services.cast_vote(v, a, "agree")
    services.cast_vote(voters[0], c, "agree")
    services.cast_vote(voters[1], c, "disagree")

    def listed(query):
        page = client.get(url(consultation, "contributions/") + query).context["page"]
        return [x.pk for x in page.items]

    assert listed("?sort=supported") == [a.pk, c.pk, b.pk]
    assert listed("?sort=contested")[0] == c.pk
    assert listed("?sort=newest") == [c.pk, b.pk, a.pk]
    assert listed("?author_kind=association") == [c.pk, b.pk]
    assert listed("?kind=proposal") == [b.pk]
    assert listed(f"?section={art2.pk}") == [b.pk]
    assert sorted(listed("?sort=random")) == sorted([a.pk, b.pk, c.pk])
    assert listed("?sort=random") == listed("?sort=random")  # stable for this visitor


def test_staff_answers_and_the_answer_is_listed(client, consultation, art1, citizen, inst_admin):
    c = services.post_contribution(citizen, art1, kind="amendment", body="Une idée.")
    client.force_login(citizen)
    assert (
        client.post(url(consultation, f"c/{c.pk}/reponse/"), {"verdict": "retained", "explanation": "x"}).status_code
        == 404
    )
    client.force_login(inst_admin)
    page = client.get(url(consultation, f"c/{c.pk}/")).content.decode()
    assert "Répondre au nom de l" in page
    bad = client.post(url(consultation, f"c/{c.pk}/reponse/"), {"verdict": "", "explanation": "Sans décision."})
    assert bad.status_code == 400 and not Answer.objects.exists()
    ok = client.post(
        url(consultation, f"c/{c.pk}/reponse/"), {"verdict": "partly", "explanation": "Retenue en partie."}, follow=True
    )
    assert "Partiellement retenue" in ok.content.decode()
    answers = client.get(url(consultation, "reponses/")).content.decode()
    assert "Retenue en partie." in answers


def test_moderator_merges_duplicates(client, consultation, art1, citizen, other_citizen, moderator):
    a = services.post_contribution(citizen, art1, kind="amendment", body="Éteindre à minuit.")
    b = services.post_contribution(other_citizen, art1, kind="amendment", body="Éteindre dès minuit.")
    client.force_login(citizen)
    assert client.post(url(consultation, f"c/{b.pk}/fusion/"), {"target": a.pk}).status_code == 404
    client.force_login(moderator)
    assert client.post(url(consultation, f"c/{b.pk}/fusion/"), {"target": 999999}).status_code == 400
    response = client.post(url(consultation, f"c/{b.pk}/fusion/"), {"target": a.pk}, follow=True)
    html = response.content.decode()
    assert "Co-auteurs" in html and other_citizen.display_name in html
    assert Contribution.objects.get(pk=b.pk).merged_into_id == a.pk


def test_new_version_page_publishes_and_traces(client, consultation, art1, citizen, inst_admin):
    c = services.post_contribution(citizen, art1, kind="amendment", body="Extinction de minuit à six heures.")
    client.force_login(citizen)
    assert (
        client.get(
            url(consultation).replace("/consultations/", "/espace/consultations/") + "nouvelle-version/"
        ).status_code
        == 404
    )
    client.force_login(inst_admin)
    path = f"/espace/consultations/{consultation.attached_id}/nouvelle-version/"
    form = client.get(path)
    assert form.status_code == 200 and f'value="{c.pk}"' in form.content.decode()
    empty = client.post(path, {"note": "Rien"})
    assert empty.status_code == 400 and TextVersion.objects.filter(consultation=consultation).count() == 1
    response = client.post(
        path, {f"body_{art1.pk}": c.body, f"led_{art1.pk}": [str(c.pk)], "note": "Version 2 : extinction de minuit."}
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Version 2 du texte" in page and "<ins>" in page
    assert f"Amendement n° {c.pk}" in page
    text = client.get(url(consultation)).content.decode()
    assert "Extinction de minuit à six heures." in text and "v1" in text


def test_offline_entry_page(client, consultation, art1, facilitator, citizen):
    path = f"/espace/consultations/{consultation.attached_id}/hors-ligne/"
    client.force_login(citizen)
    assert client.get(path).status_code == 404
    client.force_login(facilitator)
    assert client.get(path).status_code == 200
    response = client.post(
        path,
        {
            "action": "contribution",
            "section": art1.pk,
            "kind": "proposal",
            "title": "Proposition de la réunion",
            "body": "Une extinction totale en été.",
            "author_kind": "citizen",
            "source": "Réunion publique de Dijon",
        },
        follow=True,
    )
    html = response.content.decode()
    assert "hors ligne" in html and "Réunion publique de Dijon" in html
    response = client.post(
        path, {"action": "votes", "section": art1.pk, "agree": 7, "disagree": 2, "source": "Réunion"}
    )
    assert response.status_code == 302
    art1.refresh_from_db()
    assert (art1.agree_count, art1.disagree_count) == (7, 2)
    bad = client.post(path, {"action": "votes", "section": art1.pk, "agree": -3, "source": "Réunion"})
    assert bad.status_code == 400


def test_edit_page_imports_markdown_and_configures_sections(client, institution, inst_admin):
    from terreau.processes.models import ProcessModule
    from tests.conftest import make_process

    attached = ProcessModule.objects.create(
        process=make_process(institution, slug="nouveau-t"), module="consultation", title="Texte"
    )
    client.force_login(inst_admin)
    path = f"/espace/consultations/{attached.pk}/"
    assert client.get(path).status_code == 200
    bad = client.post(path, {"action": "import", "text_title": "T", "markdown": "Pas d'article ici."})
    assert bad.status_code == 400 and not TextVersion.objects.exists()
    ok = client.post(
        path,
        {
            "action": "import",
            "text_title": "Arrêté",
            "markdown": "## Article 1\n\nTexte un.\n\n## Article 2\n\nTexte deux.",
        },
    )
    assert ok.status_code == 302
    consultation = attached.consultation
    art = article(consultation, "1")
    response = client.post(path, {"action": "settings", f"allow_votes_{art.pk}": "on"})
    assert response.status_code == 302
    art.refresh_from_db()
    assert art.allow_votes and not art.allow_amendments


def test_edit_page_is_404_for_participants_and_other_institutions(client, consultation, citizen, other_admin):
    for user in (citizen, other_admin):
        client.force_login(user)
        assert client.get(f"/espace/consultations/{consultation.attached_id}/").status_code == 404


def test_member_of_the_institution_sees_a_draft(client, institution, inst_admin):
    draft = make_consultation(institution, slug="brouillon-m", status="draft")
    client.force_login(inst_admin)
    assert client.get(url(draft)).status_code == 200


def test_user_without_verified_email_is_told(client, consultation, art1, django_user_model):
    user = django_user_model.objects.create_user(email="nv@example.org", password="x" * 20, display_name="NV")
    client.force_login(user)
    html = client.get(url(consultation, f"sections/{art1.pk}/")).content.decode()
    assert "Confirmez votre adresse e-mail" in html
