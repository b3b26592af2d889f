from django.contrib import admin

from terreau.consultations.models import (
    Answer,
    Consultation,
    Contribution,
    ContributionVote,
    Section,
    SectionVote,
    Source,
    TextVersion,
)


@admin.register(Consultation)
class ConsultationAdmin(admin.ModelAdmin):
    list_display = ["text_title", "attached", "created_at"]
    raw_id_fields = ["attached"]


@admin.register(TextVersion)
class TextVersionAdmin(admin.ModelAdmin):
    list_display = ["consultation", "number", "published_at"]
    raw_id_fields = ["consultation", "published_by"]


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["label", "version", "kind", "position", "agree_count", "mitigated_count", "disagree_count"]
    list_filter = ["kind"]
    raw_id_fields = ["version", "consultation", "parent", "previous", "led_by"]
    # Counters are kept exact by the vote services only.
    readonly_fields = ["agree_count", "mitigated_count", "disagree_count"]


@admin.register(Contribution)
class ContributionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "consultation", "author_kind", "status", "agree_count", "created_at"]
    list_filter = ["kind", "status", "origin"]
    search_fields = ["title", "body"]
    raw_id_fields = [
        "consultation",
        "section",
        "parent",
        "author",
        "commune",
        "departement",
        "coauthors",
        "entered_by",
        "merged_into",
        "hidden_by",
    ]
    readonly_fields = ["agree_count", "mitigated_count", "disagree_count", "contested", "answer_verdict"]

    def save_model(self, request, obj, form, change) -> None:
        """A status or merge edited here changes what is listed: keep the section counters exact."""
        from terreau.consultations.services import recount_sections

        before = Contribution.objects.filter(pk=obj.pk).values_list("section_id", flat=True).first()
        super().save_model(request, obj, form, change)
        recount_sections([obj.section_id, before])


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "url", "contribution"]
    raw_id_fields = ["contribution", "added_by"]


@admin.register(Answer)
class AnswerAdmin(admin.ModelAdmin):
    list_display = ["contribution", "verdict", "answered_at"]
    raw_id_fields = ["contribution", "consultation", "answered_by"]

    def has_change_permission(self, request, obj=None) -> bool:
        # A published answer is never rewritten (it is in the audit log).
        return obj is None and super().has_change_permission(request, obj)


for vote_model in (SectionVote, ContributionVote):
    admin.site.register(
        vote_model, list_display=["pk", "choice", "origin", "created_at"], raw_id_fields=["user", "entered_by"]
    )
