from django.contrib import admin

from terreau.petitions.models import Petition, PetitionType, PetitionUpdate, SignatureInvalidation


@admin.register(PetitionType)
class PetitionTypeAdmin(admin.ModelAdmin):
    list_display = ("name", "institution", "answer_threshold", "answer_days", "escalation_threshold")
    list_filter = ("institution",)


@admin.register(Petition)
class PetitionAdmin(admin.ModelAdmin):
    list_display = ("title", "institution", "status", "signature_count", "published_at")
    list_filter = ("status",)
    search_fields = ("title", "slug")
    # Every state change goes through the services (audit log); the admin only reads them.
    readonly_fields = (
        "slug",
        "author",
        "status",
        "refusal_reason",
        "moderated_by",
        "published_at",
        "closed_at",
        "signature_count",
        "threshold_reached_at",
        "answer_due",
        "escalation_reached_at",
        "answer",
        "answered_at",
        "answered_by",
        "escalated_process",
        "escalated_at",
        "anonymized_at",
    )


@admin.register(PetitionUpdate)
class PetitionUpdateAdmin(admin.ModelAdmin):
    list_display = ("petition", "created_at")


@admin.register(SignatureInvalidation)
class SignatureInvalidationAdmin(admin.ModelAdmin):
    list_display = ("petition", "count", "reason", "created_at")
    readonly_fields = ("petition", "actor", "criteria", "reason", "count", "created_at")
