"""Fixtures for the territories tests. The geography itself comes from the data migration."""

import pytest
from django import forms

from terreau.territories.forms import CommuneField
from terreau.territories.models import Commune


class PickerForm(forms.Form):
    """A host form as other apps write them: a required commune and another field."""

    title = forms.CharField(label="Titre", required=False)
    commune = CommuneField(label="Commune de résidence")


class OptionalPickerForm(forms.Form):
    commune = CommuneField(label="Commune", required=False)


@pytest.fixture
def lyon(db) -> Commune:
    return Commune.objects.get(pk="69123")


@pytest.fixture
def paris(db) -> Commune:
    return Commune.objects.get(pk="75056")
