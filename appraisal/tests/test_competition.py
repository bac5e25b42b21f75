"""The quality-course competition's services: the stages, every bad input refused with
nothing written, the ranking with its ties, publication once with the 精品课 honour and the
三优先, the audit and the entrants' messages."""

import pytest

from appraisal.competition import selectors, services
from appraisal.models import Competition, Entry, RoundStatus, Score
from core.errors import Conflict, Forbidden, InvalidInput, NotFound
from core.models import AuditLog
from core.tests.factories import make_course, make_lecturer
from courses.models import CourseHonour
from lecturers.models import HonourTitle, LecturerHonour
from notifications.models import Event, InboxMessage

from .competition_fixture import make_round, score_all

FULL = {"教学内容": 40, "教学方法": 30, "教学效果": 30}


@pytest.fixture
def r(world):
    return make_round(world)


def test_a_round_starts_with_the_default_criteria_and_is_audited(world):
    round_ = services.competition_create(actor=world.county_admin, title="评选", year=2025)
    assert [(c.name, c.max_points, float(c.weight)) for c in round_.criteria.all()] == [
        ("教学内容", 40, 0.4), ("教学方法", 30, 0.3), ("教学效果", 30, 0.3),
    ]  # fmt: skip
    assert round_.status == RoundStatus.DRAFT
    assert AuditLog.objects.filter(action="competition.create", object_id=str(round_.pk)).exists()


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"title": ""}, "title"),
        ({"year": "twenty"}, "year"),
        ({"winners": 0}, "winners"),
        ({"criteria": []}, "criteria"),
        ({"criteria": [{"name": "内容", "max_points": 0, "weight": 1}]}, "max_points"),
        ({"criteria": [{"name": "内容", "max_points": 10, "weight": 0}]}, "weight"),
        ({"criteria": [{"name": "内容", "max_points": 10, "weight": 1}] * 2}, "criteria"),
    ],
)
def test_bad_rounds_are_refused_with_nothing_written(world, kwargs, field):
    data = {"title": "评选", "year": 2025, **kwargs}
    with pytest.raises(InvalidInput) as caught:
        services.competition_create(actor=world.county_admin, **data)
    assert field in caught.value.fields
    assert not Competition.objects.exists()


def test_only_county_admins_run_rounds(world):
    for user in (world.town_admin, world.secretary, world.lecturer):
        with pytest.raises(Forbidden):
            services.competition_create(actor=user, title="评选", year=2025)
    round_ = services.competition_create(actor=world.county_admin, title="评选", year=2025)
    # another county's administrator: the round is not theirs to see
    with pytest.raises(NotFound):
        services.judge_add(
            actor=world.outsider, competition_id=round_.pk, user_id=world.outsider.pk
        )
    assert not round_.judges.exists()


def test_a_course_entered_twice_is_refused(world):
    round_ = services.competition_create(actor=world.county_admin, title="评选", year=2025)
    services.entry_add(
        actor=world.county_admin, competition_id=round_.pk, course_id=world.course.pk
    )
    with pytest.raises(Conflict) as caught:
        services.entry_add(
            actor=world.county_admin, competition_id=round_.pk, course_id=world.course.pk
        )
    assert caught.value.code == "already_entered"
    assert Entry.objects.count() == 1


def test_another_countys_course_is_not_entered(world):
    round_ = services.competition_create(actor=world.county_admin, title="评选", year=2025)
    with pytest.raises(InvalidInput) as caught:
        services.entry_add(
            actor=world.county_admin, competition_id=round_.pk, course_id=world.course_b.pk
        )
    assert "course" in caught.value.fields


def test_entries_after_the_round_closes_are_refused(world, r):
    course = make_course(world.zhang, "第二门课")
    with pytest.raises(Conflict) as caught:
        services.entry_add(actor=world.county_admin, competition_id=r.round.pk, course_id=course.pk)
    assert caught.value.code == "round_closed"
    assert r.round.entries.count() == 2


def test_the_stages_need_what_they_need(world):
    admin = world.county_admin
    round_ = services.competition_create(actor=admin, title="评选", year=2025)
    with pytest.raises(Conflict):  # draft cannot jump to judging
        services.competition_move(actor=admin, competition_id=round_.pk, to="judging")
    services.competition_move(actor=admin, competition_id=round_.pk, to="open")
    with pytest.raises(Conflict) as caught:  # no entry, no judge
        services.competition_move(actor=admin, competition_id=round_.pk, to="judging")
    assert caught.value.code == "bad_state"
    with pytest.raises(Conflict):  # criteria are fixed once open
        services.criterion_add(actor=admin, competition_id=round_.pk, name="x", max_points=5,
                               weight=1)  # fmt: skip


def test_a_judge_does_not_score_their_own_entry(world, r):
    with pytest.raises(Forbidden) as caught:
        score_all(world.li.user, r, r.li, FULL)
    assert caught.value.code == "own_entry"
    assert not Score.objects.exists()


def test_a_judge_does_not_score_an_entry_of_their_own_unit(world, r):
    # the secretary of 东村党支部, where 张三丰 belongs
    with pytest.raises(Forbidden) as caught:
        score_all(world.secretary, r, r.zhang, FULL)
    assert caught.value.code == "own_unit"
    score_all(world.secretary, r, r.li, FULL)  # another unit: fine
    assert Score.objects.count() == 3


def test_the_same_work_unit_text_is_an_own_unit(world, r):
    world.zhang.unit = "县委党校"
    world.zhang.save()
    colleague = make_lecturer(world.county, "同事", org=world.unit, unit="县委党校")
    services.judge_add(
        actor=world.county_admin, competition_id=r.round.pk, user_id=colleague.user.pk
    )
    with pytest.raises(Forbidden) as caught:
        score_all(colleague.user, r, r.zhang, FULL)
    assert caught.value.code == "own_unit"


def test_scoring_twice_is_refused_and_the_first_points_stay(world, r):
    score_all(world.county_admin, r, r.zhang, FULL)
    with pytest.raises(Conflict) as caught:
        score_all(world.county_admin, r, r.zhang, {"教学内容": 10})
    assert caught.value.code == "already_scored"
    assert Score.objects.filter(criterion__name="教学内容").get().points == 40


@pytest.mark.parametrize("points", [41, -1, "many", True, 3.5, None])
def test_points_outside_the_range_are_refused_with_nothing_written(world, r, points):
    with pytest.raises(InvalidInput) as caught:
        score_all(world.county_admin, r, r.zhang, {"教学方法": 30, "教学内容": points})
    content = next(c for c in r.criteria if c.name == "教学内容")
    assert f"points_{content.pk}" in caught.value.fields
    assert not Score.objects.exists()  # all of the entry's points or none


def test_an_unknown_criterion_is_refused(world, r):
    with pytest.raises(InvalidInput) as caught:
        score_all(world.county_admin, r, r.zhang, {"口才": 5})
    assert "criterion" in caught.value.fields


def test_someone_off_the_panel_and_outside_judging_cannot_score(world):
    r = make_round(world, judging=False)
    with pytest.raises(Conflict) as caught:
        score_all(world.county_admin, r, r.zhang, FULL)
    assert caught.value.code == "not_judging"
    with pytest.raises(Forbidden) as caught:
        score_all(world.town_admin, r, r.zhang, FULL)
    assert caught.value.code == "not_judge"
    with pytest.raises(NotFound):
        score_all(world.outsider, r, r.zhang, FULL)


def test_the_ranking_is_the_weighted_average_and_ties_share_a_rank(world, r):
    admin, secretary = world.county_admin, world.secretary
    # 张: admin only (the secretary is of his unit, 李 abstains): 40/40, 15/30, 30/30
    score_all(admin, r, r.zhang, {"教学内容": 40, "教学方法": 15, "教学效果": 30})
    # 李: admin 40/30/15 and the secretary 40/0/15 → 40, 15, 15
    score_all(admin, r, r.li, {"教学内容": 40, "教学方法": 30, "教学效果": 15})
    score_all(secretary, r, r.li, {"教学内容": 40, "教学方法": 0, "教学效果": 15})
    rows = selectors.ranking(r.round)
    # 张: 100 × (0.4×1 + 0.3×0.5 + 0.3×1) = 85; 李: 100 × (0.4 + 0.3×0.5 + 0.3×0.5) = 70
    assert [(row.entry.pk, row.score, row.rank) for row in rows] == [
        (r.zhang.pk, 85.0, 1), (r.li.pk, 70.0, 2),
    ]  # fmt: skip
    assert rows[0].winner and not rows[1].winner


def test_a_tie_at_the_cut_wins_together_and_is_explained(world, r):
    for entry in (r.zhang, r.li):
        score_all(world.county_admin, r, entry, FULL)
    rows = selectors.ranking(r.round)
    assert [row.rank for row in rows] == [1, 1]
    assert all(row.winner for row in rows)
    assert "100.00" in rows[0].note and r.li.course.title in rows[0].note


def test_publish_needs_every_entry_scored(world, r):
    score_all(world.county_admin, r, r.zhang, FULL)
    with pytest.raises(Conflict) as caught:
        services.competition_publish(actor=world.county_admin, competition_id=r.round.pk)
    assert caught.value.code == "incomplete"
    r.round.refresh_from_db()
    assert r.round.status == RoundStatus.JUDGING


def test_publish_names_the_winner_once_and_tells_the_entrants(
    world, r, django_capture_on_commit_callbacks
):
    score_all(world.county_admin, r, r.zhang, FULL)
    score_all(world.county_admin, r, r.li, {"教学内容": 20, "教学方法": 20, "教学效果": 20})
    with django_capture_on_commit_callbacks(execute=True):
        services.competition_publish(actor=world.county_admin, competition_id=r.round.pk)
    r.zhang.refresh_from_db()
    assert (r.zhang.rank, r.zhang.is_winner, r.zhang.score) == (1, True, 100.0)
    assert CourseHonour.objects.filter(
        course=world.course, title=HonourTitle.QUALITY_COURSE
    ).exists()
    assert LecturerHonour.objects.filter(
        lecturer=world.zhang, title=HonourTitle.QUALITY_COURSE
    ).exists()
    assert not LecturerHonour.objects.filter(lecturer=world.li).exists()
    messages = InboxMessage.objects.filter(event=Event.COMPETITION_RESULT)
    assert set(messages.values_list("recipient_id", flat=True)) == {
        world.lecturer.pk,
        world.li.user.pk,
    }
    assert "三优先" in messages.get(recipient=world.lecturer).body
    assert AuditLog.objects.filter(action="competition.publish").count() == 1
    with pytest.raises(Conflict) as caught:
        services.competition_publish(actor=world.county_admin, competition_id=r.round.pk)
    assert caught.value.code == "already_published"
    assert (
        messages.count() == 2 and AuditLog.objects.filter(action="competition.publish").count() == 1
    )


def test_every_score_is_audited(world, r):
    score_all(world.county_admin, r, r.zhang, FULL)
    entry = AuditLog.objects.get(action="competition.score")
    assert entry.after["entry_id"] == r.zhang.pk and entry.after["points"]["教学内容"] == 40
