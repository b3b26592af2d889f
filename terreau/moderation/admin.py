from django.contrib import admin

from terreau.moderation.models import Block, Decision, Report


class ReadOnlyAdmin(admin.ModelAdmin):
    """Moderation writes go through moderation.services (permissions, log, audit): read-only here."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    list_display = ("id", "institution", "content_type", "object_id", "reason", "status", "created_at")
    list_filter = ("status", "reason", "institution")
    list_select_related = ("institution", "content_type")


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "institution", "action", "reason", "actor")
    list_filter = ("action", "reason", "institution")
    list_select_related = ("institution", "actor")


@admin.register(Block)
class BlockAdmin(ReadOnlyAdmin):
    list_display = ("user", "institution", "reason", "created_at", "lifted_at")
    list_filter = ("institution", "reason")
    list_select_related = ("institution", "user")
