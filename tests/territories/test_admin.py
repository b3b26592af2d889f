import pytest
from django.contrib import admin

from terreau.territories.models import Commune, Departement, Region

pytestmark = pytest.mark.django_db


def test_models_are_registered_read_only(rf, admin_user):
    request = rf.get("/admin/")
    request.user = admin_user
    for model in (Region, Departement, Commune):
        model_admin = admin.site._registry[model]
        assert model_admin.has_view_permission(request)
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request)
        assert not model_admin.has_delete_permission(request)
        assert model_admin.search_fields


@pytest.mark.parametrize(("term", "code"), [("Saint-Étienne", "42218"), ("saint etienne", "42218"), ("2a004", "2A004")])
def test_commune_search_is_accent_insensitive(rf, term, code):
    model_admin = admin.site._registry[Commune]
    results, may_have_duplicates = model_admin.get_search_results(rf.get("/"), Commune.objects.all(), term)
    assert code in set(results.values_list("code", flat=True))
    assert not may_have_duplicates


def test_commune_search_by_postcode(rf):
    model_admin = admin.site._registry[Commune]
    results, _ = model_admin.get_search_results(rf.get("/"), Commune.objects.all(), "69003")
    assert "69123" in set(results.values_list("code", flat=True))
