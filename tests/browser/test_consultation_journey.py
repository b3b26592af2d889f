"""A consultation on a draft text in Chromium, JavaScript on (htmx) and off, axe-core on every page."""

import re

import pytest

from terreau.consultations.models import Answer, Contribution, SectionVote, Source, TextVersion
from tests.browser.test_journeys import log_in
from tests.conftest import make_user, member
from tests.consultations.conftest import article, make_consultation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Pages that compute similar contributions or diffs can be slow on a loaded CI machine.
TIMEOUT_MS = 30_000

NEW_WORDING = (
    "Les éclairages publics sont éteints entre minuit et six heures du matin dans les communes de moins de "
    "10 000 habitants."
)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_consultation_journey(visitor_factory, institution, javascript):
    consultation = make_consultation(institution)
    art1 = article(consultation, "1er")
    base = f"/consultations/{consultation.attached_id}/"
    citizen = make_user("camille@example.org", name="Camille")
    association = make_user("asso@example.org", name="Nuits Noires", kind="association")
    admin = member(institution, "admin", email="ministere@example.org")

    # A citizen reads the text, opens article 1, votes (then changes their mind) and amends it.
    v = visitor_factory(javascript=javascript)
    v.page.set_default_timeout(TIMEOUT_MS)
    log_in(v, citizen.email)
    v.goto(base)
    assert v.page.get_by_role("heading", name="Article 1er").is_visible()
    v.page.get_by_role("link", name=re.compile("Voter, amender, argumenter.*Article 1er")).click()
    v.check()
    v.page.get_by_role("button", name="Pas d'accord").click()
    v.page.locator(".cs-choice-disagree.is-mine").wait_for()
    v.page.get_by_role("button", name="D'accord", exact=True).click()
    v.page.locator(".cs-choice-agree.is-mine").wait_for()
    v.check()
    assert SectionVote.objects.get(user=citizen).choice == "agree"
    art1.refresh_from_db()
    assert (art1.agree_count, art1.disagree_count) == (1, 0)
    if javascript:  # htmx swapped the vote block in place
        assert v.page.url.endswith(f"/sections/{art1.pk}/")
    v.page.get_by_role("link", name="Proposer une nouvelle rédaction").click()
    v.check()
    v.page.get_by_label("Nouvelle rédaction de l'article").fill("")
    v.page.get_by_role("button", name="Continuer").click()  # empty: refused, clear message
    v.page.locator(".error-summary, .field-error").first.wait_for()
    v.check()
    assert "obligatoire" in v.page.content()
    v.page.get_by_label("Nouvelle rédaction de l'article").fill(NEW_WORDING)
    v.page.get_by_label("Exposé des motifs").fill("Minuit est plus lisible pour les habitants.")
    v.page.get_by_role("button", name="Continuer").click()
    v.page.get_by_role("heading", name="Avant de publier").wait_for()
    v.check()
    assert v.page.locator(".cs-diff ins", has_text="minuit").count() >= 1
    v.page.get_by_role("button", name="Publier").click()
    v.page.get_by_role("heading", name="Rédaction proposée, comparée au texte").wait_for()
    v.check()
    assert v.page.locator(".cs-diff del", has_text="une heure").count() == 1
    amendment = Contribution.objects.get(kind="amendment")
    assert amendment.author == citizen

    # An association posts an argument against the amendment, citing a source.
    a = visitor_factory(javascript=javascript)
    a.page.set_default_timeout(TIMEOUT_MS)
    log_in(a, association.email)
    a.goto(f"{base}c/{amendment.pk}/")
    a.page.get_by_label("Contre").check()
    a.page.get_by_role("textbox", name="Argument").fill(
        "Les chiroptères chassent surtout avant minuit : il faut éteindre plus tôt."
    )
    a.page.locator("summary", has_text="Citer une source").click()
    # First with an address on an internal network: refused, the source fields stay open with
    # the message beside the address and everything typed kept.
    a.page.get_by_label("Source : adresse (facultatif)").fill("http://localhost/pollution-lumineuse")
    a.page.get_by_label("Source : titre").fill("La pollution lumineuse (OFB)")
    a.page.get_by_label("Source : type").select_option("study")
    a.page.get_by_role("button", name="Publier l'argument").click()
    a.page.locator("details.cs-source-fields[open] .field-error", has_text="réseau interne").wait_for()
    a.check()
    assert "chiroptères" in a.page.get_by_role("textbox", name="Argument").input_value()
    assert not Contribution.objects.filter(kind="argument").exists()
    a.page.get_by_label("Source : adresse (facultatif)").fill("https://www.ofb.gouv.fr/pollution-lumineuse")
    a.page.get_by_role("button", name="Publier l'argument").click()
    a.page.get_by_role("link", name="La pollution lumineuse (OFB)").wait_for()
    a.check()
    argument = Contribution.objects.get(kind="argument")
    assert argument.stance == "against" and argument.parent_id == amendment.pk
    assert Source.objects.get().contribution_id == argument.pk
    assert "Association" in a.page.locator(".cs-stance-against").inner_text()

    # Staff answer the amendment and publish version 2, tracing the change to it.
    s = visitor_factory(javascript=javascript)
    s.page.set_default_timeout(TIMEOUT_MS)
    log_in(s, admin.email, with_totp=True)
    s.goto(f"{base}c/{amendment.pk}/")
    s.page.get_by_label("Partiellement retenue").check()
    s.page.get_by_label("Explication").fill("Retenu pour les communes de moins de 10 000 habitants.")
    s.page.get_by_role("button", name="Publier la réponse").click()
    s.page.locator("#reponse").wait_for()
    s.check()
    assert Answer.objects.get().verdict == "partly"
    s.goto(f"{base}reponses/")
    assert "Retenu pour les communes" in s.page.content()
    s.page.get_by_role("link", name="Nouvelle version").click()
    s.check()
    s.page.locator(f"#body_{art1.pk}").fill(NEW_WORDING)
    s.page.get_by_label(re.compile(f"Amendement n° {amendment.pk}")).check()
    s.page.get_by_label("Ce qui a changé, en quelques mots").fill("Extinction à partir de minuit.")
    s.page.once("dialog", lambda dialog: dialog.accept())
    s.page.get_by_role("button", name="Publier la nouvelle version").click()
    s.page.get_by_role("heading", name=re.compile("Version 2 du texte")).wait_for()
    s.check()
    assert TextVersion.objects.filter(consultation=consultation).count() == 2
    change = s.page.locator(".cs-change", has_text="Article 1er")
    assert change.locator("ins", has_text="minuit").count() >= 1
    assert change.get_by_role("link", name=re.compile(f"Amendement n° {amendment.pk}")).is_visible()

    # The citizen sees that their amendment led to the new wording.
    v.goto(f"{base}c/{amendment.pk}/")
    assert "A conduit à la nouvelle rédaction" in v.page.content()
    assert "Partiellement retenue" in v.page.content()


def test_contribution_list_on_a_phone(visitor_factory, institution):
    consultation = make_consultation(institution)
    art1 = article(consultation, "1er")
    author = make_user("camille@example.org", name="Camille")
    from terreau.consultations import services

    for i in range(3):
        services.post_contribution(author, art1, kind="proposal", title=f"Proposition {i}", body="Texte.")
    v = visitor_factory(width=375)
    v.goto(f"/consultations/{consultation.attached_id}/contributions/")
    v.page.get_by_label("Trier", exact=True).select_option("newest")
    v.page.get_by_role("button", name="Afficher").click()
    v.check()
    titles = v.page.locator(".cs-item-title").all_inner_texts()
    assert titles == ["Proposition 2", "Proposition 1", "Proposition 0"]
    width = v.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, width
