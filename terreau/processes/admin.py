from django.contrib import admin

from terreau.processes.models import (
    Institution,
    InstitutionAnswer,
    Membership,
    ParticipationContract,
    Phase,
    Process,
    ProcessModule,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "slug"]
    list_filter = ["kind"]
    search_fields = ["name", "slug"]
    raw_id_fields = ["region", "departement", "commune"]
    inlines = [MembershipInline]


class PhaseInline(admin.TabularInline):
    model = Phase
    extra = 0


class ContractInline(admin.StackedInline):
    model = ParticipationContract
    extra = 0


class ModuleInline(admin.TabularInline):
    model = ProcessModule
    extra = 0


@admin.register(Process)
class ProcessAdmin(admin.ModelAdmin):
    list_display = ["title", "institution", "status", "scope_level", "published_at"]
    list_filter = ["status", "scope_level", "institution"]
    search_fields = ["title", "summary", "slug"]
    raw_id_fields = ["scope_region", "scope_departement", "scope_commune", "created_by"]
    inlines = [ContractInline, PhaseInline, ModuleInline]


@admin.register(InstitutionAnswer)
class InstitutionAnswerAdmin(admin.ModelAdmin):
    list_display = ["process", "published_at"]
    raw_id_fields = ["process", "published_by"]
