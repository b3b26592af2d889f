from django.contrib import admin

from terreau.discussions.models import Comment


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    """Read-only: comments are written by participants and moderated through moderation.services."""

    list_display = ("id", "institution", "process", "content_type", "author", "depth", "status", "created_at")
    list_filter = ("status", "depth", "content_type")
    search_fields = ("body",)
    list_select_related = ("institution", "process", "content_type", "author")
    raw_id_fields = ("institution", "process", "parent", "thread", "author", "hidden_by")
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
