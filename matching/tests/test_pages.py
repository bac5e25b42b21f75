"""The demand pages (issue 5): who may post, see, push, invite, withdraw and grab; the form's
errors on bad input (nothing written, never a 500); the happy paths through the services."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from core.tests.factories import make_course, make_lecturer, make_user
from matching import services
from matching.models import Demand, DemandNotice, DemandStatus, NoticeOutcome
from scheduling.models import Booking, BookingStatus
from scheduling.tests.conftest import at

pytestmark = pytest.mark.django_db

TOPIC = "乡村振兴 产业发展 讲座"
CJK = re.compile(r"[\u4e00-\u9fff]")


def post_demand(world, *, user=None, org=None, **change) -> Demand:
    kwargs = {
        "org_id": (org or world.branch).pk,
        "topic": TOPIC,
        "window_start": at(7, 8),
        "window_end": at(9, 18),
        "duration_minutes": 90,
        "expected_attendees": 40,
    }
    kwargs.update(change)
    return services.demand_create(actor=user or world.secretary, **kwargs)


def form_data(world, **change) -> dict:
    data = {
        "org": world.branch.pk,
        "topic": TOPIC,
        "category": "",
        "date_from": at(7).date().isoformat(),
        "date_to": at(9).date().isoformat(),
        "time_from": "",
        "time_to": "",
        "duration_minutes": "90",
        "venue": "",
        "expected_attendees": "40",
        "audience": "",
        "classroom": "classroom",
    }
    data.update(change)
    return data


def field_errors(response, name: str) -> str:
    """The error text shown on one field of the page."""
    html = response.content.decode()
    match = re.search(
        rf'<(?:div|fieldset) class="field[^"]*" id="field-{name}">(.*?)</(?:div|fieldset)>',
        html,
        re.S,
    )
    assert match, f"no field {name} on the page"
    return " ".join(re.findall(r'class="error"[^>]*>([^<]*)<', match.group(1)))


def notices_text(response) -> str:
    html = response.content.decode()
    return " ".join(re.findall(r'class="notice notice-[a-z]+[^"]*"[^>]*>(.*?)</p>', html, re.S))


def second_lecturer(world):
    """Another lecturer of the branch whose course fits the topic too."""
    wang = make_lecturer(world.county, "王振兴", org=world.branch, specialties="乡村振兴")
    course = make_course(wang, "乡村振兴与产业发展实务", "practical_work")
    return wang, course


def tab_bar_items(response) -> int:
    html = response.content.decode()
    bar = re.search(r'<nav class="tabbar".*?</nav>', html, re.S).group(0)
    return bar.count("<a ")


# --- logins and roles ---------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/demands/", "/demands/new/", "/demands/1/"])
def test_every_page_needs_a_login(client, url):
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_user_without_a_role_gets_403(world, login):
    client = login(make_user("nobody", world.county))
    assert client.get("/demands/").status_code == 403
    assert client.get("/demands/new/").status_code == 403


def test_a_lecturer_may_not_post_demands(world, login):
    response = login(world.lecturer).get("/demands/new/")
    assert response.status_code == 403


@pytest.mark.parametrize("who", ["secretary", "town_admin", "county_admin"])
def test_secretaries_and_admins_post_a_demand(world, login, who):
    user = getattr(world, who)
    client = login(user)
    page = client.get("/demands/new/")
    assert page.status_code == 200 and "如：乡村振兴 产业发展 讲座" in page.content.decode()
    response = client.post("/demands/new/", form_data(world))
    demand = Demand.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/demands/{demand.pk}/"
    assert demand.org == world.branch and demand.created_by == user
    assert demand.topic == TOPIC and demand.status == DemandStatus.OPEN
    # Without times of day the window runs from 8:00 on the first day to 18:00 on the last.
    assert demand.window_start == at(7, 8) and demand.window_end == at(9, 18)
    assert demand.venue == world.branch.address or demand.venue == world.branch.name
    assert (demand.lat, demand.lng) == (world.branch.lat, world.branch.lng)


def test_the_form_preselects_the_only_organisation_and_its_address(world, login):
    world.branch.address = "东村党群服务中心"
    world.branch.save()
    html = login(world.secretary).get("/demands/new/").content.decode()
    assert f'<input type="hidden" name="org" value="{world.branch.pk}">' in html
    assert 'value="东村党群服务中心"' in html


def test_a_town_admin_chooses_among_the_town_and_its_branches(world, login):
    html = login(world.town_admin).get("/demands/new/").content.decode()
    for org in (world.town, world.branch, world.sibling_branch):
        assert f'name="org" value="{org.pk}"' in html
    assert f'name="org" value="{world.other_branch.pk}"' not in html


def test_a_secretary_may_not_post_for_another_branch(world, login):
    client = login(world.secretary)
    response = client.post("/demands/new/", form_data(world, org=world.other_branch.pk))
    assert response.status_code == 200
    assert CJK.search(field_errors(response, "org"))
    assert not Demand.objects.exists()


@pytest.mark.parametrize("who", ["secretary", "town_admin", "county_admin"])
def test_the_organisation_side_sees_the_demand(world, login, who):
    demand = post_demand(world)
    response = login(getattr(world, who)).get(f"/demands/{demand.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert TOPIC in html and 'data-testid="recommendation"' in html


@pytest.mark.parametrize("who", ["outsider", "other_secretary"])
def test_outsiders_and_other_branches_get_404_everywhere(world, login, who):
    demand = post_demand(world)
    services.demand_broadcast(actor=world.secretary, demand=demand, limit=3)
    client = login(getattr(world, who))
    assert client.get(f"/demands/{demand.pk}/").status_code == 404
    for action in ("broadcast", "invite", "cancel", "grab"):
        response = client.post(
            f"/demands/{demand.pk}/{action}/",
            {"limit": "3", "lecturer": world.zhang.pk, "course": world.course.pk},
        )
        assert response.status_code == 404, action
    assert Demand.objects.get(pk=demand.pk).status == DemandStatus.OPEN
    assert DemandNotice.objects.filter(demand=demand).count() == 1
    assert not Booking.objects.exists()
    if who == "other_secretary":
        assert f"/demands/{demand.pk}/" not in client.get("/demands/").content.decode()


def test_a_lecturer_not_notified_gets_404(world, login):
    demand = post_demand(world)
    client = login(world.lecturer)
    assert client.get(f"/demands/{demand.pk}/").status_code == 404
    response = client.post(
        f"/demands/{demand.pk}/grab/",
        {"course": world.course.pk, "date": at(8).date().isoformat(), "start_time": "09:00"},
    )
    assert response.status_code == 404
    assert not Booking.objects.exists()
    # After the broadcast the same lecturer sees it, and only the grab form, not the ranking.
    services.demand_broadcast(actor=world.secretary, demand=demand, limit=3)
    response = client.get(f"/demands/{demand.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="grab-form"' in html and 'data-testid="recommendation"' not in html
    assert 'data-testid="broadcast"' not in html and 'data-testid="cancel-demand"' not in html


def test_a_notified_lecturer_may_not_push_invite_or_withdraw(world, login):
    demand = post_demand(world)
    services.demand_broadcast(actor=world.secretary, demand=demand, limit=3)
    client = login(world.lecturer)
    for action in ("broadcast", "cancel", "invite"):
        assert client.post(f"/demands/{demand.pk}/{action}/", {"limit": "3"}).status_code == 404
    assert Demand.objects.get(pk=demand.pk).status == DemandStatus.OPEN


def test_the_organisation_side_may_not_grab(world, login):
    demand = post_demand(world)
    response = login(world.secretary).post(
        f"/demands/{demand.pk}/grab/",
        {"course": world.course.pk, "date": at(8).date().isoformat(), "start_time": "09:00"},
    )
    assert response.status_code == 403
    assert not Booking.objects.exists()


# --- the form's bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"topic": ""}, "topic"),
        ({"topic": "   "}, "topic"),
        ({"topic": "！？。"}, "topic"),
        ({"topic": "乡" * 5000}, "topic"),
        (
            {"date_from": at(-3).date().isoformat(), "date_to": at(-1).date().isoformat()},
            "date_from",
        ),
        (
            {
                "date_from": at(8).date().isoformat(),
                "date_to": at(8).date().isoformat(),
                "time_from": "09:00",
                "time_to": "10:00",
            },
            "time_to",
        ),
        (
            {"date_from": at(9).date().isoformat(), "date_to": at(7).date().isoformat()},
            "date_to",
        ),
        ({"date_to": at(90).date().isoformat()}, "date_to"),
        ({"date_from": "2026-13-45"}, "date_from"),
        ({"date_from": "1900-01-01"}, "date_from"),
        ({"time_from": "25:99"}, "time_from"),
        ({"duration_minutes": "abc"}, "duration_minutes"),
        ({"duration_minutes": "100000"}, "duration_minutes"),
        ({"expected_attendees": "-1"}, "expected_attendees"),
        ({"expected_attendees": "9" * 30}, "expected_attendees"),
        ({"classroom": "moon"}, "classroom"),
        ({"category": "magic"}, "category"),
        ({"audience": "aliens"}, "audience"),
        ({"org": "abc"}, "org"),
        ({"org": "999999"}, "org"),
        ({"venue": "村" * 300}, "venue"),
    ],
)
def test_bad_input_marks_the_field_in_chinese_and_writes_nothing(world, login, change, field):
    response = login(world.secretary).post("/demands/new/", form_data(world, **change))
    assert response.status_code == 200
    message = field_errors(response, field)
    assert message and CJK.search(message), (field, message)
    assert "请改正下面标红的字段" in response.content.decode() or message
    assert not Demand.objects.exists()


def test_a_window_shorter_than_the_session_is_marked_on_its_end(world, login):
    response = login(world.secretary).post(
        "/demands/new/",
        form_data(
            world,
            date_from=at(8).date().isoformat(),
            date_to=at(8).date().isoformat(),
            time_from="09:00",
            time_to="10:00",
            duration_minutes="120",
        ),
    )
    assert response.status_code == 200
    assert "短于" in field_errors(response, "time_to") or CJK.search(
        field_errors(response, "time_to")
    )
    assert 'class="field has-error" id="field-time_to"' in response.content.decode()
    assert not Demand.objects.exists()


def test_a_window_in_the_past_is_refused(world, login):
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = login(world.secretary).post(
        "/demands/new/", form_data(world, date_from=yesterday, date_to=yesterday)
    )
    assert response.status_code == 200
    assert "已经过去" in field_errors(response, "date_from")
    assert not Demand.objects.exists()


def test_a_garbled_post_is_not_an_error_page(world, login):
    client = login(world.secretary)
    response = client.post("/demands/new/", {"topic": ["a", "b"], "org": ["1", "2"]})
    assert response.status_code == 200
    assert not Demand.objects.exists()


@pytest.mark.parametrize("bad", ["0", "abc", "999", "-1", ""])
def test_a_bad_broadcast_size_changes_nothing(world, login, bad):
    demand = post_demand(world)
    response = login(world.secretary).post(
        f"/demands/{demand.pk}/broadcast/", {"limit": bad}, follow=True
    )
    assert response.status_code == 200 and CJK.search(notices_text(response))
    assert not DemandNotice.objects.exists()


@pytest.mark.parametrize(
    "change",
    [
        {"start": "yesterday"},
        {"start": "2020-01-01T09:00:00+08:00"},
        {"course": "abc"},
        {"lecturer": "999999"},
        {"lecturer": ""},
    ],
)
def test_a_bad_invitation_changes_nothing(world, login, change):
    demand = post_demand(world)
    data = {"lecturer": world.zhang.pk, "course": world.course.pk, "start": at(8, 9).isoformat()}
    data.update(change)
    response = login(world.secretary).post(f"/demands/{demand.pk}/invite/", data, follow=True)
    assert response.status_code == 200 and CJK.search(notices_text(response))
    assert not Booking.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"course": "abc"}, "course"),
        ({"course": "999999"}, "course"),
        ({"date": ""}, "date"),
        ({"date": "2026-02-30"}, "date"),
        ({"start_time": "7 o'clock"}, "start_time"),
        ({"date": "2020-01-01"}, "start_time"),
        ({"start_time": "17:30"}, "start_time"),  # 90 minutes from 17:30 end after 18:00
    ],
)
def test_bad_grab_input_marks_the_field_and_writes_nothing(world, login, change, field):
    demand = post_demand(world)
    services.demand_broadcast(actor=world.secretary, demand=demand, limit=3)
    data = {"course": world.course.pk, "date": at(9).date().isoformat(), "start_time": "09:00"}
    data.update(change)
    response = login(world.lecturer).post(f"/demands/{demand.pk}/grab/", data)
    assert response.status_code == 200
    assert CJK.search(field_errors(response, field)), field
    assert not Booking.objects.exists()
    assert Demand.objects.get(pk=demand.pk).status == DemandStatus.OPEN


@pytest.mark.parametrize("url", ["/demands/0/", "/demands/99999999999999999999/"])
def test_unknown_and_huge_ids_are_404(world, login, url):
    assert login(world.secretary).get(url).status_code == 404


def test_bad_list_parameters_do_not_break(world, login):
    post_demand(world)
    client = login(world.secretary)
    for query in ("?status=nonsense", "?side=evil&page=-4", "?page=abc", "?status=open&page=99"):
        assert client.get(f"/demands/{query}").status_code == 200, query


# --- the happy paths -------------------------------------------------------------------------------


def test_post_recommend_broadcast_and_grab_from_the_pages(world, login):
    wang, _course = second_lecturer(world)
    client = login(world.secretary)

    # 1. Post: straight to the demand page with the ranked lecturers.
    response = client.post("/demands/new/", form_data(world), follow=True)
    demand = Demand.objects.get()
    assert response.redirect_chain[-1][0] == f"/demands/{demand.pk}/"
    html = response.content.decode()
    cards = re.findall(r'data-testid="recommendation" id="rec-(\d+)"', html)
    assert set(cards) == {str(world.zhang.pk), str(wang.pk)}
    assert f'href="/lecturers/{world.zhang.pk}/"' in html
    assert "乡村振兴战略与农村产业发展" in html
    for label in ("话题相关", "距离", "质量", "均衡", "可约时段"):
        assert label in html, label
    reason = re.search(r'data-testid="reason">([^<]*)<', html).group(1)
    assert "乡村振兴" in reason and CJK.search(reason)
    assert re.search(r'<div class="rec-score"[^>]*><b>\d{1,3}</b>%</div>', html)
    assert re.search(r"距离\d+(\.\d)?公里", html)
    assert 'data-testid="broadcast"' in html and 'data-testid="invite"' in html
    assert 'value="5" selected' in html  # the county's default broadcast size

    # 2. Push to the top 1: the best-ranked lecturer is told, and listed with the outcome.
    response = client.post(f"/demands/{demand.pk}/broadcast/", {"limit": "1"}, follow=True)
    notice = DemandNotice.objects.get(demand=demand)
    assert notice.lecturer_id == int(cards[0]) and notice.outcome == NoticeOutcome.NOTIFIED
    html = response.content.decode()
    assert 'data-testid="notices"' in html and "已推送给1位讲师" in notices_text(response)
    winner = world.zhang if notice.lecturer_id == world.zhang.pk else wang

    # 3. The lecturer sees the order on the home page and under /demands/, and grabs it.
    lecturer = login(winner.user)
    home = lecturer.get("/").content.decode()
    assert re.search(r'data-testid="orders-to-grab">\s*<span>待抢订单</span><b>1</b>', home)
    orders = lecturer.get("/demands/")
    html = orders.content.decode()
    assert 'data-testid="order"' in html and 'data-testid="grab"' in html
    form = re.search(
        rf'<form method="post" action="/demands/{demand.pk}/grab/".*?</form>', html, re.S
    ).group(0)
    data = dict(re.findall(r'name="(\w+)" value="([^"]*)"', form))
    response = lecturer.post(f"/demands/{demand.pk}/grab/", data)
    booking = Booking.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/bookings/{booking.pk}/"
    assert booking.status == BookingStatus.CONFIRMED and booking.lecturer == winner
    assert booking.org == world.branch and booking.start_at >= demand.window_start
    assert Demand.objects.get(pk=demand.pk).status == DemandStatus.TAKEN
    assert f'href="/bookings/{booking.pk}/"' in lecturer.get("/bookings/").content.decode()
    assert 'data-testid="order"' not in lecturer.get("/demands/").content.decode()

    # 4. The secretary sees it taken, the notice's outcome, and the booking on /bookings/.
    client = login(world.secretary)
    html = client.get(f"/demands/{demand.pk}/").content.decode()
    assert 'data-testid="taken"' in html and f'href="/bookings/{booking.pk}/"' in html
    assert "已抢单" in html or NoticeOutcome.GRABBED.label in html
    assert f'href="/bookings/{booking.pk}/"' in client.get("/bookings/").content.decode()
    assert f'id="demand-{demand.pk}"' in client.get("/demands/?status=taken").content.decode()


def test_the_grab_form_proposes_the_engines_time_and_takes_another(world, login):
    demand = post_demand(world)
    services.demand_broadcast(actor=world.secretary, demand=demand, limit=3)
    client = login(world.lecturer)
    html = client.get(f"/demands/{demand.pk}/").content.decode()
    proposed = services.demand_recommendations(actor=world.secretary, demand=demand)
    start = timezone.localtime(proposed.recommendations[0].start)
    assert f'value="{start:%Y-%m-%d}"' in html and f'value="{start:%H:%M}"' in html
    assert f'<option value="{world.course.pk}" selected>' in html
    response = client.post(
        f"/demands/{demand.pk}/grab/",
        {"course": world.course.pk, "date": at(8).date().isoformat(), "start_time": "14:30"},
    )
    booking = Booking.objects.get()
    assert response["Location"] == f"/bookings/{booking.pk}/"
    assert booking.start_at == at(8, 14, 30)
    assert booking.end_at == at(8, 16)


def test_a_second_grab_is_told_another_lecturer_was_first(world, login):
    wang, wang_course = second_lecturer(world)
    demand = post_demand(world)
    notified = services.demand_broadcast(actor=world.secretary, demand=demand, limit=5)
    assert set(notified) == {world.zhang.pk, wang.pk}
    grab = {"date": at(8).date().isoformat(), "start_time": "09:00"}
    first = login(world.lecturer).post(
        f"/demands/{demand.pk}/grab/", {**grab, "course": world.course.pk}
    )
    assert first.status_code == 302
    second = login(wang.user).post(
        f"/demands/{demand.pk}/grab/", {**grab, "course": wang_course.pk}, follow=True
    )
    assert second.redirect_chain[-1][0] == f"/demands/{demand.pk}/"
    assert "已被其他讲师抢先接单" in notices_text(second)
    assert 'data-testid="too-late"' in second.content.decode()
    assert Booking.objects.count() == 1 and Booking.objects.get().lecturer == world.zhang
    # The same from the list of orders: back to the list, the order gone from it.
    again = login(wang.user).post(
        f"/demands/{demand.pk}/grab/",
        {**grab, "course": wang_course.pk, "next": "/demands/"},
        follow=True,
    )
    assert again.redirect_chain[-1][0] == "/demands/"
    assert "已被其他讲师抢先接单" in notices_text(again)
    assert 'data-testid="order"' not in again.content.decode()
    assert Booking.objects.count() == 1


def test_a_busy_lecturer_is_told_on_the_form(world, login):
    demand = post_demand(world)
    services.demand_broadcast(actor=world.secretary, demand=demand, limit=3)
    Booking.objects.create(
        county=world.county, org=world.branch, lecturer=world.zhang, course=world.course,
        start_at=at(8, 9), end_at=at(8, 11), venue="x", expected_attendees=10,
        classroom="classroom", status=BookingStatus.CONFIRMED, expires_at=at(8, 9),
    )  # fmt: skip
    response = login(world.lecturer).post(
        f"/demands/{demand.pk}/grab/",
        {"course": world.course.pk, "date": at(8).date().isoformat(), "start_time": "09:30"},
    )
    assert response.status_code == 200
    assert 'class="form-errors"' in response.content.decode()
    assert Booking.objects.count() == 1
    assert Demand.objects.get(pk=demand.pk).status == DemandStatus.OPEN


def test_inviting_one_lecturer_makes_a_booking_request(world, login):
    demand = post_demand(world)
    client = login(world.secretary)
    html = client.get(f"/demands/{demand.pk}/").content.decode()
    card = re.search(
        rf'id="rec-{world.zhang.pk}".*?<form method="post" action="/demands/{demand.pk}/invite/".*?</form>',
        html,
        re.S,
    ).group(0)
    data = dict(re.findall(r'name="(\w+)" value="([^"]*)"', card.split("<form", 1)[1]))
    response = client.post(f"/demands/{demand.pk}/invite/", data)
    booking = Booking.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/bookings/{booking.pk}/"
    assert booking.status == BookingStatus.REQUESTED and booking.lecturer == world.zhang
    assert booking.course == world.course and booking.org == world.branch
    assert booking.end_at - booking.start_at == timedelta(minutes=90)
    assert demand.topic in booking.note


def test_withdrawing_a_demand(world, login):
    demand = post_demand(world)
    services.demand_broadcast(actor=world.secretary, demand=demand, limit=3)
    client = login(world.secretary)
    response = client.post(f"/demands/{demand.pk}/cancel/", follow=True)
    assert response.redirect_chain[-1][0] == f"/demands/{demand.pk}/"
    assert Demand.objects.get(pk=demand.pk).status == DemandStatus.CANCELLED
    html = response.content.decode()
    assert 'data-testid="broadcast"' not in html and 'data-testid="recommendation"' not in html
    # Withdrawing twice says so; pushing a withdrawn demand changes nothing.
    again = client.post(f"/demands/{demand.pk}/cancel/", follow=True)
    assert CJK.search(notices_text(again))
    client.post(f"/demands/{demand.pk}/broadcast/", {"limit": "3"})
    assert DemandNotice.objects.filter(demand=demand).count() == 1
    # The lecturer no longer has it to grab, and grabbing it anyway is refused.
    lecturer = login(world.lecturer)
    assert 'data-testid="order"' not in lecturer.get("/demands/").content.decode()
    response = lecturer.post(
        f"/demands/{demand.pk}/grab/",
        {"course": world.course.pk, "date": at(8).date().isoformat(), "start_time": "09:00"},
        follow=True,
    )
    assert CJK.search(notices_text(response))
    assert not Booking.objects.exists()


def test_words_that_matched_no_course_are_shown_to_the_county_only(world, login):
    demand = post_demand(world, topic="乡村振兴 量子力学")
    html = login(world.county_admin).get(f"/demands/{demand.pk}/").content.decode()
    demand.refresh_from_db()
    assert demand.unmatched_terms
    assert "没有匹配到课程的词" in html
    assert all(word in html for word in demand.unmatched_terms)
    for persona in (world.secretary, world.town_admin):
        html = login(persona).get(f"/demands/{demand.pk}/").content.decode()
        assert 'data-testid="recommendation"' in html  # the page works …
        assert 'data-testid="unmatched"' not in html  # … without the county's note


def test_no_recommendation_says_what_to_do(world, login):
    demand = post_demand(world, topic="量子力学")
    html = login(world.secretary).get(f"/demands/{demand.pk}/").content.decode()
    assert 'data-testid="no-recommendations"' in html
    assert 'data-testid="recommendation"' not in html


# --- lists and entry points -------------------------------------------------------------------------


def test_empty_lists_say_what_to_do_next(world, login):
    html = login(world.lecturer).get("/demands/").content.decode()
    assert 'data-testid="no-orders"' in html and 'href="/offerings/publish/"' in html
    html = login(world.secretary).get("/demands/").content.decode()
    assert 'data-testid="no-demands"' in html and 'href="/demands/new/"' in html


def test_the_organisation_list_has_status_tabs(world, login):
    open_one = post_demand(world)
    withdrawn = post_demand(world, topic="党史学习")
    services.demand_cancel(actor=world.secretary, demand=withdrawn)
    client = login(world.secretary)
    html = client.get("/demands/").content.decode()
    assert f'id="demand-{open_one.pk}"' in html and f'id="demand-{withdrawn.pk}"' in html
    html = client.get("/demands/?status=open").content.decode()
    assert f'id="demand-{open_one.pk}"' in html and f'id="demand-{withdrawn.pk}"' not in html
    html = client.get("/demands/?status=cancelled").content.decode()
    assert f'id="demand-{open_one.pk}"' not in html and f'id="demand-{withdrawn.pk}"' in html


@pytest.mark.parametrize("who", ["secretary", "town_admin", "county_admin"])
def test_the_post_button_is_on_home_and_bookings(world, login, who):
    client = login(getattr(world, who))
    for url in ("/", "/bookings/"):
        html = client.get(url).content.decode()
        assert 'data-testid="post-demand"' in html and 'href="/demands/new/"' in html, url


def test_lecturers_get_no_post_button(world, login):
    client = login(world.lecturer)
    for url in ("/", "/bookings/", "/demands/"):
        assert 'data-testid="post-demand"' not in client.get(url).content.decode(), url


@pytest.mark.parametrize("who", ["lecturer", "secretary", "town_admin", "county_admin"])
def test_demands_live_inside_the_bookings_tab(world, login, who):
    client = login(getattr(world, who))
    for url in ("/", "/bookings/", "/demands/"):
        response = client.get(url)
        assert tab_bar_items(response) <= 5, url
    html = client.get("/demands/").content.decode()
    assert 'data-testid="section-bookings"' in html and 'data-testid="section-demands"' in html
    tabbar = re.search(r'<nav class="tabbar".*?</nav>', html, re.S).group(0)
    assert re.search(r'<a href="/bookings/" class="active"', tabbar)
    html = client.get("/bookings/").content.decode()
    assert 'href="/demands/"' in html


def test_the_lecturer_home_counts_orders_to_grab(world, login):
    client = login(world.lecturer)
    assert re.search(r"<span>待抢订单</span><b>0</b>", client.get("/").content.decode())
    demand = post_demand(world)
    services.demand_broadcast(actor=world.secretary, demand=demand, limit=3)
    assert re.search(r"<span>待抢订单</span><b>1</b>", client.get("/").content.decode())
    section = client.get("/bookings/").content.decode()
    assert re.search(
        r'data-testid="section-demands">[^<]*<span class="count-pill">1</span>', section
    )
