from django.db import migrations, models


def create_row(apps, schema_editor):
    apps.get_model("receipts", "PublicDataVersion").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("receipts", "0002_drop_fk_indexes_covered_by_composites")]

    operations = [
        migrations.CreateModel(
            name="PublicDataVersion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("value", models.BigIntegerField(default=0)),
            ],
            options={"verbose_name": "versi data publik"},
        ),
        migrations.RunPython(create_row, migrations.RunPython.noop),
    ]
