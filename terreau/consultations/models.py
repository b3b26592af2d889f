"""Consultation on a draft text: versions, sections, contributions, votes, sources, answers.

See docs/consultations.md for the data model and the reasons behind it. In short:

- A `Consultation` belongs to one `processes.ProcessModule` (module "consultation").
- The text exists in numbered `TextVersion`s; each version owns its `Section`s (titles,
  chapters, articles, memorandum, annexes) in document order. Version 2 copies version 1's
  sections (`previous` links an article to its ancestor) and records, per changed article,
  the contributions that led to the change (`Section.led_by`).
- Participants write `Contribution`s on a section: amendments (a new wording), proposals
  (a new article or idea under the section) and arguments (for/against the section or
  another contribution, through `parent`). One table, so that lists, votes, answers,
  exports and the synthesis treat every kind the same way.
- Three-way votes live in `SectionVote` and `ContributionVote`: one row per participant
  and item (database constraint); offline votes entered by a facilitator have no user and
  carry their source. Vote counters are denormalized on the item and kept exact by
  updating them in the vote's transaction while the item row is locked.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import GreaterThan, LessThanOrEqual
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from terreau.consultations.ranking import new_shuffle_key
from terreau.moderation.models import Moderatable

BODY_MAX = 10_000  # an amendment rewrites one article; articles of French laws are far shorter
TITLE_MAX = 200
EXPLANATION_MAX = 5_000
SECTION_BODY_MAX = 50_000
SOURCES_MAX = 5
TOKEN_LENGTH = 32
OFFLINE_SOURCE_MAX = 200


class SectionKind(models.TextChoices):
    MEMORANDUM = "memorandum", _("Exposé des motifs")
    TITLE = "title", _("Titre")
    CHAPTER = "chapter", _("Chapitre")
    SECTION = "section", _("Section")
    ARTICLE = "article", _("Article")
    ANNEX = "annex", _("Annexe")


class Choice(models.TextChoices):
    AGREE = "agree", _("D'accord")
    MITIGATED = "mitigated", _("Mitigé")
    DISAGREE = "disagree", _("Pas d'accord")


class ContributionKind(models.TextChoices):
    AMENDMENT = "amendment", _("Amendement")
    PROPOSAL = "proposal", _("Proposition")
    ARGUMENT = "argument", _("Argument")


class Stance(models.TextChoices):
    FOR = "for", _("Pour")
    AGAINST = "against", _("Contre")


class Origin(models.TextChoices):
    ONLINE = "online", _("En ligne")
    OFFLINE = "offline", _("Recueilli hors ligne")


class Verdict(models.TextChoices):
    RETAINED = "retained", _("Retenue")
    PARTLY = "partly", _("Partiellement retenue")
    NOT_RETAINED = "not_retained", _("Non retenue")
    OUT_OF_SCOPE = "out_of_scope", _("Hors du champ de la consultation")


class SourceKind(models.TextChoices):
    STUDY = "study", _("Étude")
    LAW = "law", _("Texte de loi")
    DATA = "data", _("Données")
    PRESS = "press", _("Presse")


class Consultation(models.Model):
    attached = models.OneToOneField("processes.ProcessModule", on_delete=models.CASCADE, related_name="consultation")
    text_title = models.CharField(_("titre du texte"), max_length=TITLE_MAX)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("consultation")

    def __str__(self) -> str:
        return self.text_title

    def get_absolute_url(self) -> str:
        return reverse("consultations:text", args=[self.attached_id])

    @property
    def process(self):
        return self.attached.process


class TextVersion(models.Model):
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField(_("numéro"))
    note = models.TextField(_("ce qui a changé (Markdown)"), blank=True, max_length=EXPLANATION_MAX)
    published_at = models.DateTimeField(_("publiée le"), default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("version du texte")
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["consultation", "number"], name="textversion_unique_number"),
            models.CheckConstraint(condition=Q(number__gte=1), name="textversion_number_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.consultation} — v{self.number}"


class Section(models.Model):
    """One part of one version of the text, in document order (`position`)."""

    version = models.ForeignKey(TextVersion, on_delete=models.CASCADE, related_name="sections")
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="sections")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    # The same section in the previous version (None for a section new in this version).
    previous = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="next")
    kind = models.CharField(_("type"), max_length=20, choices=SectionKind.choices)
    number = models.CharField(_("numéro"), max_length=30, blank=True)
    heading = models.CharField(_("intitulé"), max_length=TITLE_MAX, blank=True)
    body = models.TextField(_("texte (Markdown)"), blank=True, max_length=SECTION_BODY_MAX)
    level = models.PositiveSmallIntegerField(default=0)
    position = models.PositiveIntegerField(default=0)
    # What the institution opens on this section (combined with the phase's settings).
    allow_votes = models.BooleanField(_("votes"), default=True)
    allow_amendments = models.BooleanField(_("amendements"), default=True)
    allow_proposals = models.BooleanField(_("nouvelles propositions"), default=True)
    allow_arguments = models.BooleanField(_("arguments"), default=True)
    allow_sources = models.BooleanField(_("sources"), default=True)
    # Contributions that led to this section's wording (set when a new version is published).
    led_by = models.ManyToManyField("Contribution", blank=True, related_name="led_to")
    agree_count = models.PositiveIntegerField(default=0)
    mitigated_count = models.PositiveIntegerField(default=0)
    disagree_count = models.PositiveIntegerField(default=0)
    # Listed (visible, not merged) contributions on this section, by kind; arguments include
    # those about its amendments and proposals. Recounted by services.recount_sections in the
    # transaction of every change (post, offline entry, hide, restore, merge).
    amendment_count = models.PositiveIntegerField(default=0)
    proposal_count = models.PositiveIntegerField(default=0)
    argument_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("section")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "position"], name="section_unique_position"),
            models.CheckConstraint(condition=Q(kind__in=SectionKind.values), name="section_kind_valid"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        if self.kind == SectionKind.SECTION and not self.number:
            return self.heading or str(_("Préambule"))
        kind = SectionKind(self.kind).label
        parts = [str(kind)]
        if self.number:
            parts.append(self.number)
        text = " ".join(parts)
        return f"{text} — {self.heading}" if self.heading else text

    @property
    def short_label(self) -> str:
        if self.kind == SectionKind.SECTION and not self.number:
            return str(_("Préambule"))
        return f"{SectionKind(self.kind).label} {self.number}".strip()

    @property
    def anchor(self) -> str:
        return f"s{self.pk}"

    @property
    def vote_total(self) -> int:
        return self.agree_count + self.mitigated_count + self.disagree_count

    @property
    def is_votable(self) -> bool:
        """Titles and chapters group articles; people work on articles, memorandum and annexes."""
        return self.kind not in (SectionKind.TITLE, SectionKind.CHAPTER, SectionKind.SECTION)

    def get_absolute_url(self) -> str:  # noqa: DJ012
        return reverse("consultations:section", args=[self.consultation.attached_id, self.pk])


LISTED = Q(status="visible", merged_into__isnull=True)


class Contribution(Moderatable):
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="contributions")
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="contributions")
    # An argument about another contribution (amendment or proposal); None: about the section.
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="arguments")
    kind = models.CharField(_("type"), max_length=20, choices=ContributionKind.choices)
    stance = models.CharField(_("position"), max_length=10, choices=Stance.choices, blank=True)
    title = models.CharField(_("titre"), max_length=TITLE_MAX, blank=True)
    body = models.TextField(_("texte"), max_length=BODY_MAX)
    explanation = models.TextField(_("exposé des motifs"), blank=True, max_length=EXPLANATION_MAX)
    # None for a contribution gathered offline and typed by a facilitator.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Who speaks, as shown and filtered on (copied from the profile when posted).
    author_kind = models.CharField(_("type de participant"), max_length=20)
    author_label = models.CharField(_("signé"), max_length=120, blank=True)
    commune = models.ForeignKey(
        "territories.Commune", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    departement = models.ForeignKey(
        "territories.Departement", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    coauthors = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    origin = models.CharField(_("origine"), max_length=10, choices=Origin.choices, default=Origin.ONLINE)
    offline_source = models.CharField(_("source hors ligne"), max_length=OFFLINE_SOURCE_MAX, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged")
    answer_verdict = models.CharField(max_length=20, blank=True, choices=Verdict.choices)
    agree_count = models.PositiveIntegerField(default=0)
    mitigated_count = models.PositiveIntegerField(default=0)
    disagree_count = models.PositiveIntegerField(default=0)
    # ranking.contested_score of the three counters, stored so the "most contested" sort uses an index.
    contested = models.FloatField(default=0.0)
    # A random place in the "random" order, drawn once (ranking.new_shuffle_key): each visitor
    # reads that order from a point of their own, so a list page is an index range scan.
    shuffle_key = models.PositiveIntegerField(default=new_shuffle_key, editable=False)
    created_at = models.DateTimeField(_("publiée le"), default=timezone.now)
    client_token = models.CharField(max_length=TOKEN_LENGTH, blank=True, default="", editable=False)

    class Meta(Moderatable.Meta):
        verbose_name = _("contribution")
        ordering = ["-id"]
        constraints = [
            *Moderatable.Meta.constraints,
            models.CheckConstraint(condition=Q(kind__in=ContributionKind.values), name="contribution_kind_valid"),
            models.CheckConstraint(
                condition=(Q(kind="argument") & Q(stance__in=Stance.values)) | (~Q(kind="argument") & Q(stance="")),
                name="contribution_stance_for_arguments",
            ),
            models.CheckConstraint(
                condition=Q(parent__isnull=True) | Q(kind="argument"), name="contribution_parent_only_arguments"
            ),
            models.CheckConstraint(
                condition=(Q(origin="online") & Q(author__isnull=False))
                | (Q(origin="offline") & ~Q(offline_source="")),
                name="contribution_origin_consistent",
            ),
            models.CheckConstraint(
                condition=GreaterThan(Length("body"), 0) & LessThanOrEqual(Length("body"), BODY_MAX),
                name="contribution_body_length",
            ),
            models.CheckConstraint(
                condition=Q(answer_verdict="") | Q(answer_verdict__in=Verdict.values),
                name="contribution_verdict_valid",
            ),
            models.UniqueConstraint(
                fields=["author", "client_token"], condition=~Q(client_token=""), name="contribution_once_per_token"
            ),
        ]
        indexes = [
            # List pages read the listed rows (visible, not merged) of one consultation in sort order.
            models.Index(
                fields=["consultation", "-agree_count", "-id"], condition=LISTED, name="contrib_listed_supported_idx"
            ),
            models.Index(
                fields=["consultation", "-contested", "-id"], condition=LISTED, name="contrib_listed_contested_idx"
            ),
            models.Index(fields=["consultation", "-id"], condition=LISTED, name="contrib_listed_newest_idx"),
            models.Index(
                fields=["consultation", "shuffle_key", "id"], condition=LISTED, name="contrib_listed_shuffle_idx"
            ),
            # Every filterable column of the listed rows: a filtered list's COUNT(*) is an
            # index-only scan instead of reading 40,000 rows.
            models.Index(
                fields=["consultation", "kind", "author_kind", "answer_verdict", "departement", "section"],
                condition=LISTED,
                name="contrib_listed_filters_idx",
            ),
            # Filtered by kind, or one section's items.
            models.Index(
                fields=["consultation", "status", "kind", "-agree_count", "-id"], name="contrib_supported_idx"
            ),
            models.Index(fields=["consultation", "status", "kind", "-contested", "-id"], name="contrib_contested_idx"),
            models.Index(fields=["consultation", "status", "kind", "-id"], name="contrib_newest_idx"),
            models.Index(fields=["section", "status", "kind", "-agree_count", "-id"], name="contrib_section_idx"),
            models.Index(fields=["parent", "status", "stance"], name="contrib_parent_idx"),
        ]

    def __str__(self) -> str:
        return self.title or f"{self.get_kind_display()} #{self.pk}"

    @property
    def vote_total(self) -> int:
        return self.agree_count + self.mitigated_count + self.disagree_count

    @property
    def author_kind_label(self) -> str:
        from terreau.accounts.models import ParticipantKind

        try:
            return str(ParticipantKind(self.author_kind).label)
        except ValueError:
            return self.author_kind

    @property
    def is_listed(self) -> bool:
        return not self.is_hidden and self.merged_into_id is None

    def get_absolute_url(self) -> str:
        return reverse("consultations:contribution", args=[self.consultation.attached_id, self.pk])


class VoteBase(models.Model):
    choice = models.CharField(_("vote"), max_length=10, choices=Choice.choices)
    origin = models.CharField(_("origine"), max_length=10, choices=Origin.choices, default=Origin.ONLINE)
    offline_source = models.CharField(_("source hors ligne"), max_length=OFFLINE_SOURCE_MAX, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True


class SectionVote(VoteBase):
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("vote sur une section")
        constraints = [
            models.UniqueConstraint(
                fields=["section", "user"], condition=Q(user__isnull=False), name="sectionvote_one_per_user"
            ),
            models.CheckConstraint(condition=Q(choice__in=Choice.values), name="sectionvote_choice_valid"),
            models.CheckConstraint(
                condition=(Q(origin="online") & Q(user__isnull=False)) | (Q(origin="offline") & Q(user__isnull=True)),
                name="sectionvote_origin_consistent",
            ),
        ]
        indexes = [models.Index(fields=["user", "section"], name="sectionvote_user_idx")]

    def __str__(self) -> str:
        return f"{self.choice} — {self.section_id}"


class ContributionVote(VoteBase):
    contribution = models.ForeignKey(Contribution, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("vote sur une contribution")
        constraints = [
            models.UniqueConstraint(
                fields=["contribution", "user"], condition=Q(user__isnull=False), name="contributionvote_one_per_user"
            ),
            models.CheckConstraint(condition=Q(choice__in=Choice.values), name="contributionvote_choice_valid"),
            models.CheckConstraint(
                condition=(Q(origin="online") & Q(user__isnull=False)) | (Q(origin="offline") & Q(user__isnull=True)),
                name="contributionvote_origin_consistent",
            ),
        ]
        indexes = [models.Index(fields=["user", "contribution"], name="contributionvote_user_idx")]

    def __str__(self) -> str:
        return f"{self.choice} — {self.contribution_id}"


class Source(models.Model):
    contribution = models.ForeignKey(Contribution, on_delete=models.CASCADE, related_name="sources")
    url = models.URLField(_("adresse (URL)"), max_length=500)
    title = models.CharField(_("titre"), max_length=TITLE_MAX)
    kind = models.CharField(_("type de source"), max_length=10, choices=SourceKind.choices)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("source")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=SourceKind.values), name="source_kind_valid"),
            models.UniqueConstraint(fields=["contribution", "url"], name="source_unique_url"),
        ]

    def __str__(self) -> str:
        return self.title


class Answer(models.Model):
    """The institution's answer to one contribution. Published once; never rewritten."""

    contribution = models.OneToOneField(Contribution, on_delete=models.CASCADE, related_name="answer")
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="answers")
    verdict = models.CharField(_("décision"), max_length=20, choices=Verdict.choices)
    explanation = models.TextField(_("explication"), max_length=EXPLANATION_MAX)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(_("répondu le"), default=timezone.now)

    class Meta:
        verbose_name = _("réponse à une contribution")
        ordering = ["-answered_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(verdict__in=Verdict.values), name="answer_verdict_valid"),
            models.CheckConstraint(condition=GreaterThan(Length("explanation"), 0), name="answer_explanation_nonempty"),
        ]
        indexes = [models.Index(fields=["consultation", "-answered_at", "-id"], name="answer_list_idx")]

    def __str__(self) -> str:
        return f"{self.get_verdict_display()} — {self.contribution}"
