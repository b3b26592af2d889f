"""Reads on petitions: lists, the page's cached count and département breakdown, similar ones."""

from __future__ import annotations

import datetime
import re
import time

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from terreau.petitions import services
from terreau.petitions.models import PUBLIC_STATUSES, Petition, PetitionStatus, Signature
from terreau.territories.models import Departement

MAX_QUERY_LENGTH = 100
COUNT_TTL = 10  # seconds; with the page fragment (20 s) and max-age (20 s): at most 50 s stale
DEPTS_TTL = 300
STATUS_FILTERS = ("open", "closed", "answered", "escalated")
ORDERS = {"recent": ("-published_at", "-pk"), "signatures": ("-signature_count", "-pk")}


def public_petitions() -> QuerySet[Petition]:
    return Petition.objects.filter(status__in=PUBLIC_STATUSES).select_related(
        "institution", "scope_region", "scope_departement", "scope_commune"
    )


def search_petitions(
    q: str = "", status: str = "", institution_slug: str = "", order: str = "recent"
) -> QuerySet[Petition]:
    qs = public_petitions()
    q = (q or "").strip()[:MAX_QUERY_LENGTH]
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(demand__icontains=q) | Q(institution__name__icontains=q))
    if status in STATUS_FILTERS:
        qs = qs.filter(status=status)
    if institution_slug:
        qs = qs.filter(institution__slug=institution_slug)
    return qs.order_by(*ORDERS.get(order, ORDERS["recent"]))


def petition_for_page(slug: str) -> Petition | None:
    return (
        Petition.objects.select_related(
            "institution",
            "author",
            "petition_type",
            "scope_region",
            "scope_departement",
            "scope_commune",
            "escalated_process",
        )
        .filter(slug=slug)
        .first()
    )


# What the signing form, its POST and the "confirmed" page read of a petition.
SIGNING_FIELDS = ("id", "slug", "title", "demand", "status", "closed_at", "author_id", "institution_id")


def petition_for_signing(slug: str) -> Petition | None:
    """The petition for the signing form: no join, the few columns signing needs, no ORDER BY.

    Planning petition_for_page's eight-table join cost 10-50 ms per request under load; then
    compiling even a one-join query with every column and the model's default ordering was a
    third of a signature's CPU. Anything else is loaded on access (the templates do not).
    """
    return next(iter(Petition.objects.only(*SIGNING_FIELDS).filter(slug=slug).order_by()[:1]), None)


_signing_copies: dict[str, tuple[float, Petition | None]] = {}


def petition_for_signing_cached(slug: str) -> Petition | None:
    """petition_for_signing, reused by this process for PETITIONS_SIGNING_CACHE_SECONDS (2).

    The signing form and its POST run once per signature; this lookup was a sixth of the
    web CPU of each. A copy that is a few seconds old is safe: the INSERT of a signature
    checks that the petition still accepts signatures (services.sign_anonymous). At worst
    the form is still shown two seconds after a closing, and its POST is refused.
    """
    ttl = float(getattr(settings, "PETITIONS_SIGNING_CACHE_SECONDS", 2))
    if ttl <= 0:
        return petition_for_signing(slug)
    now = time.monotonic()
    found = _signing_copies.get(slug)
    if found is not None and found[0] > now:
        return found[1]
    petition = petition_for_signing(slug)
    if len(_signing_copies) > 1000:  # a flood of unknown slugs: start again
        _signing_copies.clear()
    _signing_copies[slug] = (now + ttl, petition)
    return petition


def forget_signing_copies() -> None:
    _signing_copies.clear()


def visible_to(user, petition: Petition | None) -> bool:
    if petition is None:
        return False
    if petition.is_public:
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    return petition.author_id == user.pk or services.can_moderate(user, petition)


def signature_count(petition_id: int) -> int:
    """Counted signatures (sum of the shards), cached COUNT_TTL seconds."""
    key = services.count_cache_key(petition_id)
    value = cache.get(key)
    if value is None:
        value = services.exact_count(petition_id)
        cache.set(key, value, COUNT_TTL)
    return value


def counts_by_departement(petition_id: int, *, refresh: bool = False) -> list[tuple[Departement | None, int]]:
    """(département, counted signatures), largest first; None for abroad/unknown. Cached.

    The periodic maintenance job refreshes it (`refresh=True`) so that readers of a large
    petition do not pay the GROUP BY (about 0.5 s over 2 million signatures).
    """
    key = f"petitions:depts:{petition_id}"
    rows = None if refresh else cache.get(key)
    if rows is None:
        rows = list(
            Signature.objects.filter(petition_id=petition_id, counted=True)
            .values_list("departement_id")
            .annotate(n=Count("*"))  # COUNT(*): an index-only scan (COUNT(id) reads every row)
            .order_by("-n", "departement_id")
        )
        cache.set(key, rows, DEPTS_TTL)
    depts = Departement.objects.in_bulk([code for code, _n in rows if code])
    return [(depts.get(code) if code else None, n) for code, n in rows]


def public_signers(petition: Petition, limit: int = 20) -> list[Signature]:
    """The latest counted signers who agreed to show their name."""
    return list(
        Signature.objects.filter(petition=petition, counted=True, show_name=True)
        .exclude(name="")
        .select_related("commune")
        .only("name", "commune__name", "commune__departement_id", "confirmed_at")
        .order_by("-confirmed_at", "-pk")[:limit]
    )


_WORD_RE = re.compile(r"\w{5,}", re.UNICODE)


def similar_petitions(title: str, limit: int = 5) -> list[Petition]:
    """Public petitions sharing long words with the title (shown while drafting)."""
    words = sorted({w.lower() for w in _WORD_RE.findall(title or "")[:20]}, key=len, reverse=True)[:6]
    if not words:
        return []
    condition = Q()
    for word in words:
        condition |= Q(title__icontains=word) | Q(demand__icontains=word)
    return list(public_petitions().filter(condition).order_by("-signature_count", "-pk")[:limit])


def moderation_queue(user) -> QuerySet[Petition]:
    """Petitions the user may moderate (pending first) or manage."""
    from terreau.processes.models import Role
    from terreau.processes.permissions import is_platform_admin

    qs = Petition.objects.select_related("institution", "author")
    if not is_platform_admin(user):
        qs = qs.filter(
            institution__memberships__user=user, institution__memberships__role__in=[Role.ADMIN, Role.MODERATOR]
        ).distinct()
    return qs.order_by("status", "-created_at")


def flag_summary(petition: Petition) -> dict[str, int]:
    """How many signatures carry each fraud flag, and the totals staff need."""
    counts: dict[str, int] = {}
    for flags in Signature.objects.filter(petition=petition, suspicious=True).values_list("flags", flat=True):
        for flag in flags or []:
            counts[flag] = counts.get(flag, 0) + 1
    return dict(sorted(counts.items(), key=lambda item: -item[1]))


def staff_totals(petition: Petition) -> dict[str, int]:
    qs = Signature.objects.filter(petition=petition)
    return qs.aggregate(
        total=Count("pk"),
        confirmed=Count("pk", filter=Q(confirmed_at__isnull=False)),
        counted=Count("pk", filter=Q(counted=True)),
        suspicious=Count("pk", filter=Q(suspicious=True)),
        invalidated=Count("pk", filter=Q(invalidated_at__isnull=False)),
        pending=Count("pk", filter=Q(confirmed_at__isnull=True)),
    )


# --- Answer tracker contribution ----------------------------------------------------------


def tracked_answers(today: datetime.date | None = None):
    """Petitions whose answer threshold was reached: answers due, late, or published."""
    from terreau.processes.queries import TrackedAnswer

    today = today or timezone.localdate()
    qs = public_petitions().filter(answer_due__isnull=False).order_by("answer_due", "pk")
    result = []
    for p in qs:
        answered_on = timezone.localdate(p.answered_at) if p.answered_at else None
        days = (p.answer_due - today).days if answered_on is None else max(0, (answered_on - p.answer_due).days)
        result.append(
            TrackedAnswer(
                title=p.title,
                url=p.get_absolute_url(),
                institution=p.institution,
                kind="petition",
                due=p.answer_due,
                answered_on=answered_on,
                days=days,
            )
        )
    return result


def status_choices() -> list[tuple[str, str]]:
    return [(s, PetitionStatus(s).label) for s in STATUS_FILTERS]
