from django.db import migrations, models

# Every session's counted ratings (rated, not held) by score band, from the ratings, in one
# pass over them in SQL that reads the same on SQLite and PostgreSQL. The statement reads the
# session's other totals too, so that a session without a score row (none should lack one)
# gets a whole row; a row that exists has only its bands set. The bands by the sum of the
# three scores, as evaluation.models.RATING_BANDS had them here.
POINTS = "r.content + r.method + r.effect"
COUNTED = "r.rated_at IS NOT NULL"  # of the ratings not held, below
BANDS = [
    ("band_0_59", f"{POINTS} < 180"),
    ("band_60_69", f"{POINTS} >= 180 AND {POINTS} < 210"),
    ("band_70_79", f"{POINTS} >= 210 AND {POINTS} < 240"),
    ("band_80_89", f"{POINTS} >= 240 AND {POINTS} < 270"),
    ("band_90_100", f"{POINTS} >= 270"),
]
BACKFILL = (
    "INSERT INTO evaluation_sessionscore (booking_id, rating_total, rating_count, "
    f"attendance_count, {', '.join(field for field, _band in BANDS)}) "
    f"SELECT r.booking_id, COALESCE(SUM(CASE WHEN {COUNTED} THEN {POINTS} END), 0), "
    f"SUM(CASE WHEN {COUNTED} THEN 1 ELSE 0 END), COUNT(*), "
    + ", ".join(f"SUM(CASE WHEN {COUNTED} AND {band} THEN 1 ELSE 0 END)" for _field, band in BANDS)
    + " FROM evaluation_traineerating r WHERE NOT r.is_flagged GROUP BY r.booking_id "
    "ON CONFLICT (booking_id) DO UPDATE SET "
    + ", ".join(f"{field} = excluded.{field}" for field, _band in BANDS)
)


class Migration(migrations.Migration):

    dependencies = [
        ('evaluation', '0008_session_attendance_count'),
    ]

    operations = [
        migrations.AddField(
            model_name='sessionscore',
            name='band_0_59',
            field=models.PositiveIntegerField(db_default=0, default=0),
        ),
        migrations.AddField(
            model_name='sessionscore',
            name='band_60_69',
            field=models.PositiveIntegerField(db_default=0, default=0),
        ),
        migrations.AddField(
            model_name='sessionscore',
            name='band_70_79',
            field=models.PositiveIntegerField(db_default=0, default=0),
        ),
        migrations.AddField(
            model_name='sessionscore',
            name='band_80_89',
            field=models.PositiveIntegerField(db_default=0, default=0),
        ),
        migrations.AddField(
            model_name='sessionscore',
            name='band_90_100',
            field=models.PositiveIntegerField(db_default=0, default=0),
        ),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
    ]
