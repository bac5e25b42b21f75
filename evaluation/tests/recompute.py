"""The independent recomputation the aggregate tests compare with: plain Python over the raw
TraineeRating and OrgRating rows, nothing from evaluation.services."""

from datetime import datetime
from fractions import Fraction

import pytest

from courses.models import Course
from evaluation.models import OrgRating, SessionScore, TraineeRating
from lecturers.models import Lecturer
from orgs.models import CountySettings, OrgScore


def expected_scores(sums: list[int]) -> set[float]:
    """The 2-decimal mean of (a+b+c)/3 over the rows; both neighbours when the exact mean
    lies on half a hundredth, where either rounding is honest."""
    exact = Fraction(sum(sums), 3 * len(sums))
    cents = exact * 100
    if cents.denominator == 2:
        below = cents.numerator // 2
        return {below / 100, (below + 1) / 100}
    return {round(float(exact), 2)}


def check(stored, sums: list[int], rules: CountySettings, label: str) -> None:
    assert stored.rating_count == len(sums), label
    if not sums:
        assert stored.score is None and stored.star is None, label
        return
    candidates = expected_scores(sums)
    assert any(stored.score == pytest.approx(c, abs=1e-9) for c in candidates), (
        label, stored.score, candidates,
    )  # fmt: skip
    assert stored.star in {rules.star_for(c) for c in candidates}, label
    assert stored.star == rules.star_for(stored.score), label


# The SessionScore field of each score band, by the tens of a rating's mean score (below 60
# one band, 100 with the 90s).
BAND_BY_TENS = {
    5: "band_0_59", 6: "band_60_69", 7: "band_70_79", 8: "band_80_89", 9: "band_90_100",
}  # fmt: skip
SESSION_TOTALS = ("rating_total", "rating_count", "attendance_count", *BAND_BY_TENS.values())


def band_field(points: int) -> str:
    """The band of a rating whose three scores sum to `points` (the mean is points / 3)."""
    return BAND_BY_TENS[min(max(points // 30, 5), 9)]


def assert_aggregates_match_the_rows() -> None:
    counted: dict[tuple[str, int], list[int]] = {}
    commented: dict[int, list[TraineeRating]] = {}
    # A session's points, ratings and attendances, then its ratings in each band.
    sessions: dict[int, dict[str, int]] = {}
    for r in TraineeRating.objects.select_related("booking"):
        if r.is_flagged:
            continue
        session = sessions.setdefault(r.booking_id, dict.fromkeys(SESSION_TOTALS, 0))
        session["attendance_count"] += 1
        if r.rated_at is None:
            continue
        total = r.content + r.method + r.effect
        session["rating_total"] += total
        session["rating_count"] += 1
        session[band_field(total)] += 1
        counted.setdefault(("lecturer", r.booking.lecturer_id), []).append(total)
        counted.setdefault(("course", r.booking.course_id), []).append(total)
        if r.comment:
            commented.setdefault(r.booking.lecturer_id, []).append(r)
    for lecturer in Lecturer.objects.all():
        rules = CountySettings.for_county(lecturer.county_id)
        check(lecturer, counted.get(("lecturer", lecturer.pk), []), rules, f"lecturer {lecturer}")
        newest = sorted(commented.get(lecturer.pk, []), key=lambda r: (r.rated_at, r.pk))[::-1][:3]
        assert [
            (e["id"], e["comment"], datetime.fromisoformat(e["rated_at"]), e["overall"])
            for e in lecturer.latest_comments
        ] == [
            (r.pk, r.comment, r.rated_at, round((r.content + r.method + r.effect) / 3, 2))
            for r in newest
        ], f"latest comments of {lecturer}"
    for course in Course.objects.all():
        rules = CountySettings.for_county(course.county_id)
        check(course, counted.get(("course", course.pk), []), rules, f"course {course}")

    stored = {
        s["booking_id"]: {field: s[field] for field in SESSION_TOTALS}
        for s in SessionScore.objects.values("booking_id", *SESSION_TOTALS)
    }
    assert {pk: t for pk, t in stored.items() if any(t.values())} == sessions, "session totals"

    by_org: dict[int, list[int]] = {}
    county_of: dict[int, int] = {}
    for o in OrgRating.objects.select_related("booking"):
        by_org.setdefault(o.booking.org_id, []).append(o.performance + o.discipline + o.engagement)
        county_of[o.booking.org_id] = o.booking.county_id
    scores = {s.org_id: s for s in OrgScore.objects.all()}
    assert set(scores) == set(by_org)
    for org_id, sums in by_org.items():
        rules = CountySettings.for_county(county_of[org_id])
        check(scores[org_id], sums, rules, f"org {org_id}")
