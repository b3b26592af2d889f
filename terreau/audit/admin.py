from django.contrib import admin

from terreau.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: events are appended by services.record_event() and never changed."""

    list_display = ("sequence", "created_at", "kind", "actor", "target_type", "target_id")
    list_filter = ("kind",)
    search_fields = ("=kind", "=actor", "=target_id", "=hash")
    ordering = ("-sequence",)
    readonly_fields = (
        "sequence",
        "created_at",
        "kind",
        "actor",
        "target_type",
        "target_id",
        "data",
        "prev_hash",
        "hash",
    )
    actions = None

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
