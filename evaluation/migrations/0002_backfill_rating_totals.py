"""Fill the new running totals of lecturers and courses from the counted ratings, with the
count from the same rows (a count left one short by a lost update would otherwise break
the total's check constraint)."""

from django.db import migrations
from django.db.models import Count, F, Sum


def backfill(apps, schema_editor):
    counted = apps.get_model("evaluation", "TraineeRating").objects.filter(
        rated_at__isnull=False, is_flagged=False
    )
    for model, key in (
        (apps.get_model("lecturers", "Lecturer"), "booking__lecturer_id"),
        (apps.get_model("courses", "Course"), "booking__course_id"),
    ):
        totals = counted.values(key).annotate(
            total=Sum(F("content") + F("method") + F("effect")), n=Count("id")
        )
        for row in totals.order_by():
            model.objects.filter(pk=row[key]).update(rating_total=row["total"], rating_count=row["n"])


class Migration(migrations.Migration):
    dependencies = [
        ("evaluation", "0001_initial"),
        ("courses", "0003_rating_total"),
        ("lecturers", "0003_rating_total"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
