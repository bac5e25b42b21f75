"""The certificates issued so far join the shared sequence of lecturers.AppointmentCertificate,
so that the next appointment or renewal takes the number after them."""

from django.db import migrations


def copy_certificates(apps, schema_editor):
    Nomination = apps.get_model("development", "Nomination")
    AppointmentCertificate = apps.get_model("lecturers", "AppointmentCertificate")
    issued = (
        Nomination.objects.exclude(certificate_no="")
        .filter(lecturer__isnull=False)
        .select_related("call")
    )
    AppointmentCertificate.objects.bulk_create(
        [
            AppointmentCertificate(
                county_id=n.county_id,
                issuer_id=n.call.org_id,
                lecturer_id=n.lecturer_id,
                kind="appointment",
                year=n.certificate_year,
                seq=n.certificate_seq,
                number=n.certificate_no,
                appointed_from=n.appointed_from,
                appointed_until=n.appointed_until,
            )
            for n in issued
        ],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("development", "0001_calls_nominations_reviews"),
        ("lecturers", "0005_appointment_certificates"),
    ]

    operations = [migrations.RunPython(copy_certificates, migrations.RunPython.noop)]
