"""Each rating carries its session's county (issue 18): the held ratings are counted and
listed per county from an index of their own, not by reading every held rating of a province.
The stored ratings get theirs from their sessions in one statement, before the column
becomes required."""

import django.db.models.deletion
from django.db import migrations, models

BACKFILL = """
UPDATE evaluation_traineerating SET county_id = (
    SELECT scheduling_booking.county_id FROM scheduling_booking
    WHERE scheduling_booking.id = evaluation_traineerating.booking_id
)
"""


class Migration(migrations.Migration):
    dependencies = [
        ("evaluation", "0010_rating_held_index"),
        ("orgs", "0001_initial"),
        ("scheduling", "0006_booking_lecturer_busy_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="traineerating",
            name="county",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="orgs.organisation",
            ),
        ),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop, elidable=False),
        migrations.AlterField(
            model_name="traineerating",
            name="county",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                editable=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="orgs.organisation",
            ),
        ),
        migrations.RemoveIndex(model_name="traineerating", name="rating_held"),
        migrations.AddIndex(
            model_name="traineerating",
            index=models.Index(
                condition=models.Q(("is_flagged", True)),
                fields=["county", "rated_at", "id"],
                name="rating_held_in_county",
            ),
        ),
    ]
