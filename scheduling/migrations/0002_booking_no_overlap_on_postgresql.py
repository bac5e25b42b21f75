"""On PostgreSQL the database itself refuses overlapping confirmed bookings of one lecturer.

Not expressed in the model's Meta because SQLite has no exclusion constraints; there the
accepting service holds the rule inside its IMMEDIATE transaction.
"""

from django.db import migrations

CONSTRAINT = "booking_confirmed_no_overlap"


def add_constraint(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    schema_editor.execute(
        f"ALTER TABLE scheduling_booking ADD CONSTRAINT {CONSTRAINT} EXCLUDE USING gist "
        "(lecturer_id WITH =, tstzrange(start_at, end_at, '[)') WITH &&) WHERE (status = 'confirmed')"
    )


def drop_constraint(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE scheduling_booking DROP CONSTRAINT IF EXISTS {CONSTRAINT}")


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0001_initial")]

    operations = [migrations.RunPython(add_constraint, drop_constraint)]
