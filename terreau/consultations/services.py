"""Every write of the consultation module, with its permission checks.

The web views, the API, the demo, the admin and the tests all call these functions.
Refusals are `ValidationError` (a message for the participant, nothing written) or
`PermissionDenied` (someone else's object, a staff action by a participant).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from terreau.audit.services import record_event
from terreau.consultations.models import (
    BODY_MAX,
    EXPLANATION_MAX,
    OFFLINE_SOURCE_MAX,
    SOURCES_MAX,
    TITLE_MAX,
    TOKEN_LENGTH,
    Answer,
    Choice,
    Consultation,
    Contribution,
    ContributionKind,
    ContributionVote,
    Origin,
    Section,
    SectionKind,
    SectionVote,
    Source,
    SourceKind,
    Stance,
    TextVersion,
    Verdict,
)
from terreau.core import ratelimit
from terreau.moderation.models import Visibility
from terreau.moderation.permissions import can_moderate
from terreau.moderation.queries import is_blocked
from terreau.processes.models import Process, ProcessModule, Role
from terreau.processes.permissions import can_edit_process, is_platform_admin, require, roles_in

MODULE_NAME = "consultation"
RATE_LIMIT = (20, 600)  # TERREAU_CONSULTATION_RATE_LIMIT: contributions per seconds, per participant and IP
OFFLINE_VOTES_MAX = 10_000
_TOKEN_RE = re.compile(rf"^[0-9a-f]{{{TOKEN_LENGTH}}}$")

# Which phase setting opens which action (see module.py).
SETTING_FOR = {
    "vote": "votes_open",
    ContributionKind.AMENDMENT: "amendments_open",
    ContributionKind.PROPOSAL: "proposals_open",
    ContributionKind.ARGUMENT: "arguments_open",
    "source": "sources_open",
}
SECTION_SWITCH_FOR = {
    "vote": "allow_votes",
    ContributionKind.AMENDMENT: "allow_amendments",
    ContributionKind.PROPOSAL: "allow_proposals",
    ContributionKind.ARGUMENT: "allow_arguments",
    "source": "allow_sources",
}


# --- helpers -------------------------------------------------------------------------


def _fmt(n: int) -> str:
    return f"{n:,}".replace(",", "\u202f")


def clean_text(value: Any, field: str, *, maximum: int, required: bool = True, label: str = "") -> str:
    """Stripped text; refuses non-text, empty (when required), too long, or NUL characters."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError({field: _("Ce champ doit être du texte.")})
    value = value.replace("\r\n", "\n").strip()
    if required and not value:
        raise ValidationError({field: _("Ce champ est obligatoire.")})
    if len(value) > maximum:
        raise ValidationError(
            {
                field: _("%(max)s caractères au plus (ce texte en a %(n)s).")
                % {"max": _fmt(maximum), "n": _fmt(len(value))}
            }
        )
    if "\x00" in value:
        raise ValidationError({field: _("Le texte contient un caractère non autorisé.")})
    return value


def has_verified_email(user) -> bool:
    from terreau.discussions.services import has_verified_email as verified

    return verified(user)


def process_of(consultation: Consultation) -> Process:
    return consultation.attached.process


def is_public(consultation: Consultation) -> bool:
    return process_of(consultation).status != Process.Status.DRAFT


def can_answer(user, consultation: Consultation) -> bool:
    """Institution admins (and reviewers) answer contributions and publish versions."""
    process = process_of(consultation)
    return can_edit_process(user, process) or Role.REVIEWER in roles_in(user, process.institution)


def can_facilitate(user, consultation: Consultation) -> bool:
    process = process_of(consultation)
    return can_edit_process(user, process) or Role.FACILITATOR in roles_in(user, process.institution)


def can_merge(user, consultation: Consultation) -> bool:
    return can_moderate(user, process_of(consultation).institution)


def current_version(consultation: Consultation) -> TextVersion | None:
    return consultation.versions.order_by("-number").first()


def is_current(section: Section) -> bool:
    cached = getattr(section, "_is_current", None)
    if cached is None:
        latest = (
            TextVersion.objects.filter(consultation_id=section.consultation_id).order_by("-number").values("pk").first()
        )
        cached = section._is_current = latest is not None and latest["pk"] == section.version_id
    return cached


def action_refusal(user, section: Section, action: str, *, parent: Contribution | None = None) -> str | None:
    """Why `user` may not do `action` ("vote", "amendment", "proposal", "argument", "source")
    on `section` now, in words; None if they may."""
    consultation = section.consultation
    attached = consultation.attached
    process = attached.process
    if process.status != Process.Status.PUBLISHED:
        return _("Cette démarche n'accepte plus de participation.")
    if not attached.current_setting(SETTING_FOR[action]):
        return {
            "vote": _("Les votes sont fermés à cette étape de la démarche."),
            ContributionKind.AMENDMENT: _("Les amendements sont fermés à cette étape de la démarche."),
            ContributionKind.PROPOSAL: _("Les nouvelles propositions sont fermées à cette étape de la démarche."),
            ContributionKind.ARGUMENT: _("Les arguments sont fermés à cette étape de la démarche."),
            "source": _("L'ajout de sources est fermé à cette étape de la démarche."),
        }[action]
    if not getattr(section, SECTION_SWITCH_FOR[action]):
        return _("L'institution n'a pas ouvert cette action sur cette partie du texte.")
    if not is_current(section):
        return _("Cette version du texte a été remplacée : participez sur la version en vigueur.")
    if action != ContributionKind.PROPOSAL and parent is None and not section.is_votable:
        return _("Les titres et chapitres regroupent des articles : votez et amendez article par article.")
    if action == ContributionKind.AMENDMENT and not section.body.strip():
        return _("Cette partie n'a pas de texte à amender.")
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return _("Connectez-vous pour participer.")
    if not has_verified_email(user):
        return _("Confirmez votre adresse e-mail pour pouvoir participer.")
    if is_blocked(user, process.institution_id):
        return _("La modération de cette institution a suspendu votre participation à ses démarches.")
    return None


def _check_rate(user, ip: str | None) -> None:
    count, period = getattr(settings, "TERREAU_CONSULTATION_RATE_LIMIT", RATE_LIMIT)
    allowed = ratelimit.hit(f"user:{user.pk}", "consultation", count, period)
    if ip:
        allowed = ratelimit.hit(f"ip:{ip}", "consultation", count, period) and allowed
    if not allowed:
        raise ValidationError(
            _("Vous avez publié beaucoup de contributions en peu de temps : réessayez dans quelques minutes.")
        )


def _contested(agree: int, mitigated: int, disagree: int) -> float:
    from terreau.consultations.ranking import contested_score

    return float(contested_score(agree, mitigated, disagree))


# --- text creation ---------------------------------------------------------------------


def _has_participation(consultation: Consultation) -> bool:
    return (
        consultation.contributions.exists()
        or SectionVote.objects.filter(section__consultation=consultation).exists()
        or consultation.versions.count() > 1
    )


def _flatten(nodes: Iterable[Any], parent_level: int = 0) -> list[tuple[Any, int, int]]:
    """(node, depth, parent index or -1) in document order, from parse_markdown's tree."""
    out: list[tuple[Any, int, int]] = []

    def walk(items, depth, parent_idx):
        for node in items:
            idx = len(out)
            out.append((node, depth, parent_idx))
            walk(_get(node, "children") or [], depth + 1, idx)

    walk(nodes, parent_level, -1)
    return out


def _get(node: Any, name: str) -> Any:
    return node.get(name) if isinstance(node, Mapping) else getattr(node, name, None)


def _parse(markdown: str) -> list[Any]:
    from terreau.consultations.text_import import parse_markdown

    try:
        return parse_markdown(markdown)
    except ValueError as exc:
        raise ValidationError({"markdown": str(exc)}) from None


_LABEL_WORDS = {
    SectionKind.TITLE: "titre",
    SectionKind.CHAPTER: "chapitre",
    SectionKind.SECTION: "section",
    SectionKind.ARTICLE: "article",
    SectionKind.ANNEX: "annexe",
    SectionKind.MEMORANDUM: "exposé des motifs",
}


def _strip_label(kind: str, number: str, heading: str) -> str:
    """ "Article 3 – Objectifs" -> "Objectifs": the kind and number are shown from their own fields."""
    word = _LABEL_WORDS.get(kind, "")
    text = heading.strip()
    if not word or not text.lower().startswith(word):
        return text
    rest = text[len(word) :].lstrip()
    if kind == SectionKind.ANNEX and rest.lower().startswith("s "):
        rest = rest[2:]
    if number and rest.startswith(number):
        rest = rest[len(number) :]
    elif kind not in (SectionKind.MEMORANDUM, SectionKind.ANNEX) and number:
        return text
    return rest.lstrip(" \t.:–—-").strip()


def import_text(actor, attached: ProcessModule, text_title: Any, markdown: Any) -> Consultation:
    """Create (or replace, while nobody has participated) version 1 of the text from Markdown.

    Heading levels become titles, chapters and articles (see text_import.parse_markdown).
    """
    require(can_edit_process(actor, attached.process))
    if attached.module != MODULE_NAME:
        raise PermissionDenied
    text_title = clean_text(text_title, "text_title", maximum=TITLE_MAX)
    markdown = clean_text(markdown, "markdown", maximum=500_000)
    nodes = _flatten(_parse(markdown))
    if not any(_get(n, "kind") == SectionKind.ARTICLE for n, _d, _p in nodes):
        raise ValidationError(
            {"markdown": _("Aucun article reconnu : écrivez par exemple « ### Article 1 » suivi de son texte.")}
        )
    for node, _depth, _parent in nodes:
        if _get(node, "kind") not in SectionKind.values:
            raise ValidationError({"markdown": _("Type de section inconnu : %(kind)s.") % {"kind": _get(node, "kind")}})
        if len(_get(node, "body") or "") > Section._meta.get_field("body").max_length:
            raise ValidationError({"markdown": _("Une section dépasse 50 000 caractères.")})
    with transaction.atomic():
        consultation, _created = Consultation.objects.select_for_update().get_or_create(
            attached=attached, defaults={"text_title": text_title}
        )
        if _has_participation(consultation):
            raise ValidationError(
                _("Des participants ont déjà contribué : publiez une nouvelle version au lieu de remplacer le texte.")
            )
        consultation.text_title = text_title
        consultation.save(update_fields=["text_title"])
        consultation.versions.all().delete()
        version = TextVersion.objects.create(consultation=consultation, number=1, published_by=actor)
        created: list[Section] = []
        for position, (node, depth, parent_idx) in enumerate(nodes):
            section = Section.objects.create(
                version=version,
                consultation=consultation,
                parent=created[parent_idx] if parent_idx >= 0 else None,
                kind=_get(node, "kind"),
                number=str(_get(node, "number") or "")[:30],
                heading=_strip_label(
                    _get(node, "kind"), str(_get(node, "number") or ""), str(_get(node, "heading") or "")
                )[:TITLE_MAX],
                body=(_get(node, "body") or "").strip(),
                level=_get(node, "level") if isinstance(_get(node, "level"), int) else depth,
                position=position,
            )
            created.append(section)
    return consultation


SECTION_SWITCHES = ("allow_votes", "allow_amendments", "allow_proposals", "allow_arguments", "allow_sources")


def configure_section(actor, section: Section, switches: Mapping[str, Any]) -> Section:
    """Set what participants may do on one section (unknown keys ignored)."""
    require(can_edit_process(actor, process_of(section.consultation)))
    for name in SECTION_SWITCHES:
        if name in switches:
            setattr(section, name, bool(switches[name]))
    section.save(update_fields=list(SECTION_SWITCHES))
    return section


# --- votes ---------------------------------------------------------------------------------


def _vote_target(item: Section | Contribution) -> tuple[type, str, Section]:
    if isinstance(item, Section):
        return SectionVote, "section", item
    if isinstance(item, Contribution):
        return ContributionVote, "contribution", item.section
    raise TypeError("votes are on sections or contributions")


def vote_refusal(user, item: Section | Contribution) -> str | None:
    _model, _fk, section = _vote_target(item)
    if isinstance(item, Contribution) and not item.is_listed:
        return _("Cette contribution n'est plus ouverte aux votes.")
    return action_refusal(user, section, "vote", parent=item if isinstance(item, Contribution) else None)


def _apply_counts(obj: Section | Contribution, add: str | None, remove: str | None, n: int = 1) -> list[str]:
    fields = []
    if remove:
        setattr(obj, f"{remove}_count", getattr(obj, f"{remove}_count") - n)
        fields.append(f"{remove}_count")
    if add:
        setattr(obj, f"{add}_count", getattr(obj, f"{add}_count") + n)
        fields.append(f"{add}_count")
    if isinstance(obj, Contribution):
        obj.contested = _contested(obj.agree_count, obj.mitigated_count, obj.disagree_count)
        fields.append("contested")
    return fields


def cast_vote(user, item: Section | Contribution, choice: Any):
    """Record or change `user`'s vote on a section or a contribution; returns the vote.

    The item row is locked for the transaction, so the counters written with the vote are
    exact under concurrency; the unique constraint on (item, user) refuses a second row.
    Voting the same choice again changes nothing.
    """
    if choice not in Choice.values:
        raise ValidationError({"choice": _("Choisissez « d'accord », « mitigé » ou « pas d'accord ».")})
    require(getattr(user, "is_authenticated", False))
    require(is_public(item.consultation))
    model, fk, _section = _vote_target(item)
    refusal = vote_refusal(user, item)
    if refusal:
        raise ValidationError(refusal)
    with transaction.atomic():
        locked = type(item).objects.select_for_update().get(pk=item.pk)
        if isinstance(locked, Contribution) and not locked.is_listed:
            raise ValidationError(_("Cette contribution n'est plus ouverte aux votes."))
        vote = model.objects.filter(**{fk: locked, "user": user}).first()
        previous = vote.choice if vote else None
        if previous == choice:
            return vote
        now = timezone.now()
        if vote is None:
            vote = model.objects.create(
                **{fk: locked, "user": user, "choice": choice, "created_at": now, "updated_at": now}
            )
        else:
            vote.choice, vote.updated_at = choice, now
            vote.save(update_fields=["choice", "updated_at"])
        locked.save(update_fields=_apply_counts(locked, choice, previous))
        record_event(
            "consultation.vote",
            actor=user,
            target=locked,
            data={"choice": choice, "previous": previous or ""},
        )
    item.__dict__.update({k: getattr(locked, k) for k in ("agree_count", "mitigated_count", "disagree_count")})
    return vote


def user_vote(user, item: Section | Contribution) -> str | None:
    if not getattr(user, "is_authenticated", False):
        return None
    model, fk, _section = _vote_target(item)
    return model.objects.filter(**{fk: item, "user": user}).values_list("choice", flat=True).first()


# --- contributions -----------------------------------------------------------------------------


def _author_fields(user) -> dict[str, Any]:
    commune = user.commune
    return {
        "author": user,
        "author_kind": user.kind,
        "commune": commune,
        "departement_id": commune.departement_id if commune else None,
    }


def _clean_contribution(
    section: Section, kind: Any, body: Any, title: Any, explanation: Any, stance: Any, parent: Contribution | None
) -> dict[str, Any]:
    if kind not in ContributionKind.values:
        raise ValidationError({"kind": _("Type de contribution inconnu.")})
    body = clean_text(body, "body", maximum=BODY_MAX)
    title = clean_text(title, "title", maximum=TITLE_MAX, required=kind == ContributionKind.PROPOSAL)
    explanation = clean_text(explanation, "explanation", maximum=EXPLANATION_MAX, required=False)
    if kind == ContributionKind.ARGUMENT:
        if stance not in Stance.values:
            raise ValidationError({"stance": _("Dites si votre argument est pour ou contre.")})
    else:
        stance = ""
        if parent is not None:
            raise ValidationError(_("Seuls les arguments portent sur une autre contribution."))
    if parent is not None:
        if parent.section_id != section.pk:
            raise PermissionDenied
        if parent.kind == ContributionKind.ARGUMENT:
            raise ValidationError(_("Un argument ne reçoit pas d'arguments : répondez-y en commentaire."))
        if not parent.is_listed:
            raise ValidationError(_("Cette contribution n'accepte plus d'arguments."))
    if kind == ContributionKind.AMENDMENT and " ".join(body.split()) == " ".join(section.body.split()):
        raise ValidationError({"body": _("Votre amendement reprend le texte actuel : modifiez sa rédaction.")})
    return {"kind": kind, "body": body, "title": title, "explanation": explanation, "stance": stance}


def recount_sections(section_ids: Iterable[int]) -> None:
    """Recount the listed contributions of these sections by kind (Section.amendment_count...).

    Called inside the transaction of every change to what is listed. The section rows are
    locked first, so a concurrent change waits and counts after this one commits: the
    counters stay exact without trusting an earlier read."""
    ids = sorted({int(i) for i in section_ids if i})
    if not ids:
        return
    with transaction.atomic():
        sections = list(Section.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
        rows = (
            Contribution.objects.filter(section_id__in=ids, status=Visibility.VISIBLE, merged_into__isnull=True)
            .values_list("section_id", "kind")
            .annotate(n=Count("id"))
            .order_by()
        )
        counts: dict[int, dict[str, int]] = {}
        for section_id, kind, n in rows:
            counts.setdefault(section_id, {})[kind] = n
        for section in sections:
            c = counts.get(section.pk, {})
            Section.objects.filter(pk=section.pk).update(
                amendment_count=c.get(ContributionKind.AMENDMENT, 0),
                proposal_count=c.get(ContributionKind.PROPOSAL, 0),
                argument_count=c.get(ContributionKind.ARGUMENT, 0),
            )


def on_visibility_change(contribution: Contribution) -> None:
    """Moderation hid or restored a contribution (moderation registry hook, in its transaction)."""
    recount_sections([contribution.section_id])


def post_contribution(
    author,
    section: Section,
    *,
    kind: Any,
    body: Any,
    title: Any = "",
    explanation: Any = "",
    stance: Any = "",
    parent: Contribution | None = None,
    token: Any = "",
    ip: str | None = None,
) -> Contribution:
    """Publish an amendment, a proposal or an argument (on the section, or on `parent`).

    `token`: the form's random token; a double submit returns the contribution already
    created (the unique constraint decides, not a prior read)."""
    require(getattr(author, "is_authenticated", False) and author.is_active)
    require(is_public(section.consultation))
    if kind not in ContributionKind.values:
        raise ValidationError({"kind": _("Type de contribution inconnu.")})
    refusal = action_refusal(author, section, kind, parent=parent)
    if refusal:
        raise ValidationError(refusal)
    fields = _clean_contribution(section, kind, body, title, explanation, stance, parent)
    token = token if isinstance(token, str) and _TOKEN_RE.match(token) else ""
    if token:
        existing = Contribution.objects.filter(author=author, client_token=token).first()
        if existing is not None:
            return existing
    _check_rate(author, ip)
    contribution = Contribution(
        consultation=section.consultation,
        section=section,
        parent=parent,
        client_token=token,
        **fields,
        **_author_fields(author),
    )
    try:
        with transaction.atomic():
            contribution.save()
            recount_sections([section.pk])
    except IntegrityError:
        existing = Contribution.objects.filter(author=author, client_token=token).first() if token else None
        if existing is not None:
            return existing
        raise
    return contribution


# --- sources ---------------------------------------------------------------------------------------

_INTERNAL_SUFFIXES = (".localhost", ".local", ".internal", ".intranet", ".lan", ".home.arpa", ".corp", ".localdomain")


def clean_source_url(url: Any) -> str:
    """An http(s) URL to a public host; internal addresses are refused (SECURITY.md #11).

    Nothing is ever fetched from these URLs; they are refused so that no page of the
    platform links readers (or a future link checker) to an internal address."""
    url = clean_text(url, "url", maximum=500)
    message = _("Donnez l'adresse d'une page publique, commençant par http:// ou https://.")
    try:
        URLValidator(schemes=["http", "https"])(url)
        parts = urlsplit(url)
    except (ValidationError, ValueError):
        raise ValidationError({"url": message}) from None
    if parts.scheme not in ("http", "https") or parts.username or parts.password or not parts.hostname:
        raise ValidationError({"url": message})
    host = parts.hostname.lower().rstrip(".")
    internal = _("Cette adresse désigne un réseau interne : donnez l'adresse d'une page publique.")
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        ip = None
    if ip is not None:
        if not ip.is_global:
            raise ValidationError({"url": internal})
        return url
    labels = host.split(".")
    if len(labels) < 2 or host == "localhost" or host.endswith(_INTERNAL_SUFFIXES):
        raise ValidationError({"url": internal})
    # Numeric or hexadecimal "domains" (0x7f.1, 127.1) are IPv4 addresses to a browser.
    if re.fullmatch(r"(0x[0-9a-f]*|[0-9]+)", labels[-1]):
        raise ValidationError({"url": internal})
    return url


def add_source(user, contribution: Contribution, *, url: Any, title: Any, kind: Any) -> Source:
    """Attach a source (study, law, data, press) to a contribution: its author, a facilitator
    for an offline contribution, or any participant while sources are open."""
    require(getattr(user, "is_authenticated", False))
    require(is_public(contribution.consultation))
    if not contribution.is_listed:
        raise ValidationError(_("Cette contribution n'accepte plus de sources."))
    offline_by_facilitator = contribution.origin == Origin.OFFLINE and can_facilitate(user, contribution.consultation)
    if not offline_by_facilitator:
        refusal = action_refusal(user, contribution.section, "source", parent=contribution)
        if refusal:
            raise ValidationError(refusal)
    if kind not in SourceKind.values:
        raise ValidationError({"kind": _("Choisissez le type de source : étude, texte de loi, données ou presse.")})
    url = clean_source_url(url)
    title = clean_text(title, "title", maximum=TITLE_MAX)
    with transaction.atomic():
        Contribution.objects.select_for_update().get(pk=contribution.pk)
        if contribution.sources.count() >= SOURCES_MAX:
            raise ValidationError(_("Une contribution cite %(max)s sources au plus.") % {"max": SOURCES_MAX})
        if contribution.sources.filter(url=url).exists():
            raise ValidationError({"url": _("Cette source est déjà citée.")})
        return Source.objects.create(contribution=contribution, url=url, title=title, kind=kind, added_by=user)


# --- institution: answers, merge, versions, offline entry ------------------------------------------


def answer(actor, contribution: Contribution, *, verdict: Any, explanation: Any) -> Answer:
    """Publish the institution's answer to a contribution (once; recorded in the audit log)."""
    consultation = contribution.consultation
    require(can_answer(actor, consultation))
    if process_of(consultation).status == Process.Status.DRAFT:
        raise ValidationError(_("Publiez la démarche avant de répondre aux contributions."))
    if verdict not in Verdict.values:
        raise ValidationError({"verdict": _("Choisissez une décision.")})
    explanation = clean_text(explanation, "explanation", maximum=EXPLANATION_MAX)
    with transaction.atomic():
        locked = Contribution.objects.select_for_update().get(pk=contribution.pk)
        if locked.merged_into_id is not None:
            raise ValidationError(_("Cette contribution a été fusionnée : répondez à la contribution qui la regroupe."))
        if Answer.objects.filter(contribution=locked).exists():
            raise ValidationError(
                _("Cette contribution a déjà reçu une réponse ; une réponse publiée ne se réécrit pas.")
            )
        try:
            with transaction.atomic():
                result = Answer.objects.create(
                    contribution=locked,
                    consultation=consultation,
                    verdict=verdict,
                    explanation=explanation,
                    answered_by=actor,
                )
        except IntegrityError:
            raise ValidationError(_("Cette contribution a déjà reçu une réponse.")) from None
        locked.answer_verdict = verdict
        locked.save(update_fields=["answer_verdict"])
        record_event(
            "consultation.answer",
            actor=actor,
            target=locked,
            data={"verdict": verdict, "explanation": explanation},
        )
    contribution.answer_verdict = verdict
    return result


def merge(actor, duplicate: Contribution, target: Contribution) -> Contribution:
    """Fold `duplicate` into `target`: its votes (one per participant: the target's vote
    wins), arguments and sources move over, its author becomes a co-author, and it leaves
    the lists (it stays readable with a link to the target)."""
    consultation = target.consultation
    require(can_merge(actor, consultation))
    if duplicate.consultation_id != target.consultation_id:
        raise PermissionDenied
    if duplicate.pk == target.pk:
        raise ValidationError(_("Une contribution ne peut pas être fusionnée avec elle-même."))
    if ContributionKind.ARGUMENT in (duplicate.kind, target.kind) and duplicate.kind != target.kind:
        raise ValidationError(_("Un argument ne se fusionne qu'avec un autre argument."))
    with transaction.atomic():
        first, second = sorted([duplicate.pk, target.pk])
        rows = {c.pk: c for c in Contribution.objects.select_for_update().filter(pk__in=[first, second]).order_by("pk")}
        dup, tgt = rows[duplicate.pk], rows[target.pk]
        if not dup.is_listed or not tgt.is_listed:
            raise ValidationError(_("Seules des contributions visibles et non fusionnées peuvent être fusionnées."))
        voters_on_target = ContributionVote.objects.filter(contribution=tgt, user__isnull=False).values("user_id")
        ContributionVote.objects.filter(contribution=dup).exclude(user_id__in=voters_on_target).update(contribution=tgt)
        ContributionVote.objects.filter(contribution=dup).delete()
        Contribution.objects.filter(parent=dup).update(parent=tgt, section=tgt.section)
        existing_urls = set(tgt.sources.values_list("url", flat=True))
        for source in dup.sources.all():
            if source.url in existing_urls:
                source.delete()
            else:
                source.contribution = tgt
                source.save(update_fields=["contribution"])
        authors = [u for u in [dup.author_id, *dup.coauthors.values_list("pk", flat=True)] if u and u != tgt.author_id]
        tgt.coauthors.add(*authors)
        counts = dict(
            ContributionVote.objects.filter(contribution=tgt).values_list("choice").annotate(n=Count("id")).order_by()
        )
        tgt.agree_count = counts.get("agree", 0)
        tgt.mitigated_count = counts.get("mitigated", 0)
        tgt.disagree_count = counts.get("disagree", 0)
        tgt.contested = _contested(tgt.agree_count, tgt.mitigated_count, tgt.disagree_count)
        tgt.save(update_fields=["agree_count", "mitigated_count", "disagree_count", "contested"])
        dup.merged_into = tgt
        dup.agree_count = dup.mitigated_count = dup.disagree_count = 0
        dup.contested = 0.0
        dup.save(update_fields=["merged_into", "agree_count", "mitigated_count", "disagree_count", "contested"])
        recount_sections([dup.section_id, tgt.section_id])
        record_event("consultation.merge", actor=actor, target=tgt, data={"duplicate": dup.pk, "target": tgt.pk})
    return tgt


def publish_version(
    actor,
    consultation: Consultation,
    *,
    bodies: Mapping[int, Any],
    led_by: Mapping[int, Iterable[int]],
    note: Any,
) -> TextVersion:
    """Publish the next version of the text.

    bodies: {section id of the current version: new text} (sections left out keep their text)
    led_by: {section id: ids of contributions on that section that led to the change}
    Every section is copied into the new version (`previous` links the copies); the
    contributions that led to a change are recorded on the new section.
    """
    require(can_answer(actor, consultation))
    if process_of(consultation).status == Process.Status.DRAFT:
        raise ValidationError(_("Publiez la démarche avant de publier une nouvelle version du texte."))
    note = clean_text(note, "note", maximum=EXPLANATION_MAX)
    with transaction.atomic():
        Consultation.objects.select_for_update().get(pk=consultation.pk)
        current = current_version(consultation)
        if current is None:
            raise ValidationError(_("Le texte n'a pas encore de première version."))
        sections = list(current.sections.order_by("position"))
        by_id = {s.pk: s for s in sections}
        if set(bodies) - set(by_id) or set(led_by) - set(by_id):
            raise PermissionDenied
        new_bodies = {
            pk: clean_text(text, f"body_{pk}", maximum=Section._meta.get_field("body").max_length, required=False)
            for pk, text in bodies.items()
        }
        changed = {pk for pk, text in new_bodies.items() if text != by_id[pk].body.strip()}
        if not changed:
            raise ValidationError(_("Le texte n'a pas changé : modifiez au moins un article."))
        version = TextVersion.objects.create(
            consultation=consultation, number=current.number + 1, note=note, published_by=actor
        )
        copies: dict[int, Section] = {}
        for section in sections:
            copy = Section.objects.create(
                version=version,
                consultation=consultation,
                parent=copies.get(section.parent_id),
                previous=section,
                kind=section.kind,
                number=section.number,
                heading=section.heading,
                body=new_bodies.get(section.pk, section.body),
                level=section.level,
                position=section.position,
                **{name: getattr(section, name) for name in SECTION_SWITCHES},
            )
            copies[section.pk] = copy
            if section.pk not in changed:
                # Unchanged wording: its votes and contributions still apply, so they follow it.
                Contribution.objects.filter(section=section).update(section=copy)
                SectionVote.objects.filter(section=section).update(section=copy)
                Section.objects.filter(pk=copy.pk).update(
                    agree_count=section.agree_count,
                    mitigated_count=section.mitigated_count,
                    disagree_count=section.disagree_count,
                    amendment_count=section.amendment_count,
                    proposal_count=section.proposal_count,
                    argument_count=section.argument_count,
                )
                Section.objects.filter(pk=section.pk).update(amendment_count=0, proposal_count=0, argument_count=0)
            ids = [int(i) for i in led_by.get(section.pk, ())]
            if ids and section.pk in changed:
                found = list(
                    Contribution.objects.filter(pk__in=ids, section=section, merged_into__isnull=True).exclude(
                        status=Visibility.HIDDEN
                    )
                )
                if len(found) != len(set(ids)):
                    raise ValidationError(_("Une contribution citée n'appartient pas à cet article."))
                copy.led_by.add(*found)
        record_event(
            "consultation.version",
            actor=actor,
            target=consultation,
            data={"number": version.number, "changed_sections": sorted(changed)},
        )
    return version


def _clean_offline_source(source: Any) -> str:
    return clean_text(source, "offline_source", maximum=OFFLINE_SOURCE_MAX)


def enter_offline_contribution(
    actor,
    section: Section,
    *,
    kind: Any,
    body: Any,
    source: Any,
    author_kind: Any = "citizen",
    author_label: Any = "",
    departement: Any = None,
    title: Any = "",
    explanation: Any = "",
    stance: Any = "",
    parent: Contribution | None = None,
) -> Contribution:
    """A facilitator types a contribution gathered in a meeting or on paper, with its source."""
    from terreau.accounts.models import ParticipantKind
    from terreau.territories.models import Departement

    consultation = section.consultation
    require(can_facilitate(actor, consultation))
    if process_of(consultation).status != Process.Status.PUBLISHED:
        raise ValidationError(_("Cette démarche n'accepte plus de participation."))
    if not is_current(section):
        raise ValidationError(_("Cette version du texte a été remplacée : participez sur la version en vigueur."))
    fields = _clean_contribution(section, kind, body, title, explanation, stance, parent)
    source = _clean_offline_source(source)
    if author_kind not in ParticipantKind.values:
        raise ValidationError({"author_kind": _("Type de participant inconnu.")})
    author_label = clean_text(author_label, "author_label", maximum=120, required=False)
    dep = None
    if departement:
        dep = Departement.objects.filter(pk=str(departement)).first()
        if dep is None:
            raise ValidationError({"departement": _("Département inconnu.")})
    with transaction.atomic():
        contribution = Contribution.objects.create(
            consultation=consultation,
            section=section,
            parent=parent,
            author=None,
            author_kind=author_kind,
            author_label=author_label,
            departement=dep,
            origin=Origin.OFFLINE,
            offline_source=source,
            entered_by=actor,
            **fields,
        )
        recount_sections([section.pk])
    return contribution


def enter_offline_votes(actor, item: Section | Contribution, *, counts: Mapping[str, Any], source: Any) -> int:
    """A facilitator records votes counted in a meeting or on paper (no voter identity)."""
    consultation = item.consultation
    require(can_facilitate(actor, consultation))
    if process_of(consultation).status != Process.Status.PUBLISHED:
        raise ValidationError(_("Cette démarche n'accepte plus de participation."))
    model, fk, _section = _vote_target(item)
    if isinstance(item, Section) and not item.is_votable:
        raise ValidationError(_("Les titres et chapitres ne se votent pas."))
    if isinstance(item, Contribution) and not item.is_listed:
        raise ValidationError(_("Cette contribution n'est plus ouverte aux votes."))
    source = _clean_offline_source(source)
    clean: dict[str, int] = {}
    for choice in Choice.values:
        value = counts.get(choice, 0)
        try:
            value = int(value or 0)
        except (TypeError, ValueError):
            raise ValidationError({choice: _("Donnez un nombre de votes.")}) from None
        if value < 0 or value > OFFLINE_VOTES_MAX:
            raise ValidationError({choice: _("Entre 0 et %(max)s votes.") % {"max": _fmt(OFFLINE_VOTES_MAX)}})
        clean[choice] = value
    total = sum(clean.values())
    if not total:
        raise ValidationError(_("Indiquez au moins un vote."))
    with transaction.atomic():
        locked = type(item).objects.select_for_update().get(pk=item.pk)
        now = timezone.now()
        rows = [
            model(
                **{fk: locked},
                user=None,
                choice=choice,
                origin=Origin.OFFLINE,
                offline_source=source,
                entered_by=actor,
                created_at=now,
                updated_at=now,
            )
            for choice, n in clean.items()
            for _i in range(n)
        ]
        model.objects.bulk_create(rows, batch_size=1000)
        fields: set[str] = set()
        for choice, n in clean.items():
            if n:
                fields.update(_apply_counts(locked, choice, None, n))
        locked.save(update_fields=sorted(fields))
        record_event("consultation.offline", actor=actor, target=locked, data={"votes": clean, "source": source})
    return total


def filter_listed(qs):
    return qs.filter(status=Visibility.VISIBLE, merged_into__isnull=True)


def is_staff_of(user, consultation: Consultation) -> bool:
    return is_platform_admin(user) or bool(roles_in(user, process_of(consultation).institution))
