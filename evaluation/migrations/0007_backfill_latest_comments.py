from django.db import migrations


def backfill(apps, schema_editor):
    """Every lecturer's latest comments from the counted ratings, in one ordered pass."""
    from evaluation.services import LATEST_COMMENTS, comment_entry

    Lecturer = apps.get_model("lecturers", "Lecturer")
    rows = (
        apps.get_model("evaluation", "TraineeRating")
        .objects.filter(rated_at__isnull=False, is_flagged=False)
        .exclude(comment="")
        .order_by("booking__lecturer_id", "-rated_at", "-id")
        .values_list("booking__lecturer_id", "pk", "comment", "rated_at", "content", "method", "effect")
    )
    latest = {}
    for lecturer_id, pk, comment, rated_at, content, method, effect in rows.iterator(chunk_size=5000):
        kept = latest.setdefault(lecturer_id, [])
        if len(kept) < LATEST_COMMENTS:
            kept.append(comment_entry(pk, comment, rated_at, content + method + effect))
    Lecturer.objects.bulk_update(
        [Lecturer(pk=pk, latest_comments=entries) for pk, entries in latest.items()],
        ["latest_comments"],
        batch_size=500,
    )


class Migration(migrations.Migration):

    dependencies = [
        ("evaluation", "0006_session_score"),
        ("lecturers", "0006_latest_comments"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
