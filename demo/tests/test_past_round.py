"""The demo county with a past holds its 考核激励办法 and last year's published 精品课 round."""

import pytest
from django.utils import timezone

from appraisal.competition.selectors import conflict_of, ranking, units_of
from appraisal.models import Competition, Regulation, RegulationKind, RoundStatus, Score
from courses.models import CourseHonour
from demo.demo import seed_demo
from lecturers.models import HonourTitle, LecturerHonour
from notifications.models import InboxMessage, OutboxMessage

pytestmark = pytest.mark.django_db


def test_the_demo_publishes_its_rules_in_two_versions():
    result = seed_demo(history_days=20)
    docs = list(
        Regulation.objects.filter(county=result.county, kind=RegulationKind.APPRAISAL).order_by(
            "version"
        )
    )
    assert [d.version for d in docs] == [1, 2]
    last_year = timezone.localdate().year - 1
    assert docs[0].effective_from.year == last_year - 1
    assert docs[1].effective_from.isoformat() == f"{last_year + 1}-01-01"
    assert docs[0].published_at < docs[1].published_at < timezone.now()
    assert "考核结果分为好、较好、一般、差四个等次" in docs[0].body
    assert "精品课" not in docs[0].body and "三优先" in docs[1].body
    assert docs[1].body.splitlines()[-1].startswith("第八条")


def test_the_demo_holds_last_years_published_quality_course_round():
    result = seed_demo(history_days=20)
    round_ = Competition.objects.get(county=result.county)
    last_year = timezone.localdate().year - 1
    assert round_.year == last_year and round_.status == RoundStatus.PUBLISHED
    assert round_.published_at.year == last_year
    entries = list(round_.entries.select_related("lecturer", "course"))
    judges = list(round_.judges.select_related("user"))
    criteria = round_.criteria.count()
    assert 3 <= len(entries) <= 5 and len(judges) == 3 and criteria >= 1
    # Every judge scored every entry on every criterion, and none judged their own or their
    # unit's entry.
    assert Score.objects.filter(entry__competition=round_).count() == (
        len(entries) * len(judges) * criteria
    )
    for judge in judges:
        units = units_of(judge.user)
        assert all(conflict_of(units, entry) == "" for entry in entries)
    # The stored ranking is the one the scores give; the winners are honoured.
    rows = ranking(round_)
    assert sorted((r.entry.pk, r.rank, r.winner) for r in rows) == sorted(
        (e.pk, e.rank, e.is_winner) for e in entries
    )
    winners = [e for e in entries if e.is_winner]
    assert len(winners) == round_.winners == result.history["quality_courses"]
    for entry in winners:
        assert CourseHonour.objects.filter(
            course=entry.course, title=HonourTitle.QUALITY_COURSE, year=last_year
        ).exists()
        assert LecturerHonour.objects.filter(
            lecturer=entry.lecturer, title=HonourTitle.QUALITY_COURSE, year=last_year
        ).exists()
    losers = [e for e in entries if not e.is_winner]
    assert not CourseHonour.objects.filter(
        course__in=[e.course for e in losers], title=HonourTitle.QUALITY_COURSE
    ).exists()


def test_the_past_round_tells_nobody_anything_new(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        seed_demo(history_days=20)
    round_ = Competition.objects.get()
    told = InboxMessage.objects.filter(url=f"/appraisals/competitions/{round_.pk}/results/")
    assert told.count() == round_.entries.count()
    assert not told.filter(read_at__isnull=True).exists()
    assert not OutboxMessage.objects.exists()
