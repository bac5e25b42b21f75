from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("lecturers", "0006_latest_comments"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="lecturer",
            index=models.Index(fields=["county", "updated_at"], name="lecturer_county_updated"),
        ),
    ]
