"""A world where every user-controlled string is an attack, and helpers to enumerate routes.

See SECURITY.md in the design notes. `world` fills names, titles, bodies, contract fields, comments,
report details and moderation notes with XSS payloads so that each page can be fetched and
checked for live markup.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from terreau.discussions import services as discussions
from terreau.moderation import services as moderation
from terreau.moderation.models import Block, Report
from terreau.pages.models import Page
from terreau.processes.models import (
    Institution,
    InstitutionAnswer,
    ParticipationContract,
    Phase,
    Process,
    ProcessModule,
)
from tests.conftest import make_user, member

SVG = "<svg onload=alert(1)>"
IMG = '"><img src=x onerror=alert(1)>'
JS_URL = "javascript:alert(1)"
PAYLOAD = SVG + IMG
MARKDOWN_PAYLOAD = f"{PAYLOAD}\n\n[clic]({JS_URL}) <a href='{JS_URL}'>a</a> <script>alert(3)</script>"
FORMULAS = ('=HYPERLINK("https://evil.example")', "+1+1", "-1+2", "@SUM(A1)", "\t=1", "\r=1")

# Live markup that must never come out of a user string.
LIVE = re.compile(r"<svg|<img\s+src=x|<script>alert|(?:href|src|action)\s*=\s*[\"']?\s*javascript:", re.IGNORECASE)


def live_markup(html: str) -> list[str]:
    return [m.group(0) for m in LIVE.finditer(html)]


# --- Routes -------------------------------------------------------------------------------------


def all_routes() -> list[tuple[str, str | None, Any]]:
    """(pattern, name, callback) for every URL the site answers, from the resolver."""

    def walk(resolver, prefix: str, namespace: str):
        for p in resolver.url_patterns:
            if isinstance(p, URLResolver):
                ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
                yield from walk(p, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern), (namespace + p.name) if p.name else None, p.callback

    return list(walk(get_resolver(), "", ""))


# --- The world ----------------------------------------------------------------------------------


@dataclass
class World:
    institution: Institution
    other_institution: Institution
    admin: Any
    moderator: Any
    other_admin: Any
    author: Any
    reporter: Any
    organisation: Any
    process: Process
    pending: Process
    draft: Process
    other_process: Process
    other_draft: Process
    page_module: ProcessModule
    comment: Any
    reply: Any
    hidden: Any
    other_comment: Any
    report: Report
    block: Block
    extra: dict[str, Any] = field(default_factory=dict)


def _process(institution, slug: str, *, status: str = "published", title: str = PAYLOAD) -> Process:
    today = timezone.localdate()
    process = Process.objects.create(
        institution=institution,
        title=title,
        slug=slug,
        summary=PAYLOAD,
        body=MARKDOWN_PAYLOAD,
        image_alt=PAYLOAD,
        status=status,
        published_at=None if status == "draft" else timezone.now(),
    )
    Phase.objects.create(
        process=process,
        kind="contribution",
        title=PAYLOAD[:150],
        description=PAYLOAD,
        start_date=today - datetime.timedelta(days=5),
        end_date=today + datetime.timedelta(days=20),
    )
    ParticipationContract.objects.create(
        process=process,
        objective=PAYLOAD,
        decision_maker=PAYLOAD,
        open_to_change=PAYLOAD,
        not_open=PAYLOAD,
        use_of_contributions=PAYLOAD,
        answer_due=today + datetime.timedelta(days=30),
    )
    return process


def build_world() -> World:
    institution = Institution.objects.create(
        name=PAYLOAD, slug="ville-xss", kind="commune", description=MARKDOWN_PAYLOAD, website="https://example.org/"
    )
    other = Institution.objects.create(name="Autre Ville", slug="autre-ville", kind="commune")
    admin = member(institution, "admin", "admin@xss.example.org")
    admin.display_name = SVG + " admin"
    admin.save(update_fields=["display_name"])
    moderator = member(institution, "moderator", "moderator@xss.example.org")
    moderator.display_name = IMG[:60]
    moderator.save(update_fields=["display_name"])
    other_admin = member(other, "admin", "admin@autre.example.org")
    member(other, "moderator", "mod@autre.example.org")
    author = make_user("auteur@example.org", name=PAYLOAD[:80])
    reporter = make_user("rapporteur@example.org", name=IMG[:80])
    organisation = make_user("asso@example.org", name=SVG + " asso", kind="association")

    process = _process(institution, "demarche-xss")
    InstitutionAnswer.objects.create(process=process, body=MARKDOWN_PAYLOAD, published_at=timezone.now())
    pending = _process(institution, "demarche-en-attente")
    draft = _process(institution, "brouillon-xss", status="draft")
    other_process = _process(other, "demarche-autre", title="Autre démarche")
    other_draft = _process(other, "brouillon-autre", status="draft", title="Brouillon autre")

    page_module = ProcessModule.objects.create(process=process, module="page", title=PAYLOAD[:150], position=0)
    Page.objects.create(attached=page_module, body=MARKDOWN_PAYLOAD)

    comment = discussions.post_comment(author, process, MARKDOWN_PAYLOAD)
    reply = discussions.reply(reporter, comment, PAYLOAD)
    hidden = discussions.post_comment(author, process, "Un commentaire qui sera masqué.")
    other_comment = discussions.post_comment(reporter, other_process, "Chez les autres.")
    report = moderation.report(reporter, comment, reason="spam", details=PAYLOAD)
    moderation.report(reporter, hidden, reason="spam", details=PAYLOAD)
    moderation.hide(moderator, hidden, reason="spam", note=PAYLOAD[:200])
    block = moderation.block(moderator, institution, author, reason="spam", note=PAYLOAD)
    return World(
        institution=institution,
        other_institution=other,
        admin=admin,
        moderator=moderator,
        other_admin=other_admin,
        author=author,
        reporter=reporter,
        organisation=organisation,
        process=process,
        pending=pending,
        draft=draft,
        other_process=other_process,
        other_draft=other_draft,
        page_module=page_module,
        comment=comment,
        reply=reply,
        hidden=hidden,
        other_comment=other_comment,
        report=report,
        block=block,
    )


@pytest.fixture
def world(db, settings) -> World:
    settings.TERREAU_REPORT_RATE_LIMIT = (1000, 60)
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast fixtures
    return build_world()
