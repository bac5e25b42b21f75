"""Monthly offerings (晒课) through the API: publish, republish, the menu and copy-previous.
Months are built relative to today, so the tests hold whatever day they run."""

import calendar
from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import AuditLog
from core.tests.factories import make_course, make_lecturer
from core.timeutil import add_months, aware, local
from lecturers.models import Lecturer
from scheduling.models import Offering, OfferingSlot

pytestmark = pytest.mark.django_db

URL = "/api/v1/offerings"


def this_month() -> date:
    return local(timezone.now()).date().replace(day=1)


def month_ahead(n: int) -> date:
    return add_months(this_month(), n)


def ym(first_day: date) -> str:
    return f"{first_day:%Y-%m}"


def moment(first_day: date, day: int, hour: int, minute: int = 0) -> datetime:
    return aware(datetime(first_day.year, first_day.month, day, hour, minute))


def slot(first_day: date, day: int, hour: int = 9, hours: int = 2) -> dict:
    start = moment(first_day, day, hour)
    return {"start": start.isoformat(), "end": (start + timedelta(hours=hours)).isoformat()}


def nth_weekday(first_day: date, weekday: int, n: int) -> int | None:
    """The day of the month of the n-th (1-based) `weekday` (Monday = 0), or None."""
    day = 1 + (weekday - first_day.weekday()) % 7 + 7 * (n - 1)
    return day if day <= calendar.monthrange(first_day.year, first_day.month)[1] else None


def publish(api, first_day, course_ids, slots, **extra):
    return api.post(
        URL, {"month": ym(first_day), "course_ids": course_ids, "slots": slots, **extra}
    )


def assert_invalid(response, field):
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "invalid" and body["detail"]
    assert field in body["fields"], body
    return body


def nothing_published():
    assert Offering.objects.count() == 0
    assert OfferingSlot.objects.count() == 0
    assert not AuditLog.objects.filter(action="offering.publish").exists()


# --- publishing --------------------------------------------------------------------------------


def test_a_lecturer_publishes_next_month(world, api_as):
    nxt = month_ahead(1)
    second = make_course(world.zhang, "基层党建实务", "practical_work", duration_minutes=90)
    response = publish(
        api_as(world.lecturer),
        nxt,
        [world.course.pk, second.pk],
        [slot(nxt, 10, 14), slot(nxt, 3, 9)],
        note="周末也可以",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["month"] == ym(nxt)
    assert body["lecturer_id"] == world.zhang.pk and body["lecturer_name"] == "张三丰"
    assert [c["id"] for c in body["courses"]] == [world.course.pk, second.pk]
    assert body["courses"][1] == {
        "id": second.pk,
        "title": "基层党建实务",
        "category": "practical_work",
        "duration_minutes": 90,
    }
    assert [(s["start"], s["end"]) for s in body["slots"]] == [
        (f"{nxt:%Y-%m}-03T09:00:00+08:00", f"{nxt:%Y-%m}-03T11:00:00+08:00"),
        (f"{nxt:%Y-%m}-10T14:00:00+08:00", f"{nxt:%Y-%m}-10T16:00:00+08:00"),
    ]
    assert body["note"] == "周末也可以"
    offering = Offering.objects.get(pk=body["id"])
    assert offering.county_id == world.county.pk and offering.month == nxt
    assert AuditLog.objects.filter(action="offering.publish", object_id=str(offering.pk)).exists()


def test_slot_times_without_offset_are_shanghai(world, api_as):
    nxt = month_ahead(1)
    naive = {"start": f"{nxt:%Y-%m}-05T09:00:00", "end": f"{nxt:%Y-%m}-05T10:00:00"}
    response = publish(api_as(world.lecturer), nxt, [world.course.pk], [naive])
    assert response.status_code == 201, response.content
    assert response.json()["slots"][0]["start"] == f"{nxt:%Y-%m}-05T09:00:00+08:00"
    assert OfferingSlot.objects.get().start_at == moment(nxt, 5, 9)


def test_republishing_replaces_the_slots(world, api_as):
    nxt = month_ahead(1)
    api = api_as(world.lecturer)
    first = publish(api, nxt, [world.course.pk], [slot(nxt, 3), slot(nxt, 4)], note="旧")
    old_slot_ids = {s["id"] for s in first.json()["slots"]}
    second = publish(api, nxt, [world.course.pk], [slot(nxt, 20, 15)], note="新")
    assert second.status_code == 201, second.content
    body = second.json()
    assert body["id"] == first.json()["id"]
    assert [s["start"] for s in body["slots"]] == [f"{nxt:%Y-%m}-20T15:00:00+08:00"]
    assert body["note"] == "新"
    assert Offering.objects.count() == 1
    assert OfferingSlot.objects.count() == 1
    assert not OfferingSlot.objects.filter(pk__in=old_slot_ids).exists()


def test_republishing_with_no_slots_clears_them(world, api_as):
    nxt = month_ahead(1)
    api = api_as(world.lecturer)
    publish(api, nxt, [world.course.pk], [slot(nxt, 3)])
    response = publish(api, nxt, [world.course.pk], [])
    assert response.status_code == 201 and response.json()["slots"] == []
    assert OfferingSlot.objects.count() == 0


def test_twelve_months_ahead_is_the_limit(world, api_as):
    api = api_as(world.lecturer)
    far = month_ahead(12)
    assert publish(api, far, [world.course.pk], [slot(far, 5)]).status_code == 201
    too_far = month_ahead(13)
    assert_invalid(publish(api, too_far, [world.course.pk], [slot(too_far, 5)]), "month")
    assert Offering.objects.count() == 1


def test_this_month_is_allowed(world, api_as):
    response = publish(api_as(world.lecturer), this_month(), [world.course.pk], [])
    assert response.status_code == 201, response.content
    assert response.json()["month"] == ym(this_month())


@pytest.mark.parametrize(
    "month", ["2026-13", "2026/12", "", "2026-00", "2026-1", "26-12", "十二月"]
)
def test_a_malformed_month(world, api_as, month):
    response = api_as(world.lecturer).post(
        URL, {"month": month, "course_ids": [world.course.pk], "slots": []}
    )
    assert_invalid(response, "month")
    nothing_published()


def test_year_zero_when_publishing(world, api_as):
    response = api_as(world.lecturer).post(
        URL, {"month": "0000-05", "course_ids": [world.course.pk], "slots": []}
    )
    assert_invalid(response, "month")
    nothing_published()


def test_year_zero_in_the_menu_filter(world, api_as):
    assert_invalid(api_as(world.secretary).get(URL, {"month": "0000-05"}), "month")


def test_year_zero_when_copying(world, api_as):
    assert_invalid(
        api_as(world.lecturer).post(f"{URL}/copy-previous", {"month": "0000-05"}), "month"
    )


def test_copying_into_the_first_month_of_year_one(world, api_as):
    assert_invalid(
        api_as(world.lecturer).post(f"{URL}/copy-previous", {"month": "0001-01"}), "month"
    )


@pytest.mark.parametrize("months", [-1, -12, 13, 120])
def test_a_month_out_of_range(world, api_as, months):
    response = publish(api_as(world.lecturer), month_ahead(months), [world.course.pk], [])
    assert_invalid(response, "month")
    nothing_published()


def test_a_slot_outside_the_month(world, api_as):
    nxt = month_ahead(1)
    later = month_ahead(2)
    response = publish(
        api_as(world.lecturer), nxt, [world.course.pk], [slot(nxt, 3), slot(later, 3)]
    )
    assert_invalid(response, "slots[1]")
    nothing_published()


def test_a_slot_running_over_the_month_end(world, api_as):
    nxt = month_ahead(1)
    last_day = calendar.monthrange(nxt.year, nxt.month)[1]
    response = publish(api_as(world.lecturer), nxt, [world.course.pk], [slot(nxt, last_day, 23)])
    assert_invalid(response, "slots[0]")
    nothing_published()


def test_a_slot_in_the_past(world, api_as):
    now = local(timezone.now())
    # Yesterday at nine, or on the 1st this month's midnight (before now, whatever the hour).
    past = (now - timedelta(days=1)).replace(hour=9) if now.day > 1 else now.replace(hour=0)
    first = this_month()
    response = publish(
        api_as(world.lecturer), first, [world.course.pk], [slot(first, past.day, past.hour)]
    )
    body = assert_invalid(response, "slots[0]")
    assert str(_("This time has already passed.")) in str(body["fields"]), body
    nothing_published()


@pytest.mark.parametrize(
    "times",
    [
        ((9, 0), (11, 0), (10, 0), (12, 0)),  # overlap
        ((9, 0), (11, 0), (9, 0), (11, 0)),  # the same slot twice
        ((9, 0), (12, 0), (10, 0), (11, 0)),  # one inside the other
    ],
)
def test_overlapping_slots(world, api_as, times):
    nxt = month_ahead(1)
    s1, e1, s2, e2 = (moment(nxt, 8, h, m).isoformat() for h, m in times)
    response = publish(
        api_as(world.lecturer),
        nxt,
        [world.course.pk],
        [{"start": s1, "end": e1}, {"start": s2, "end": e2}],
    )
    assert_invalid(response, "slots")
    nothing_published()


def test_touching_slots_do_not_overlap(world, api_as):
    nxt = month_ahead(1)
    response = publish(
        api_as(world.lecturer), nxt, [world.course.pk], [slot(nxt, 8, 9), slot(nxt, 8, 11)]
    )
    assert response.status_code == 201, response.content
    assert len(response.json()["slots"]) == 2


def test_a_slot_that_ends_before_it_starts(world, api_as):
    nxt = month_ahead(1)
    bad = {"start": moment(nxt, 8, 11).isoformat(), "end": moment(nxt, 8, 9).isoformat()}
    assert_invalid(publish(api_as(world.lecturer), nxt, [world.course.pk], [bad]), "slots[0]")
    nothing_published()


def test_too_many_slots(world, api_as):
    nxt = month_ahead(1)
    slots = [slot(nxt, day, hour, 1) for day in range(1, 29) for hour in (8, 10, 14)][:63]
    assert_invalid(publish(api_as(world.lecturer), nxt, [world.course.pk], slots), "slots")
    nothing_published()


@pytest.mark.parametrize("which", ["other_lecturer", "other_county", "unknown", "empty", "retired"])
def test_only_own_offered_courses(world, api_as, which):
    course_ids = {
        "other_lecturer": [world.course.pk, world.course_li.pk],
        "other_county": [world.course_b.pk],
        "unknown": [10**9],
        "empty": [],
        "retired": [make_course(world.zhang, "旧课", status="retired").pk],
    }[which]
    nxt = month_ahead(1)
    response = publish(api_as(world.lecturer), nxt, course_ids, [slot(nxt, 3)])
    assert_invalid(response, "course_ids")
    nothing_published()


@pytest.mark.parametrize("who", ["secretary", "town_admin", "county_admin", "outsider"])
def test_only_lecturers_publish(world, api_as, who):
    nxt = month_ahead(1)
    response = publish(api_as(getattr(world, who)), nxt, [world.course.pk], [slot(nxt, 3)])
    assert response.status_code == 403, response.content
    assert response.json()["code"] == "forbidden" and "fields" not in response.json()
    nothing_published()


def test_the_same_key_publishes_once(world, api_as):
    nxt = month_ahead(1)
    api = api_as(world.lecturer)
    headers = {"Idempotency-Key": "offer-1"}
    body = {"month": ym(nxt), "course_ids": [world.course.pk], "slots": [slot(nxt, 3)]}
    first = api.post(URL, body, headers=headers)
    second = api.post(URL, body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second["Idempotent-Replayed"] == "true"
    assert AuditLog.objects.filter(action="offering.publish").count() == 1


# --- the menu --------------------------------------------------------------------------------------


@pytest.fixture
def menu(world, api_as):
    nxt = month_ahead(1)
    later = month_ahead(2)
    offerings = {}
    for user, course, first_day, day in [
        (world.lecturer, world.course, nxt, 3),
        (world.lecturer, world.course, later, 4),
        (world.li.user, world.course_li, nxt, 5),
        (world.lecturer_b.user, world.course_b, nxt, 6),
    ]:
        response = publish(api_as(user), first_day, [course.pk], [slot(first_day, day)])
        assert response.status_code == 201, response.content
        offerings[(user.pk, first_day)] = response.json()["id"]
    return {
        "zhang_next": offerings[(world.lecturer.pk, nxt)],
        "zhang_later": offerings[(world.lecturer.pk, later)],
        "li_next": offerings[(world.li.user.pk, nxt)],
        "b_next": offerings[(world.lecturer_b.user.pk, nxt)],
        "next": nxt,
        "later": later,
    }


def ids(response):
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == len(body["items"])
    return {item["id"] for item in body["items"]}


def test_the_menu_is_scoped_to_the_county(world, api_as, menu):
    a = {menu["zhang_next"], menu["zhang_later"], menu["li_next"]}
    assert ids(api_as(world.secretary).get(URL)) == a
    assert ids(api_as(world.county_admin).get(URL)) == a
    assert ids(api_as(world.outsider).get(URL)) == {menu["b_next"]}


def test_the_outsider_cannot_look_up_a_lecturer_of_county_a(world, api_as, menu):
    api = api_as(world.outsider)
    assert ids(api.get(URL, {"lecturer_id": world.zhang.pk})) == set()
    assert ids(api.get(URL, {"category": "situation_policy"})) == set()


def test_the_month_filter(world, api_as, menu):
    api = api_as(world.secretary)
    assert ids(api.get(URL, {"month": ym(menu["next"])})) == {menu["zhang_next"], menu["li_next"]}
    assert ids(api.get(URL, {"month": ym(menu["later"])})) == {menu["zhang_later"]}
    assert ids(api.get(URL, {"month": ym(month_ahead(5))})) == set()


def test_the_lecturer_filter(world, api_as, menu):
    api = api_as(world.secretary)
    assert ids(api.get(URL, {"lecturer_id": world.zhang.pk})) == {
        menu["zhang_next"],
        menu["zhang_later"],
    }
    assert ids(api.get(URL, {"lecturer_id": world.li.pk, "month": ym(menu["next"])})) == {
        menu["li_next"]
    }


def test_the_category_filter(world, api_as, menu):
    api = api_as(world.secretary)
    assert ids(api.get(URL, {"category": "revolutionary_tradition"})) == {menu["li_next"]}
    assert ids(api.get(URL, {"category": "situation_policy"})) == {
        menu["zhang_next"],
        menu["zhang_later"],
    }
    assert ids(api.get(URL, {"category": "exemplary_deeds"})) == set()


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"category": "bogus"}, "category"),
        ({"category": "Political_Theory"}, "category"),
        ({"month": "2026-13"}, "month"),
        ({"month": "2026/12"}, "month"),
        ({"lecturer_id": "zhang"}, "lecturer_id"),
        ({"lecturer_id": "0"}, "lecturer_id"),
    ],
)
def test_bad_menu_filters(world, api_as, menu, params, field):
    assert_invalid(api_as(world.secretary).get(URL, params), field)


def test_a_cold_stored_lecturers_offering_leaves_the_menu(world, api_as, menu):
    Lecturer.objects.filter(pk=world.li.pk).update(status="cold_store")
    assert menu["li_next"] not in ids(api_as(world.secretary).get(URL))
    # Gone for the county too: a cold-stored lecturer cannot be booked by anyone.
    assert menu["li_next"] not in ids(api_as(world.county_admin).get(URL))


def test_a_retired_course_leaves_the_published_offering(world, api_as, menu):
    world.course.status = "retired"
    world.course.save()
    body = api_as(world.secretary).get(URL, {"lecturer_id": world.zhang.pk}).json()
    assert all(item["courses"] == [] for item in body["items"])


def test_the_menu_shows_slots_in_shanghai_time(world, api_as, menu):
    body = api_as(world.secretary).get(URL, {"lecturer_id": world.li.pk}).json()
    assert body["items"][0]["slots"][0]["start"] == f"{menu['next']:%Y-%m}-05T09:00:00+08:00"


# --- copy the previous month -------------------------------------------------------------------------

COPY = f"{URL}/copy-previous"


def test_copy_previous_moves_slots_to_the_same_weekday_occurrence(world, api_as):
    m1, m2 = month_ahead(1), month_ahead(2)
    second_tuesday = nth_weekday(m1, calendar.TUESDAY, 2)
    first_friday = nth_weekday(m1, calendar.FRIDAY, 1)
    api = api_as(world.lecturer)
    extra = make_course(world.zhang, "第二门课", "political_theory")
    published = publish(
        api,
        m1,
        [world.course.pk, extra.pk],
        [slot(m1, second_tuesday, 9, 2), slot(m1, first_friday, 14, 3)],
        note="上月备注",
    )
    assert published.status_code == 201, published.content
    response = api.post(COPY, {"month": ym(m2)})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["month"] == ym(m2) and body["id"] != published.json()["id"]
    assert {c["id"] for c in body["courses"]} == {world.course.pk, extra.pk}
    assert body["note"] == "上月备注"
    expected = sorted(
        [
            (moment(m2, nth_weekday(m2, calendar.TUESDAY, 2), 9), timedelta(hours=2)),
            (moment(m2, nth_weekday(m2, calendar.FRIDAY, 1), 14), timedelta(hours=3)),
        ]
    )
    got = [
        (datetime.fromisoformat(s["start"]), datetime.fromisoformat(s["end"]))
        for s in body["slots"]
    ]
    assert [(start, end - start) for start, end in got] == expected
    assert all(start.utcoffset() == timedelta(hours=8) for start, _end in got)
    assert sorted(start.weekday() for start, _end in got) == [calendar.TUESDAY, calendar.FRIDAY]
    # The previous month is left alone.
    assert len(Offering.objects.get(pk=published.json()["id"]).slots.all()) == 2


def test_copy_previous_drops_an_occurrence_the_next_month_lacks(world, api_as):
    """A slot on a fifth weekday has no counterpart when the next month has only four."""
    for n in range(1, 11):
        m1, m2 = month_ahead(n), month_ahead(n + 1)
        for weekday in range(7):
            fifth = nth_weekday(m1, weekday, 5)
            if fifth and nth_weekday(m2, weekday, 5) is None:
                break
        else:
            continue
        break
    else:
        pytest.skip("no month pair with a fifth weekday missing next month")
    keep = nth_weekday(m1, weekday, 1)
    api = api_as(world.lecturer)
    assert publish(api, m1, [world.course.pk], [slot(m1, keep), slot(m1, fifth)]).status_code == 201
    body = api.post(COPY, {"month": ym(m2)}).json()
    assert [s["start"] for s in body["slots"]] == [
        moment(m2, nth_weekday(m2, weekday, 1), 9).isoformat()
    ]


def test_copy_previous_leaves_out_a_retired_course(world, api_as):
    m1, m2 = month_ahead(1), month_ahead(2)
    old = make_course(world.zhang, "要停的课")
    api = api_as(world.lecturer)
    publish(api, m1, [world.course.pk, old.pk], [slot(m1, 3)])
    old.status = "retired"
    old.save()
    body = api.post(COPY, {"month": ym(m2)}).json()
    assert [c["id"] for c in body["courses"]] == [world.course.pk]


def test_copy_previous_without_a_previous_month(world, api_as):
    api = api_as(world.lecturer)
    m1 = month_ahead(1)
    publish(api, m1, [world.course.pk], [slot(m1, 3)])
    assert_invalid(api.post(COPY, {"month": ym(month_ahead(3))}), "month")
    assert_invalid(api_as(world.li.user).post(COPY, {"month": ym(month_ahead(2))}), "month")
    assert Offering.objects.count() == 1


def test_copy_previous_of_another_lecturers_month_is_not_possible(world, api_as):
    m1 = month_ahead(1)
    publish(api_as(world.lecturer), m1, [world.course.pk], [slot(m1, 3)])
    # 李四光 has no month of their own to copy: 张三丰's is not theirs.
    assert_invalid(api_as(world.li.user).post(COPY, {"month": ym(month_ahead(2))}), "month")
    assert not Offering.objects.filter(lecturer=world.li).exists()


def test_copy_previous_into_a_month_too_far_ahead(world, api_as):
    api = api_as(world.lecturer)
    m12 = month_ahead(12)
    assert publish(api, m12, [world.course.pk], [slot(m12, 3)]).status_code == 201
    assert_invalid(api.post(COPY, {"month": ym(month_ahead(13))}), "month")
    assert Offering.objects.count() == 1


@pytest.mark.parametrize("month", ["2026-13", "", "2026/12"])
def test_copy_previous_with_a_malformed_month(world, api_as, month):
    assert_invalid(api_as(world.lecturer).post(COPY, {"month": month}), "month")


@pytest.mark.parametrize("who", ["secretary", "county_admin", "outsider"])
def test_only_lecturers_copy(world, api_as, who):
    response = api_as(getattr(world, who)).post(COPY, {"month": ym(month_ahead(2))})
    assert response.status_code == 403, response.content
    assert response.json()["code"] == "forbidden"


def test_a_lecturer_without_courses_cannot_publish(world, api_as):
    newcomer = make_lecturer(world.county, "新讲师")
    nxt = month_ahead(1)
    assert_invalid(publish(api_as(newcomer.user), nxt, [world.course.pk], []), "course_ids")
    nothing_published()
