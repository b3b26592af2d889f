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

    def _answered(self, obj) -> bool:
        return obj is not None and InstitutionAnswer.objects.filter(process=obj).exists()

    def get_readonly_fields(self, request, obj=None):
        # Frozen once the answer is published, as in services.save_contract (SECURITY.md #6).
        if self._answered(obj):
            return [f.name for f in ParticipationContract._meta.fields]
        return super().get_readonly_fields(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._answered(obj) and super().has_delete_permission(request, obj)


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
    """Read-only: an answer is published (and audited) through services.publish_answer; its text
    and date must not change afterwards, nor can it be removed to be published again."""

    list_display = ["process", "published_at"]
    raw_id_fields = ["process", "published_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
