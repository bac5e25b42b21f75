"""The demo county's written rules and last year's 精品课 competition, made through the
appraisal's own services at the dates they happened (the clock of the replay): the 考核激励办法
in two versions, and one round judged by a panel of three and published, its winners
honoured. Deterministic from the seed's generator; a few dozen statements."""

import random
from datetime import date, datetime, time

from django.utils import timezone

from appraisal.competition.selectors import units_of
from appraisal.competition.services import (
    competition_create,
    competition_move,
    competition_publish,
    entry_add,
    judge_add,
    scores_submit,
)
from appraisal.models import Competition, RegulationKind
from appraisal.regulations.services import regulation_publish
from courses.models import CourseStatus
from lecturers.models import Lecturer, LecturerLevel, LecturerStatus
from notifications.services import replaying_past

from .history import _Clock

ENTRIES = 4
WINNERS = 2

RULES_TITLE = "讲师考核激励办法"
ARTICLES = (
    "为建立讲师队伍能进能出、奖优罚劣的管理机制，根据县委组织部关于加强党员教育培训师资队伍建设的"
    "有关要求，制定本办法。",
    "考核对象为县讲师库在库讲师（含暂停授课讲师），每年度考核一次，考核年度为每年1月1日至12月31日。",
    "年度考核以平台数据为准，主要包括：学员“1+3”评价（内容、方法、效果）、授课组织评价、授课次数、"
    "邀约响应情况和课程开发情况。",
    "考核结果分为好、较好、一般、差四个等次。年内授课不足规定次数的，不评定等次。",
    "年度考核为“好”的讲师，予以通报表扬，在评先评优、课程推荐中优先考虑；考核为“一般”的，由县委"
    "组织部进行提醒谈话；考核为“差”的，暂停授课，限期整改。",
)
ADDED_IN_V2 = (
    "年度精品课评选中获评“精品课”的课程，其讲师在下一年度享受“三优先”：优先推荐邀约、优先安排"
    "外出宣讲、优先参加上级培训。",
    "讲师无正当理由临时取消已确认课程的，在年度考核中按次扣分；一年内累计三次的，年度考核不得评为"
    "“好”。",
)
NUMERALS = "一二三四五六七八九十"


def _text(articles, in_force: str) -> str:
    articles = [*articles, f"本办法由县委组织部负责解释，{in_force}。"]
    return "\n".join(f"第{NUMERALS[n]}条　{a}" for n, a in enumerate(articles))


JUDGE_SOURCES = ("party_school", "expert")


def _at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def publish_rules(*, admin, year: int) -> list:
    """Version 1 of the 考核激励办法 two years back, version 2 (with the 精品课 and late
    cancellations added) in December of `year`, in force from the next 1 January."""
    first = date(year - 1, 3, 1)
    with _Clock(_at(first, 9)):
        v1 = regulation_publish(
            actor=admin, kind=RegulationKind.APPRAISAL, title=RULES_TITLE,
            body=_text(ARTICLES, "自发布之日起施行"), effective_from=first,
        )  # fmt: skip
    with _Clock(_at(date(year, 12, 20), 15)):
        v2 = regulation_publish(
            actor=admin, kind=RegulationKind.APPRAISAL, title=f"{RULES_TITLE}（修订）",
            body=_text(ARTICLES + ADDED_IN_V2, f"自{year + 1}年1月1日起施行"),
            effective_from=date(year + 1, 1, 1),
        )  # fmt: skip
    return [v1, v2]


def _panel(admin, rng: random.Random) -> list:
    """The county administrator and two county-level lecturers of the party school or the
    experts, drawn by the generator."""
    seniors = list(
        Lecturer.objects.filter(
            county_id=admin.county_id, status=LecturerStatus.ACTIVE, level=LecturerLevel.COUNTY,
            source__in=JUDGE_SOURCES, user__is_active=True,
        ).select_related("user").order_by("pk")
    )  # fmt: skip
    return [admin, *(lec.user for lec in rng.sample(seniors, 2))]


def _entrants(admin, judges, rng: random.Random) -> list:
    """Courses of active lecturers who are not on the panel nor of a judge's unit."""
    units = [units_of(user) for user in judges]
    judge_ids = {u.pk for u in judges}
    lecturers = (
        Lecturer.objects.filter(county_id=admin.county_id, status=LecturerStatus.ACTIVE)
        .exclude(user_id__in=judge_ids)
        .exclude(user__isnull=True)
        .order_by("pk")
    )
    fair = [
        lec
        for lec in lecturers
        if not any(
            lec.org_id in u.org_ids or (u.unit and lec.unit.strip() == u.unit) for u in units
        )
    ]
    courses = []
    for lecturer in rng.sample(fair, len(fair)):
        course = lecturer.courses.filter(status=CourseStatus.ACTIVE).order_by("pk").first()
        if course is not None:
            courses.append(course)
        if len(courses) == ENTRIES:
            break
    return courses


def hold_past_round(*, admin, year: int, rng: random.Random) -> Competition:
    """The `year` 精品课 round from its call in September to its publication in November:
    the default criteria, four entries, a panel of three scoring every entry, two winners.
    Inside `replaying_past`: the entrants find the result in their inbox, read."""
    with replaying_past():
        with _Clock(_at(date(year, 9, 1))):
            round_ = competition_create(
                actor=admin, title=f"{year}年度精品课评选", year=year, winners=WINNERS
            )
            judges = _panel(admin, rng)
            for user in judges:
                judge_add(actor=admin, competition_id=round_.pk, user_id=user.pk)
            competition_move(actor=admin, competition_id=round_.pk, to="open")
            entries = [
                entry_add(actor=admin, competition_id=round_.pk, course_id=course.pk)
                for course in _entrants(admin, judges, rng)
            ]
        with _Clock(_at(date(year, 10, 15))):
            competition_move(actor=admin, competition_id=round_.pk, to="judging")
        criteria = list(round_.criteria.order_by("position"))
        # Qualities a step apart and judges who differ a little: a clear order, no tie at the
        # line between the winners and the rest (a tie would honour more than the two).
        steps = rng.sample([0.92, 0.86, 0.80, 0.74, 0.68][: len(entries)], len(entries))
        quality = {entry.pk: step for entry, step in zip(entries, steps, strict=True)}
        for day, judge in enumerate(judges, start=20):
            with _Clock(_at(date(year, 10, day), 16)):
                for entry in entries:
                    points = {
                        c.name: max(0, min(c.max_points, round(
                            c.max_points * (quality[entry.pk] + rng.uniform(-0.015, 0.015))
                        )))
                        for c in criteria
                    }  # fmt: skip
                    scores_submit(
                        actor=judge, competition_id=round_.pk, entry_id=entry.pk, points=points
                    )
        with _Clock(_at(date(year, 11, 5))):
            competition_publish(actor=admin, competition_id=round_.pk)
    round_.refresh_from_db()
    return round_
