"""Load the shipped geography (terreau/territories/data/territories.json.gz).

Fresh installs and test databases get the 18 régions, 101 départements and ~35,000
communes on `migrate`. Later updates of the file are applied with
`manage.py load_territories`, not by a new migration.
"""

from django.db import migrations


def load(apps, schema_editor):
    from terreau.territories.loading import load_geography, read_geography

    load_geography(
        read_geography(),
        region_model=apps.get_model("territories", "Region"),
        departement_model=apps.get_model("territories", "Departement"),
        commune_model=apps.get_model("territories", "Commune"),
        using=schema_editor.connection.alias,
    )


class Migration(migrations.Migration):

    dependencies = [
        ("territories", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(load, migrations.RunPython.noop),
    ]
