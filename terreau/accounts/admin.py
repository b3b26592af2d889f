from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from terreau.accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "display_name", "kind", "is_staff", "is_active", "organisation_verified_at"]
    list_filter = ["kind", "is_staff", "is_superuser", "is_active"]
    search_fields = ["email", "display_name"]
    raw_id_fields = ["commune", "organisation_verified_by"]
    readonly_fields = ["last_login", "date_joined", "deleted_at"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (
            _("Profil"),
            {"fields": ["display_name", "kind", "commune", "organisation_verified_at", "organisation_verified_by"]},
        ),
        (_("Droits"), {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined", "deleted_at"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "display_name", "kind", "password1", "password2"]})
    ]
