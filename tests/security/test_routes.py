"""SECURITY.md #8 on every route: state changes need POST and a CSRF token; nothing is CSRF-exempt
except the read-only API. The inventory below must list every route of the resolver, so that a
new route cannot be added without saying whether it changes state."""

from __future__ import annotations

import datetime
import inspect

import pytest
from django.apps import apps
from django.conf import settings
from django.test import Client
from django.utils import timezone

from .conftest import all_routes

pytestmark = pytest.mark.django_db

APP_LABELS = {
    "accounts", "account", "mfa", "processes", "pages", "discussions", "moderation", "audit",
    "consultations", "petitions", "synthesis",
}  # fmt: skip


def snapshot() -> dict[str, list]:
    """Every row of every model that an action could write (sessions left out)."""
    result = {}
    for model in apps.get_models():
        if model._meta.app_label in APP_LABELS:
            fields = [f.attname for f in model._meta.concrete_fields if f.attname != "last_login"]
            result[model._meta.label] = list(model.objects.order_by("pk").values_list(*fields))
    return result


def _today(days: int = 0) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


def _contract(w):
    return {
        "objective": "O",
        "decision_maker": "D",
        "open_to_change": "C",
        "not_open": "N",
        "use_of_contributions": "U",
        "answer_due": _today(40),
    }


def _cs(w):
    """A consultation on the world's process, every action open (created once, lazily)."""
    if "cs" not in w.extra:
        from terreau.consultations import services as cs
        from terreau.processes.models import ProcessModule

        attached = ProcessModule.objects.create(process=w.process, module="consultation", title="Texte")
        opened = ("votes_open", "amendments_open", "proposals_open", "arguments_open", "sources_open")
        attached.phase_settings = {str(p.pk): dict.fromkeys(opened, True) for p in w.process.phases.all()}
        attached.save()
        consultation = cs.import_text(w.admin, attached, "Texte", "## Article 1\n\nUn texte.\n\n## Article 2\n\nDeux.")
        art = consultation.sections.get(number="1")
        c = cs.post_contribution(w.organisation, art, kind="amendment", body="Un autre texte.")
        dup = cs.post_contribution(w.reporter, art, kind="amendment", body="Un autre texte encore.")
        w.extra["cs"] = {"pk": attached.pk, "art": art, "c": c, "dup": dup}
    return w.extra["cs"]


def _cs_url(suffix):
    return lambda w: (
        f"/consultations/{_cs(w)['pk']}/" + suffix.format(art=_cs(w)["art"].pk, c=_cs(w)["c"].pk, dup=_cs(w)["dup"].pk)
    )


def _petition(w, status: str = "open"):
    """A petition of the world's institution, created on first use (moderated, if open)."""
    from terreau.petitions import services as petitions

    key = f"_petition_{status}"
    if not hasattr(w, key):
        petition = petitions.draft_petition(
            w.author, title=f"Pétition {status}", demand="Demande", institution=w.institution
        )
        if status == "open":
            petitions.publish_petition(w.admin, petition)
            petition.refresh_from_db()
        setattr(w, key, petition)
    return getattr(w, key)


def _petition_type(w):
    """A petition type of the world's institution (created on first use)."""
    from terreau.petitions.models import PetitionType

    kind, _created = PetitionType.objects.get_or_create(
        institution=w.institution,
        name="Seuils",
        defaults={"answer_threshold": 5, "answer_days": 10, "escalation_threshold": 8},
    )
    return kind


def _petition_signed(w):
    from terreau.petitions import services as petitions

    petition = _petition(w)
    petitions.sign_as_user(w.reporter, petition)
    return f"/petitions/{petition.slug}/retirer/"


def _signature_token(w, field: str) -> str:
    from terreau.petitions import services as petitions
    from terreau.petitions.models import Signature

    petition = _petition(w)
    token, digest = petitions.new_token()
    Signature.objects.create(
        petition=petition,
        name="N",
        email=f"{field}@example.org",
        email_normalized=f"{field}@example.org",
        email_domain="example.org",
        abroad=True,
        confirm_expires_at=timezone.now() + datetime.timedelta(hours=1),
        **{field: digest},
    )
    return token


def _synthesis(w):
    """A computed draft synthesis of the world's process comments: themes A (2 members) and B (1)."""
    if "synthesis" not in w.extra:
        from django.contrib.contenttypes.models import ContentType

        from terreau.synthesis.models import Member, Synthesis, Theme

        synthesis = Synthesis.objects.create(
            source="discussions.process_comments",
            content_type=ContentType.objects.get_for_model(w.process),
            object_id=w.process.pk,
            computed_at=timezone.now(),
        )
        a = Theme.objects.create(synthesis=synthesis, key="T1", label="A")
        b = Theme.objects.create(synthesis=synthesis, key="T2", label="B")
        for i, (comment, theme) in enumerate(((w.comment, a), (w.reply, a), (w.hidden, b))):
            Member.objects.create(
                synthesis=synthesis, contribution_id=str(comment.pk), theme=theme, author_key=f"a:{i}", position=i
            )
        w.extra.update(synthesis=synthesis, theme_a=a, theme_b=b)
    return w.extra["synthesis"]


def _theme_url(w, action: str) -> str:
    synthesis = _synthesis(w)
    return f"/espace/syntheses/{synthesis.pk}/themes/{w.extra['theme_a'].pk}/{action}/"


# name -> (who, url, data). Who: attribute of the world, or "platform" for the platform admin.
POST_ACTIONS = {
    "accounts:profile": (
        "reporter",
        lambda w: "/compte/profil/",
        lambda w: {"display_name": "Nouveau", "kind": "citizen"},
    ),
    "accounts:delete": ("reporter", lambda w: "/compte/supprimer/", lambda w: {"confirm": "on"}),
    "accounts:organisation_verify": (
        "platform",
        lambda w: f"/compte/organisations/{w.organisation.pk}/verifier/",
        lambda w: {"action": "verify"},
    ),
    "backoffice:institution_create": (
        "platform",
        lambda w: "/espace/institutions/nouvelle/",
        lambda w: {"name": "Nouvelle", "kind": "commune"},
    ),
    "backoffice:member_add": (
        "admin",
        lambda w: f"/espace/institutions/{w.institution.slug}/membres/",
        lambda w: {"email": w.reporter.email, "role": "facilitator"},
    ),
    "backoffice:member_remove": (
        "admin",
        lambda w: f"/espace/membres/{w.moderator.memberships.get().pk}/retirer/",
        lambda w: {},
    ),
    "backoffice:process_create": (
        "admin",
        lambda w: f"/espace/institutions/{w.institution.slug}/demarches/nouvelle/",
        lambda w: {"title": "Nouvelle", "summary": "S", "scope_level": "national"},
    ),
    "backoffice:process_edit": (
        "admin",
        lambda w: f"/espace/demarches/{w.pending.slug}/modifier/",
        lambda w: {"title": "Changé", "summary": "S", "scope_level": "national"},
    ),
    "backoffice:contract": ("admin", lambda w: f"/espace/demarches/{w.pending.slug}/engagements/", _contract),
    "backoffice:phases": (
        "admin",
        lambda w: f"/espace/demarches/{w.pending.slug}/etapes/",
        lambda w: {"kind": "information", "title": "T", "start_date": _today(), "end_date": _today(3)},
    ),
    "backoffice:phase_edit": (
        "admin",
        lambda w: f"/espace/demarches/{w.pending.slug}/etapes/{w.pending.phases.get().pk}/",
        lambda w: {"kind": "information", "title": "T", "start_date": _today(), "end_date": _today(3)},
    ),
    "backoffice:phase_delete": (
        "admin",
        lambda w: f"/espace/demarches/{w.pending.slug}/etapes/{w.pending.phases.get().pk}/supprimer/",
        lambda w: {},
    ),
    "backoffice:modules": (
        "admin",
        lambda w: f"/espace/demarches/{w.pending.slug}/modules/",
        lambda w: {"module": "page", "title": "Infos"},
    ),
    "backoffice:module_settings": (
        "admin",
        lambda w: f"/espace/demarches/{w.process.slug}/modules/{w.page_module.pk}/reglages/",
        lambda w: {f"p{p.pk}-visible": "on" for p in w.process.phases.all()} | {"x": "1"},
    ),
    "backoffice:module_remove": (
        "admin",
        lambda w: f"/espace/demarches/{w.process.slug}/modules/{w.page_module.pk}/retirer/",
        lambda w: {},
    ),
    "backoffice:publish": ("admin", lambda w: f"/espace/demarches/{w.draft.slug}/publier/", lambda w: {}),
    "backoffice:archive": ("admin", lambda w: f"/espace/demarches/{w.pending.slug}/archiver/", lambda w: {}),
    "backoffice:delete": ("admin", lambda w: f"/espace/demarches/{w.draft.slug}/supprimer/", lambda w: {}),
    "backoffice:answer": ("admin", lambda w: f"/espace/demarches/{w.pending.slug}/reponse/", lambda w: {"body": "R"}),
    "pages:edit": ("admin", lambda w: f"/espace/modules/{w.page_module.pk}/", lambda w: {"body": "Nouveau"}),
    "discussions:post": (
        "reporter",
        lambda w: f"/discussions/processes/process/{w.process.pk}/commenter/",
        lambda w: {"body": "Un nouveau commentaire."},
    ),
    "discussions:reply": (
        "reporter",
        lambda w: f"/discussions/commentaire/{w.comment.pk}/repondre/",
        lambda w: {"body": "Une réponse."},
    ),
    "discussions:edit": (
        "reporter",
        lambda w: f"/discussions/commentaire/{w.reply.pk}/modifier/",
        lambda w: {"body": "Modifié."},
    ),
    "moderation:report": (
        "organisation",
        lambda w: f"/moderation/signaler/discussions/comment/{w.comment.pk}/",
        lambda w: {"reason": "spam"},
    ),
    "moderation:hide": (
        "moderator",
        lambda w: f"/moderation/{w.institution.slug}/element/discussions/comment/{w.comment.pk}/masquer/",
        lambda w: {"reason": "spam"},
    ),
    "moderation:restore": (
        "moderator",
        lambda w: f"/moderation/{w.institution.slug}/element/discussions/comment/{w.hidden.pk}/retablir/",
        lambda w: {},
    ),
    "moderation:dismiss": (
        "moderator",
        lambda w: f"/moderation/{w.institution.slug}/element/discussions/comment/{w.comment.pk}/rejeter/",
        lambda w: {},
    ),
    "moderation:block": (
        "moderator",
        lambda w: f"/moderation/{w.institution.slug}/element/discussions/comment/{w.reply.pk}/bloquer/",
        lambda w: {"reason": "spam"},
    ),
    "moderation:unblock": (
        "moderator",
        lambda w: f"/moderation/{w.institution.slug}/blocages/{w.block.pk}/lever/",
        lambda w: {},
    ),
    "consultations:vote_section": ("reporter", _cs_url("sections/{art}/vote/"), lambda w: {"choice": "agree"}),
    "consultations:vote_contribution": ("reporter", _cs_url("c/{c}/vote/"), lambda w: {"choice": "agree"}),
    "consultations:amend": (
        "reporter",
        _cs_url("sections/{art}/amender/"),
        lambda w: {"body": "Nouvelle rédaction.", "action": "publish"},
    ),
    "consultations:propose": (
        "reporter",
        _cs_url("sections/{art}/proposer/"),
        lambda w: {"title": "T", "body": "Proposition.", "action": "publish"},
    ),
    "consultations:argue": (
        "reporter",
        _cs_url("sections/{art}/argument/"),
        lambda w: {"stance": "for", "body": "Pour."},
    ),
    "consultations:argue_on": ("reporter", _cs_url("c/{c}/argument/"), lambda w: {"stance": "against", "body": "Non."}),
    "consultations:add_source": (
        "organisation",
        _cs_url("c/{c}/source/"),
        lambda w: {"url": "https://example.org/etude", "title": "Étude", "kind": "study"},
    ),
    "consultations:answer": (
        "admin",
        _cs_url("c/{c}/reponse/"),
        lambda w: {"verdict": "retained", "explanation": "Oui."},
    ),
    "consultations:merge": ("moderator", _cs_url("c/{dup}/fusion/"), lambda w: {"target": _cs(w)["c"].pk}),
    "consultations:edit": (
        "admin",
        lambda w: f"/espace/consultations/{_cs(w)['pk']}/",
        lambda w: {"action": "settings"},
    ),
    "consultations:new_version": (
        "admin",
        lambda w: f"/espace/consultations/{_cs(w)['pk']}/nouvelle-version/",
        lambda w: {f"body_{_cs(w)['art'].pk}": "Changé.", "note": "v2"},
    ),
    "consultations:offline": (
        "admin",
        lambda w: f"/espace/consultations/{_cs(w)['pk']}/hors-ligne/",
        lambda w: {"action": "votes", "section": _cs(w)["art"].pk, "agree": 3, "source": "Réunion"},
    ),
    "petitions:new": (
        "reporter",
        lambda w: "/petitions/nouvelle/",
        lambda w: {"title": "T", "demand": "D", "institution": w.institution.pk, "scope_level": "national"},
    ),
    "petitions:sign": (
        None,
        lambda w: f"/petitions/{_petition(w).slug}/signer/",
        lambda w: {"name": "N", "email": "n@example.org", "abroad": "on"},
    ),
    "petitions:withdraw": ("reporter", _petition_signed, lambda w: {}),
    "petitions:update": ("author", lambda w: f"/petitions/{_petition(w).slug}/nouvelles/", lambda w: {"body": "B"}),
    "petitions:manage": (
        "moderator",
        lambda w: f"/petitions/{_petition(w, 'pending').slug}/gestion/",
        lambda w: {"action": "publish"},
    ),
    "petitions:confirm": (
        None,
        lambda w: f"/petitions/confirmer/{_signature_token(w, 'confirm_token_hash')}/",
        lambda w: {},
    ),
    "petitions:withdraw_token": (
        None,
        lambda w: f"/petitions/retirer/{_signature_token(w, 'withdraw_token_hash')}/",
        lambda w: {},
    ),
    "petitions_backoffice:type_create": (
        "admin",
        lambda w: f"/espace/institutions/{w.institution.slug}/petitions/types/nouveau/",
        lambda w: {"name": "Type", "answer_threshold": 10, "answer_days": 30, "escalation_threshold": 20},
    ),
    "petitions_backoffice:type_edit": (
        "admin",
        lambda w: f"/espace/institutions/{w.institution.slug}/petitions/types/{_petition_type(w).pk}/",
        lambda w: {"name": "Type", "answer_threshold": 10, "answer_days": 30, "escalation_threshold": 20},
    ),
    "synthesis:start": (
        "admin",
        lambda w: "/espace/syntheses/lancer/",
        lambda w: {"source": "discussions.process_comments", "object_id": w.process.pk},
    ),
    "synthesis:rerun": ("admin", lambda w: f"/espace/syntheses/{_synthesis(w).pk}/relancer/", lambda w: {}),
    "synthesis:publish": ("admin", lambda w: f"/espace/syntheses/{_synthesis(w).pk}/publier/", lambda w: {}),
    "synthesis:move": (
        "admin",
        lambda w: f"/espace/syntheses/{_synthesis(w).pk}/deplacer/",
        lambda w: {"contribution": str(w.comment.pk), "theme": w.extra["theme_b"].pk},
    ),
    "synthesis:rename": ("admin", lambda w: _theme_url(w, "renommer"), lambda w: {"label": "Nouveau"}),
    "synthesis:summary": ("admin", lambda w: _theme_url(w, "resume"), lambda w: {"summary": "Résumé"}),
    "synthesis:merge": ("admin", lambda w: _theme_url(w, "fusionner"), lambda w: {"into": w.extra["theme_b"].pk}),
    "synthesis:split": (
        "admin",
        lambda w: _theme_url(w, "scinder"),
        lambda w: {"label": "Nouveau", "contributions": [str(w.comment.pk)]},
    ),
    "set_language": (None, lambda w: "/i18n/setlang/", lambda w: {"language": "en", "next": "/"}),
    "oidc:logout": ("reporter", lambda w: "/compte/oidc/deconnexion/", lambda w: {}),
    "account_logout": ("reporter", lambda w: "/compte/logout/", lambda w: {}),
    "account_email": ("reporter", lambda w: "/compte/email/", lambda w: {"action_add": "", "email": "n@example.org"}),
    "account_change_password": (
        "reporter",
        lambda w: "/compte/password/change/",
        lambda w: {
            "oldpassword": "correct-horse-battery-staple",
            "password1": "Zx9!long-new-pass",
            "password2": "Zx9!long-new-pass",
        },
    ),
}

# Routes that never change state (reads), or whose writes are covered elsewhere: allauth's own
# flows (login, signup, reset, MFA) are covered by tests/accounts; the admin is Django's.
READ_ONLY = {
    "home", "health", "credits", "accounts:my_data", "accounts:my_data_download", "accounts:mfa_required",
    "accounts:organisations", "territories:communes", "territories:commune_options", "backoffice:dashboard",
    "backoffice:institution", "backoffice:process", "processes:list", "processes:detail", "processes:answers",
    "processes:institutions", "processes:institution", "discussions:comment", "discussions:thread",
    "moderation:log", "moderation:queue", "moderation:item", "audit:log", "audit:head", "audit:events",
    "opendata:index", "opendata:datapackage", "opendata:feed_processes", "opendata:feed_answers",
    "opendata:feed_process", "opendata:csv", "opendata:schema", "opendata:json", "opendata:geojson",
    "oidc:callback", "oidc:logout_return",
    "consultations:text", "consultations:contributions", "consultations:answers", "consultations:version",
    "consultations:section", "consultations:contribution",
    "petitions:list", "petitions:detail", "petitions:similar", "petitions:queue", "petitions:feed",
    "petitions:count", "petitions:thanks", "petitions:export", "petitions:map", "petitions:confirmed",
    "switch_language",
    "petitions_backoffice:types",
    "synthesis:detail", "synthesis:contributions", "synthesis:report", "synthesis:map", "synthesis:export_json",
    "synthesis:export_csv", "synthesis:manage", "synthesis:edit", "synthesis:progress",
}  # fmt: skip
ALLAUTH_FLOWS = {
    "oidc:login", "account_login", "account_inactive", "account_signup", "account_reauthenticate",
    "account_email_verification_sent", "account_set_password", "account_reset_password",
    "account_confirm_login_code", "account_confirm_email", "account_reset_password_from_key_done",
    "account_reset_password_from_key", "account_reset_password_done", "mfa_index", "mfa_authenticate",
    "mfa_reauthenticate", "mfa_activate_totp", "mfa_deactivate_totp", "mfa_view_recovery_codes",
    "mfa_generate_recovery_codes", "mfa_download_recovery_codes",
}  # fmt: skip


def test_every_route_is_classified():
    unknown = []
    for pattern, name, _callback in all_routes():
        if pattern.startswith(("admin/", "api/", "media/")):
            continue
        if name not in POST_ACTIONS and name not in READ_ONLY and name not in ALLAUTH_FLOWS:
            unknown.append((pattern, name))
    assert not unknown, f"classify these routes in tests/security/test_routes.py: {unknown}"


def test_only_the_read_only_api_is_csrf_exempt():
    from terreau.api.api import api

    exempt = [(p, n) for p, n, cb in all_routes() if getattr(cb, "csrf_exempt", False)]
    assert exempt and all(p.startswith("api/") for p, _n in exempt), exempt
    methods = {
        method
        for _prefix, router in api._routers
        for path_view in router.path_operations.values()
        for op in path_view.operations
        for method in op.methods
    }
    assert methods == {"GET"}, methods


def test_api_refuses_writes(client):
    for method in ("post", "put", "patch", "delete"):
        response = getattr(client, method)("/api/processes")
        assert response.status_code in (404, 405), (method, response.status_code)


def test_no_csrf_exempt_in_the_code():
    import terreau

    root = inspect.getfile(terreau).rsplit("/", 1)[0]
    import pathlib

    hits = [
        str(p)
        for p in pathlib.Path(root).rglob("*.py")
        if "csrf_exempt" in p.read_text(encoding="utf-8") and "/migrations/" not in str(p)
    ]
    assert hits == [], hits


def _login(client: Client, world, who, platform_admin):
    if who == "platform":
        client.force_login(platform_admin)
    elif who:
        client.force_login(getattr(world, who))


@pytest.mark.parametrize("name", sorted(POST_ACTIONS))
def test_state_change_needs_post_and_csrf(name, world, platform_admin):
    who, url_of, data_of = POST_ACTIONS[name]
    url, data = url_of(world), data_of(world)

    before = snapshot()
    plain = Client()
    _login(plain, world, who, platform_admin)
    response = plain.get(url, data)
    assert response.status_code in (200, 302, 405), (name, response.status_code)
    assert snapshot() == before, f"{name}: GET changed the database"

    strict = Client(enforce_csrf_checks=True)
    _login(strict, world, who, platform_admin)
    response = strict.post(url, data)
    assert response.status_code == 403, (name, response.status_code)
    assert snapshot() == before, f"{name}: POST without CSRF token changed the database"

    # The same request with a token is accepted: the refusal above is the CSRF check.
    token = "a" * 32  # a CSRF secret, sent as cookie and as form field
    strict.cookies[settings.CSRF_COOKIE_NAME] = token
    response = strict.post(url, {**data, "csrfmiddlewaretoken": token})
    assert response.status_code != 403, name
    if name not in {"set_language", "oidc:logout", "account_logout"}:
        assert snapshot() != before, f"{name}: the valid request changed nothing (bad test data?)"
