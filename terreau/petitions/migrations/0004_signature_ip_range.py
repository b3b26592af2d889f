from django.db import migrations, models


def fill_ip_range(apps, schema_editor):
    """Existing signatures: their /24 or /48, in batches (the cluster job groups by it)."""
    from terreau.petitions.fraud import ip_range

    Signature = apps.get_model("petitions", "Signature")
    rows = Signature.objects.exclude(ip=None).filter(ip_range="").values_list("pk", "ip")
    batch: dict[str, list[int]] = {}
    for n, (pk, ip) in enumerate(rows.iterator(chunk_size=5000), start=1):
        batch.setdefault(ip_range(str(ip)), []).append(pk)
        if n % 5000 == 0:
            for network, pks in batch.items():
                Signature.objects.filter(pk__in=pks).update(ip_range=network)
            batch = {}
    for network, pks in batch.items():
        Signature.objects.filter(pk__in=pks).update(ip_range=network)


class Migration(migrations.Migration):
    dependencies = [("petitions", "0003_status_label")]

    operations = [
        migrations.AddField(
            model_name="signature",
            name="ip_range",
            field=models.CharField(blank=True, default="", max_length=50),
        ),
        migrations.RunPython(fill_ip_range, migrations.RunPython.noop),
    ]
