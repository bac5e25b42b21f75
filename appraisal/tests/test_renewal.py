"""Renewal (续聘): the list puts 好 first and flags the doubtful; renewing extends the term and
issues the next certificate number of the sequence the first appointments share."""

from datetime import timedelta

import pytest
from django.utils import timezone

from appraisal.outcomes import services as outcomes
from appraisal.renewal import services as renewal
from core.errors import InvalidInput
from core.models import AuditLog
from lecturers.certificates import add_years, certificate_issue, issuer_of
from lecturers.models import AppointmentCertificate, CertificateKind, Lecturer
from notifications.models import Event, InboxMessage

from .fixture import build_year
from .test_outcomes import published


@pytest.fixture
def ending(world):
    """The appraised year published with its outcomes applied, and every term in the county
    ending in a month."""
    year = build_year(world)
    published(world, year.year)
    outcomes.appraisal_outcomes_apply(actor=world.county_admin, year=year.year)
    until = timezone.localdate() + timedelta(days=30)
    Lecturer.objects.filter(county=world.county).update(
        appointed_from=add_years(until, -3), appointed_until=until
    )
    year.until = until
    return year


def rows_of(page: str) -> list[tuple[int, str]]:
    import re

    return [
        (int(pk), flags)
        for pk, flags in re.findall(
            r'data-testid="renewal-row" data-id="(\d+)" data-flags="([^"]*)"', page
        )
    ]


def test_the_list_puts_excellent_first_and_flags_the_doubtful(world, ending, login):
    page = login(world.county_admin).get("/appraisals/renewal/").content.decode()
    rows = rows_of(page)
    assert rows[0] == (ending.excellent.pk, "")
    flags = dict(rows)
    assert flags[ending.poor.pk] == "poor cold_store"  # graded 差, in cold store since
    assert flags[world.zhang.pk] == "inactive"  # no session in the last year
    assert world.candidate.pk not in flags and world.lecturer_b.pk not in flags
    assert rows[-1][0] == ending.poor.pk  # 差 last
    # the flagged are left unticked
    assert f'value="{ending.poor.pk}">' in page and f'value="{ending.excellent.pk}" checked' in page
    later = (
        login(world.county_admin).get("/appraisals/renewal/?ends_by=2000-01-01").content.decode()
    )
    assert rows_of(later) == []


def test_renewing_extends_the_term_and_numbers_the_certificates(world, ending, login):
    client = login(world.county_admin)
    response = client.post(
        "/appraisals/renewal/",
        {"lecturers": [ending.excellent.pk, ending.tie.pk], "years": "3"},
    )
    assert response.status_code == 302
    ending.excellent.refresh_from_db()
    assert ending.excellent.appointed_until == add_years(ending.until + timedelta(days=1), 3) - timedelta(days=1)  # fmt: skip
    assert ending.excellent.appointed_from == add_years(ending.until, -3)  # the term runs on
    start_year = (ending.until + timedelta(days=1)).year
    numbers = list(AppointmentCertificate.objects.order_by("seq").values_list("number", "kind"))
    assert numbers == [
        (f"甲县讲字〔{start_year}〕第001号", CertificateKind.RENEWAL),
        (f"甲县讲字〔{start_year}〕第002号", CertificateKind.RENEWAL),
    ]
    assert AuditLog.objects.filter(action="lecturer.renew").count() == 2
    assert InboxMessage.objects.filter(recipient=ending.excellent.user, event=Event.TERM_RENEWED).exists()  # fmt: skip
    # the next appointment of the same issuer and year takes the next number
    lecturer = ending.no_course
    nxt = certificate_issue(
        lecturer=lecturer,
        issuer=issuer_of(lecturer),
        start=ending.until + timedelta(days=1),
        until=ending.until + timedelta(days=400),
        kind=CertificateKind.APPOINTMENT,
    )
    assert nxt.number == f"甲县讲字〔{start_year}〕第003号"


def test_a_town_lecturer_is_renewed_by_the_town(world, login):
    Lecturer.objects.filter(pk=world.li.pk).update(appointed_until=timezone.localdate() - timedelta(days=5))  # fmt: skip
    [certificate] = renewal.lecturers_renew(
        actor=world.county_admin, lecturer_ids=[world.li.pk], years=2
    )
    world.li.refresh_from_db()
    today = timezone.localdate()
    assert (world.li.appointed_from, world.li.appointed_until) == (today, add_years(today, 2) - timedelta(days=1))  # fmt: skip
    assert certificate.issuer == world.other_town
    assert certificate.number == f"甲县西镇讲字〔{today.year}〕第001号"


@pytest.mark.parametrize(
    "data, field",
    [
        ({"years": "0"}, "years"),
        ({"years": "11"}, "years"),
        ({"years": "三"}, "years"),
        ({"lecturers": []}, "lecturers"),
    ],
)
def test_bad_renewals_are_refused(world, ending, login, data, field):
    body = {"lecturers": [ending.excellent.pk], "years": "3", **data}
    response = login(world.county_admin).post("/appraisals/renewal/", body)
    assert (
        response.status_code == 422 and 'data-testid="renewal-error"' in response.content.decode()
    )
    with pytest.raises(InvalidInput) as refused:
        renewal.lecturers_renew(actor=world.county_admin, lecturer_ids=body["lecturers"], years=body["years"])  # fmt: skip
    assert field in refused.value.fields
    assert not AppointmentCertificate.objects.exists()


def test_a_cold_stored_lecturer_refuses_the_whole_batch(world, ending, login):
    response = login(world.county_admin).post(
        "/appraisals/renewal/", {"lecturers": [ending.excellent.pk, ending.poor.pk], "years": "3"}
    )
    assert response.status_code == 422
    assert ending.poor.name in response.content.decode()
    ending.excellent.refresh_from_db()
    assert ending.excellent.appointed_until == ending.until
    assert not AppointmentCertificate.objects.exists()


def test_only_the_county_admin_renews_its_own(world, ending, login, client):
    for who in (world.town_admin, world.secretary, world.lecturer):
        assert login(who).get("/appraisals/renewal/").status_code == 403
        assert login(who).post("/appraisals/renewal/", {"lecturers": [ending.excellent.pk], "years": "3"}).status_code == 403  # fmt: skip
    outsider = login(world.outsider)
    assert rows_of(outsider.get("/appraisals/renewal/").content.decode()) == [
        (world.lecturer_b.pk, "inactive")
    ]
    assert outsider.post("/appraisals/renewal/", {"lecturers": [ending.excellent.pk], "years": "3"}).status_code == 422  # fmt: skip
    client.logout()
    assert client.get("/appraisals/renewal/").status_code == 302
    assert not AppointmentCertificate.objects.exists()
