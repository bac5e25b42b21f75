"""Needs surveys (G7a): design, public answers one per phone, figures and the course-gap view."""

import pytest
from django.utils import timezone

from classrooms import gaps, selectors, services
from classrooms.models import GapAssignment, Survey, SurveyAnswer
from core.errors import Conflict
from core.tests.factories import make_course
from notifications.models import Event, InboxMessage

TOPICS = ["乡村振兴与产业发展", "红色家书与初心", "基层党组织发展党员工作规程", "网络直播带货"]


def answer(anon_api, survey, phone, **change):
    payload = {
        "phone": phone,
        "org_id": change.pop("org_id", None),
        "group": "rural",
        "topics": [TOPICS[0]],
        "categories": ["situation_policy"],
        "classroom": "bench",
        "comment": "",
        **change,
    }
    return anon_api.post(f"/api/v1/surveys/{survey.pk}/answers", payload)


def test_county_admin_designs_a_survey_through_the_api(world, api_as):
    response = api_as(world.county_admin).post(
        "/api/v1/surveys",
        {
            "title": "需求调研",
            "topics": ["党史学习", {"title": "直播带货", "category": "practical_work"}],
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert [t["title"] for t in body["topics"]] == ["党史学习", "直播带货"]
    assert body["topics"][1]["category"] == "practical_work"
    assert body["url"] == f"/survey/{body['id']}/"


@pytest.mark.parametrize("who", ["secretary", "lecturer", "town_admin"])
def test_only_the_county_admin_designs_surveys(world, api_as, who):
    response = api_as(getattr(world, who)).post(
        "/api/v1/surveys", {"title": "x", "topics": ["党史"]}
    )
    assert response.status_code == 403
    assert Survey.objects.count() == 0


def test_another_countys_admin_designs_for_their_own_county_only(world, api_as):
    response = api_as(world.outsider).post("/api/v1/surveys", {"title": "x", "topics": ["党史"]})
    assert response.status_code == 201
    assert Survey.objects.get().county_id == world.county_b.pk


def test_anonymous_cannot_design_a_survey(anon_api):
    assert anon_api.post("/api/v1/surveys", {"title": "x", "topics": ["党史"]}).status_code == 401


def test_bad_survey_design_names_the_fields(world, api_as):
    response = api_as(world.county_admin).post(
        "/api/v1/surveys",
        {"title": "", "topics": ["党史", "党史", {"title": "x", "category": "cooking"}]},
    )
    assert response.status_code == 422
    assert set(response.json()["fields"]) == {"title", "topics[1]", "topics[2]"}
    assert Survey.objects.count() == 0


@pytest.mark.parametrize(
    "closes_at",
    ["2020-01-01T00:00:00+08:00", "2099-01-01T00:00:00+08:00", "9999-12-31T23:59:59-14:00"],
)
def test_a_survey_closes_in_the_next_two_years(world, api_as, client, closes_at):
    # The last one has no UTC equivalent: refused like any other far date, never a 500.
    response = api_as(world.county_admin).post(
        "/api/v1/surveys", {"title": "需求", "topics": ["党史"], "closes_at": closes_at}
    )
    assert response.status_code == 422
    assert set(response.json()["fields"]) == {"closes_at"}
    client.force_login(world.county_admin)
    page = client.post(
        "/classrooms/surveys/", {"title": "需求", "topics": "党史", "closes_at": closes_at}
    )
    assert page.status_code == 422 and "closes_at" in page.context["form"].errors
    assert Survey.objects.count() == 0


def test_a_member_answers_once_and_the_same_phone_gets_the_first_answer(world, anon_api, survey):
    first = answer(anon_api, survey, "13812345678", org_id=world.branch.pk)
    assert first.status_code == 201, first.json()
    again = answer(anon_api, survey, "13812345678", org_id=world.unit.pk, topics=[TOPICS[3]])
    assert again.status_code == 200
    assert again.json() == first.json()
    assert again.json()["topics"] == [TOPICS[0]]
    stored = SurveyAnswer.objects.get()
    assert stored.town_id == world.town.pk and stored.org_id == world.branch.pk


def test_an_answer_outside_the_options_or_the_county_is_refused(world, anon_api, survey):
    response = answer(
        anon_api, survey, "138123", org_id=world.branch_b.pk, topics=["做饭"],
        categories=["cooking"], classroom="kitchen",
    )  # fmt: skip
    assert response.status_code == 422
    assert set(response.json()["fields"]) == {
        "phone",
        "org_id",
        "topics",
        "categories",
        "classroom",
    }
    assert SurveyAnswer.objects.count() == 0


def test_a_closed_survey_takes_no_answers(world, anon_api, survey):
    Survey.objects.filter(pk=survey.pk).update(closes_at=timezone.now())
    response = answer(anon_api, survey, "13812345678", org_id=world.branch.pk)
    assert response.status_code == 409
    assert response.json()["code"] == "survey_closed"
    assert anon_api.post("/api/v1/surveys/999999/answers", {}).status_code in (404, 422)


def test_many_answers_from_one_address_are_kept_and_marked_for_review(world, anon_api, survey):
    for n in range(services.SHARED_ADDRESS_REVIEW + 3):
        response = answer(anon_api, survey, f"139000000{n:02d}", org_id=world.branch.pk)
        assert response.status_code == 201
    answers = SurveyAnswer.objects.order_by("id")
    assert answers.count() == services.SHARED_ADDRESS_REVIEW + 3
    assert [a.is_flagged for a in answers] == [False] * services.SHARED_ADDRESS_REVIEW + [True] * 3
    assert selectors.survey_figures(survey)["flagged"] == 3


def test_an_answered_survey_is_revised_as_a_new_version(world, anon_api, survey):
    answer(anon_api, survey, "13812345678", org_id=world.branch.pk)
    revised = services.survey_revise(
        actor=world.county_admin, survey=survey, title="第二版", topics=["党史学习"]
    )
    assert (revised.version, revised.previous_id) == (2, survey.pk)
    survey.refresh_from_db()
    assert not services.survey_is_open(survey)
    assert [t.title for t in survey.topics.all()] == TOPICS  # the answered questions stay
    with pytest.raises(Conflict):
        services.survey_revise(actor=world.county_admin, survey=survey, title="x", topics=["y"])


def _two_hundred_answers(world, survey):
    """220 answers, some wanting several topics: the first 120 rural revitalisation, the first
    90 party-member recruitment rules, the first 40 live streaming, the first 30 red family
    letters; each of the last 100 one of rural revitalisation or red family letters."""
    orgs = [world.branch, world.sibling_branch, world.other_branch, world.unit]
    wanted = {TOPICS[0]: 120, TOPICS[2]: 90, TOPICS[3]: 40, TOPICS[1]: 30}
    for n in range(220):
        topics = [t for t, count in wanted.items() if n < count]
        if not topics:
            topics = [TOPICS[0]] if n % 2 else [TOPICS[1]]
        services.survey_answer(
            survey_id=survey.pk, phone=f"1370000{n:04d}", org_id=orgs[n % 4].pk,
            group="government" if orgs[n % 4] == world.unit else "rural",
            topics=topics, categories=["practical_work"] if n % 3 == 0 else [],
        )  # fmt: skip
    return {t: SurveyAnswer.objects.filter(topics__title=t).count() for t in TOPICS}


def test_the_gap_view_lists_topics_no_course_answers_first(world, api_as, survey):
    counts = _two_hundred_answers(world, survey)
    assert SurveyAnswer.objects.count() >= 200
    response = api_as(world.county_admin).get(f"/api/v1/surveys/{survey.pk}/gaps")
    assert response.status_code == 200
    rows = response.json()
    # By hand: no course of the county teaches recruitment rules (90) or live streaming (40);
    # "乡村振兴战略与农村产业发展" (170 want it) and "红色家书里的初心" (80) answer the others fully.
    assert [r["topic"] for r in rows] == [TOPICS[2], TOPICS[3], TOPICS[0], TOPICS[1]]
    assert [r["wanted"] for r in rows] == [
        counts[t] for t in (TOPICS[2], TOPICS[3], TOPICS[0], TOPICS[1])
    ]
    assert counts[TOPICS[0]] > counts[TOPICS[2]]  # the biggest demand is answered: it goes after
    assert [r["best_course_id"] for r in rows] == [None, None, world.course.pk, world.course_li.pk]
    assert rows[0]["similarity"] < gaps.ANSWERED_AT <= rows[2]["similarity"]
    # A new course on live streaming closes that gap.
    make_course(world.li, "网络直播带货", "practical_work", outline="直播间搭建、带货话术")
    rows = api_as(world.county_admin).get(f"/api/v1/surveys/{survey.pk}/gaps").json()
    assert [r["topic"] for r in rows][:1] == [TOPICS[2]]
    assert rows[1]["best_course_id"] is not None


def test_figures_add_up_by_topic_category_group_and_town(world, survey):
    counts = _two_hundred_answers(world, survey)
    figures = selectors.survey_figures(survey)
    assert figures["answers"] == 220
    assert dict(figures["by_topic"]) == counts
    assert sum(n for _g, n in figures["by_group"]) == 220
    assert dict(figures["by_group"])["government"] == 55
    assert sum(n for _t, n in figures["by_town"]) == 220
    assert dict(figures["by_town"])[world.town.name] == 110
    assert dict(figures["by_category"]) == {"practical_work": 74}


@pytest.mark.parametrize("who", ["outsider", "secretary", "lecturer"])
def test_the_gap_view_is_the_county_admins_only(world, api_as, survey, who):
    response = api_as(getattr(world, who)).get(f"/api/v1/surveys/{survey.pk}/gaps")
    assert response.status_code == 404


def test_a_gap_is_handed_to_a_lecturer_as_a_course_to_propose(world, survey):
    _two_hundred_answers(world, survey)
    gap = gaps.survey_gaps(survey)[0]
    services.gap_assign(
        actor=world.county_admin, gap=gap, lecturer_id=world.li.pk, note="请于月底前"
    )
    message = InboxMessage.objects.get(recipient=world.li.user, event=Event.COURSE_TO_DEVELOP)
    assert message.url.startswith("/my/courses/?")
    assert "90" in message.body and TOPICS[2] in message.body
    assert GapAssignment.objects.filter(lecturer=world.li).count() == 1


def test_a_branch_sees_the_courses_that_answer_its_own_wishes(world, survey):
    _two_hundred_answers(world, survey)
    wishes = selectors.own_wishes(world.secretary, survey)
    own = SurveyAnswer.objects.filter(org=world.branch)
    assert sum(n for _t, n, _m in wishes) == sum(a.topics.count() for a in own)
    matched = {title: [m.course_id for m in matches] for title, _n, matches in wishes}
    assert matched[TOPICS[0]] == [world.course.pk]
    assert matched[TOPICS[2]] == []
