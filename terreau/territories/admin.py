"""Geography is loaded from the shipped data file: the admin only shows and searches it."""

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from terreau.territories.models import Commune, Departement, Region
from terreau.territories.text import normalize_name


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewable and searchable (also by autocomplete widgets); changed by `load_territories` only."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Region)
class RegionAdmin(ReadOnlyAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(Departement)
class DepartementAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "region"]
    list_filter = ["region"]
    list_select_related = ["region"]
    search_fields = ["code", "name"]


@admin.register(Commune)
class CommuneAdmin(ReadOnlyAdmin):
    list_display = ["name", "code", "departement", "postcodes", "population"]
    list_select_related = ["departement"]
    search_fields = ["code", "search_name", "postcodes"]
    search_help_text = _("Nom (accents facultatifs), code INSEE ou code postal.")
    ordering = ["search_name"]
    show_full_result_count = False

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Commune], search_term: str
    ) -> tuple[QuerySet[Commune], bool]:
        term = search_term.strip()[:100]
        if not term:
            return queryset, False
        condition = Q(code__iexact=term) | Q(postcodes__contains=term)
        if name := normalize_name(term):
            condition |= Q(search_name__contains=name)
        return queryset.filter(condition), False
