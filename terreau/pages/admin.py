from django.contrib import admin

from terreau.pages.models import Page


@admin.register(Page)
class PageAdmin(admin.ModelAdmin):
    list_display = ["attached", "updated_at"]
    raw_id_fields = ["attached"]
