"""Comments and moderation in Chromium, with JavaScript on (htmx) and off, axe-core on every page."""

import re

import pytest

from terreau.discussions.models import Comment
from terreau.moderation.models import Decision, Report
from tests.browser.test_journeys import log_in
from tests.conftest import make_process, make_user, member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COMMENT = "Il faut une piste cyclable protégée sur le quai."
REPLY = "Et des arceaux pour garer les vélos près de la gare."


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_comment_reply_report_hide_and_log(visitor_factory, institution, javascript):
    process = make_process(institution, slug="plan-velo", title="Plan vélo")
    author = make_user("camille@example.org", name="Camille")
    reporter = make_user("dominique@example.org", name="Dominique")
    moderator = member(institution, "moderator")
    url = f"/demarches/{process.slug}/"

    # A citizen comments, then replies to their own comment.
    v = visitor_factory(javascript=javascript)
    log_in(v, author.email)
    v.goto(url)
    v.page.get_by_role("button", name="Publier le commentaire").click()  # empty: refused, clear message
    v.page.locator(".error-summary").wait_for()
    v.check()
    assert "Écrivez votre commentaire" in v.page.locator(".error-summary").inner_text()
    v.page.get_by_label("Votre commentaire").fill(COMMENT)
    v.page.get_by_role("button", name="Publier le commentaire").click()
    v.page.locator(".comment-body", has_text=COMMENT).wait_for()
    v.check()
    assert Comment.objects.count() == 1
    if javascript:  # htmx swapped the block: no reload, the new comment has the focus
        assert v.page.url.endswith(url)
        assert v.page.evaluate("document.activeElement.id").startswith("commentaire-")
    v.page.get_by_role("link", name="Répondre à Camille").click()
    v.page.get_by_label("Votre réponse").wait_for()
    v.check()
    if not javascript:
        assert "/repondre/" in v.page.url
    v.page.get_by_label("Votre réponse").fill(REPLY)
    v.page.get_by_role("button", name="Publier la réponse").click()
    v.page.locator(".comment-replies .comment-body", has_text=REPLY).wait_for()
    v.check()
    root = Comment.objects.get(depth=0)
    assert Comment.objects.get(depth=1).parent_id == root.pk

    # Another citizen reports the comment.
    r = visitor_factory(javascript=javascript)
    log_in(r, reporter.email)
    r.goto(url)
    r.page.get_by_role("link", name="Signaler le commentaire de Camille").first.click()
    r.check()
    r.page.get_by_label("Insulte ou harcèlement").check()
    r.page.get_by_label("Précisions (facultatif)").fill("Vise une personne nommément.")
    r.page.get_by_role("button", name="Envoyer le signalement").click()
    r.check()
    assert "votre signalement est transmis" in r.page.content()
    assert Report.objects.get().object_id == root.pk

    # The institution's moderator hides it from the queue, with a public reason.
    m = visitor_factory(javascript=javascript)
    log_in(m, moderator.email, with_totp=True)
    m.goto(f"/espace/institutions/{institution.slug}/")
    m.page.get_by_role("link", name="Modération").first.click()
    m.check()
    item = m.page.locator(".mod-item", has_text=COMMENT)
    assert "Insulte ou harcèlement · 1" in item.inner_text()
    item.get_by_label("Motif affiché publiquement").select_option("harassment")
    item.get_by_label("Précision publique (facultatif)").fill("Propos visant une personne.")
    item.get_by_role("button", name=re.compile("^Masquer")).click()
    m.check()
    assert "Contenu masqué" in m.page.content() and "Aucun signalement à traiter" in m.page.content()

    # Everyone now sees the reason instead of the text; the reply stays.
    v.goto(url)
    thread = v.page.locator("#commentaires").inner_text()
    assert "Commentaire masqué par la modération : insulte ou harcèlement" in thread
    assert COMMENT not in v.page.content() and REPLY in thread

    # The public moderation log counts the decision, without names or text.
    p = visitor_factory(javascript=javascript)
    p.goto("/")
    p.page.get_by_role("contentinfo").get_by_role("link", name="Modération").click()
    p.check()
    counts = p.page.locator("section.panel", has_text=institution.name).inner_text()
    assert re.search(r"Insulte ou harcèlement\s+1\s+1", counts)
    content = p.page.content()
    assert COMMENT not in content and "Camille" not in content and moderator.public_name not in content
    assert Decision.objects.get().reason == "harassment"
