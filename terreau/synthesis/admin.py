from django.contrib import admin

from terreau.synthesis.models import Member, Synthesis, SynthesisRun, Theme


class ThemeInline(admin.TabularInline):
    model = Theme
    fields = ("key", "label", "n_contributions", "n_authors", "edited")
    readonly_fields = ("key", "n_contributions", "n_authors", "edited")
    extra = 0
    show_change_link = True


@admin.register(Synthesis)
class SynthesisAdmin(admin.ModelAdmin):
    list_display = ("id", "source", "content_type", "object_id", "state", "computed_at", "published_at")
    list_filter = ("state", "source")
    readonly_fields = ("data", "edit_log", "computed_at", "contribution_count", "assigned_count", "published_by")
    inlines = [ThemeInline]


@admin.register(SynthesisRun)
class SynthesisRunAdmin(admin.ModelAdmin):
    list_display = ("id", "synthesis", "status", "trigger", "n_contributions", "created_at", "finished_at")
    list_filter = ("status", "trigger")
    readonly_fields = ("steps", "error")


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ("key", "label", "synthesis", "n_contributions", "n_authors", "edited")
    search_fields = ("label",)


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = ("contribution_id", "synthesis", "theme", "campaign", "departement", "assigned_by")
    list_filter = ("assigned_by",)
    raw_id_fields = ("theme", "subtheme")
