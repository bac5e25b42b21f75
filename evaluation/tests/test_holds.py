"""Issue 10: ratings that cannot be trusted yet are held (stored, not counted) until the
booking organisation confirms its attendance list or a county reviewer keeps them; the
repeated phone echoes nothing of the first trainee; tokens take ASCII digits only; the
trainee cookie holds no name or phone; the organisations' ranking filters by category."""

import base64
import ipaddress

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.translation import gettext as _

from conftest import run_in_threads
from core.audit import AuditLog
from core.tests.factories import make_course
from evaluation import services
from evaluation.models import TraineeRating
from evaluation.services import token_for
from evaluation.tests.recompute import assert_aggregates_match_the_rows
from lecturers.models import Lecturer
from orgs.models import CountySettings

from .test_evaluation import rating, session


def triple(i: int) -> dict:
    """Different scores for every i below 1,000 (the identical-scores rule stays quiet)."""
    return {"content": 10 + i % 41, "method": 5 + i % 46, "effect": i % 51}


def held_reasons(booking) -> dict[str, str]:
    return dict(
        TraineeRating.objects.filter(booking=booking, is_flagged=True).values_list(
            "phone", "flag_reason"
        )
    )


def history(world, n=20):
    """An earlier session of 张三丰 with n good ratings, each from its own address."""
    earlier = session(world, started_minutes_ago=60 * 5, attendees=n)
    for i in range(n):
        services.trainee_rate(
            token=token_for(earlier), name="学员", phone=f"1375555{i:04d}",
            scores={"content": 90 + i % 7, "method": 88 + i % 5, "effect": 91 + i % 3},
            client_ip=f"10.9.{i}.1",
        )  # fmt: skip
    return Lecturer.objects.get(pk=world.zhang.pk)


# --- the review's attack ------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_reviews_attack_is_held_as_a_whole_and_moves_nothing(world, anon_api):
    before = history(world)
    assert before.star == 5
    booking = session(world, attendees=40)
    url = f"/api/v1/evaluations/{token_for(booking)}"
    statuses = [
        anon_api.post(url, rating(phone=f"1390000{i:04d}", comment="", **triple(i))).status_code
        for i in range(45)  # invented phones, low scores, one address, within seconds
    ]
    assert statuses == [201] * 45  # stored (a class on one Wi-Fi must not be refused)
    rows = list(TraineeRating.objects.filter(booking=booking).order_by("rated_at", "id"))
    assert [r.client_ip for r in rows] == ["127.0.0.1"] * 45
    # Beyond the county's rate (10 a minute from one address) the whole burst is held, its
    # first ten too: the lecturer's score, star and count do not move.
    assert all(r.is_flagged for r in rows)
    assert set(held_reasons(booking).values()) == {
        _("many ratings from one address within a minute")
    }
    lecturer = Lecturer.objects.get(pk=world.zhang.pk)
    moved = (lecturer.score, lecturer.star, lecturer.rating_count)
    assert moved == (before.score, before.star, before.rating_count)
    assert_aggregates_match_the_rows()

    # The secretary confirms nobody: nothing moves; the county deletes the held ones.
    secretary = Client()
    secretary.force_login(world.secretary)
    response = secretary.post(f"/bookings/{booking.pk}/attendance/", {})
    assert response.status_code == 302
    lecturer.refresh_from_db()
    assert (lecturer.score, lecturer.star, lecturer.rating_count) == moved
    for r in rows:
        services.rating_review(actor=world.county_admin, rating=r, keep=False)
    lecturer.refresh_from_db()
    assert (lecturer.score, lecturer.star, lecturer.rating_count) == moved
    assert_aggregates_match_the_rows()


# --- a real class on one Wi-Fi --------------------------------------------------------------------


@pytest.mark.django_db
def test_a_class_of_30_on_one_wifi_is_held_then_counted_once_the_secretary_confirms(
    world,
):
    booking = session(world, attendees=30)
    url = f"/e/{token_for(booking)}"
    for i in range(30):  # each on own phone (own device cookie), one address
        phone = Client(REMOTE_ADDR="10.20.30.40")
        assert phone.get(url).status_code == 200
        response = phone.post(url, rating(name=f"学员{i}", phone=f"1388888{i:04d}", **triple(i)))
        assert (
            response.status_code == 200 and 'data-testid="my-rating"' in response.content.decode()
        )
    held = held_reasons(booking)
    assert len(held) == 30
    assert set(held.values()) == {_("many ratings from one address within a minute")}
    assert Lecturer.objects.get(pk=world.zhang.pk).rating_count == 0

    secretary = Client()
    secretary.force_login(world.secretary)
    page = secretary.get(f"/bookings/{booking.pk}/attendance/")
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('data-testid="check-in"') == 30
    assert html.count('data-state="held"') == 30 and html.count('name="attended"') == 30
    assert "138****0000" in html and "13888880000" not in html  # masked phones
    assert _("many ratings from one address within a minute") in html
    booking_page = secretary.get(f"/bookings/{booking.pk}/").content.decode()
    assert 'data-testid="attendance-link"' in booking_page

    ids = list(
        TraineeRating.objects.filter(booking=booking, is_flagged=True).values_list("pk", flat=True)
    )
    response = secretary.post(f"/bookings/{booking.pk}/attendance/", {"attended": ids})
    assert response.status_code == 302
    assert not TraineeRating.objects.filter(booking=booking, is_flagged=True).exists()
    assert set(TraineeRating.objects.filter(pk__in=ids).values_list("flag_reason", flat=True)) == {
        services.CONFIRMED
    }
    assert Lecturer.objects.get(pk=world.zhang.pk).rating_count == 30
    assert_aggregates_match_the_rows()
    entry = AuditLog.objects.get(action="attendance.confirm")
    assert entry.actor == world.secretary and sorted(entry.after["confirmed"]) == sorted(ids)
    # Confirmed ratings are never held again by a later check.
    assert services.flag_suspicious(booking) == 0


# --- device, window, attendees ---------------------------------------------------------------------


@pytest.mark.django_db
def test_the_second_phone_from_one_device_onward_is_held(world):
    booking = session(world)
    url = f"/e/{token_for(booking)}"
    shared = Client(REMOTE_ADDR="10.0.0.1")
    shared.get(url)
    for i in range(3):  # the same phone (device cookie) for three trainees
        shared.cookies.pop("jt_rated", None)
        response = shared.post(url, rating(phone=f"1377777{i:04d}", **triple(i)))
        assert 'data-testid="my-rating"' in response.content.decode()
    assert held_reasons(booking) == {
        f"1377777{i:04d}": _("another phone has rated from this device") for i in (1, 2)
    }
    assert Lecturer.objects.get(pk=world.zhang.pk).rating_count == 1
    assert_aggregates_match_the_rows()


@pytest.mark.django_db
def test_ratings_before_the_start_are_held_until_confirmed(world, anon_api):
    early = session(world, started_minutes_ago=-20)  # check-in opened 10 minutes ago
    response = anon_api.post(f"/api/v1/evaluations/{token_for(early)}", rating())
    assert response.status_code == 201
    assert held_reasons(early) == {"13912345678": _("rated before the session started")}
    assert Lecturer.objects.get(pk=world.zhang.pk).rating_count == 0
    record = TraineeRating.objects.get(booking=early)
    assert services.attendance_confirm(actor=world.town_admin, booking=early, rating_ids=[record.pk]) == 1  # fmt: skip
    assert Lecturer.objects.get(pk=world.zhang.pk).rating_count == 1
    assert_aggregates_match_the_rows()


@pytest.mark.django_db
def test_ratings_beyond_the_expected_attendees_are_held(world):
    booking = session(world, attendees=3)
    for i in range(5):
        services.trainee_rate(
            token=token_for(booking), name="学员", phone=f"1366666{i:04d}", scores=triple(i),
            client_ip=f"10.0.{i}.1", device=f"d{i}",
        )  # fmt: skip
    assert held_reasons(booking) == {
        f"1366666{i:04d}": _("more ratings than expected attendees") for i in (3, 4)
    }
    assert Lecturer.objects.get(pk=world.zhang.pk).rating_count == 3
    assert_aggregates_match_the_rows()


@pytest.mark.django_db
def test_the_rate_is_the_countys(world):
    CountySettings.objects.update_or_create(
        county=world.county, defaults={"rating_burst_per_minute": 2}
    )
    booking = session(world)

    def rate(i, address):
        services.trainee_rate(
            token=token_for(booking), name="学员", phone=f"1355555{i:04d}", scores=triple(i),
            client_ip=address,
        )  # fmt: skip

    for i in range(2):
        rate(i, "10.1.1.1")
    assert held_reasons(booking) == {}  # two a minute: within the county's rate
    rate(2, "10.1.1.2")  # another address does not count against it
    assert held_reasons(booking) == {}
    rate(3, "10.1.1.1")  # the third from the address: the whole burst is held
    assert sorted(held_reasons(booking)) == ["13555550000", "13555550001", "13555550003"]
    assert Lecturer.objects.get(pk=world.zhang.pk).rating_count == 1
    assert_aggregates_match_the_rows()


# --- who confirms ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_outsiders_neither_see_nor_confirm_another_organisations_attendance_list(world):
    booking = session(world, attendees=1)
    for i in range(2):
        services.trainee_rate(
            token=token_for(booking), name="学员", phone=f"1344444{i:04d}", scores=triple(i)
        )
    held = TraineeRating.objects.get(booking=booking, is_flagged=True)
    url = f"/bookings/{booking.pk}/attendance/"
    for who, status in (("other_secretary", 404), ("outsider", 404), ("lecturer", 403)):
        client = Client()
        client.force_login(getattr(world, who))
        assert client.get(url).status_code == status, who
        assert client.post(url, {"attended": [held.pk]}).status_code == status, who
    assert TraineeRating.objects.get(pk=held.pk).is_flagged
    assert not AuditLog.objects.filter(action="attendance.confirm").exists()
    for who in ("secretary", "town_admin", "county_admin"):
        client = Client()
        client.force_login(getattr(world, who))
        assert client.get(url).status_code == 200, who
    # A rating of another session cannot be confirmed through this one.
    other = session(world, started_minutes_ago=60 * 4, attendees=1)
    for phone in ("13444449998", "13444449999"):
        services.trainee_rate(token=token_for(other), name="学员", phone=phone, scores=triple(9))
    stranger = TraineeRating.objects.get(booking=other, is_flagged=True)
    assert services.attendance_confirm(actor=world.secretary, booking=booking, rating_ids=[stranger.pk, "x", "²"]) == 0  # fmt: skip
    assert TraineeRating.objects.get(pk=stranger.pk).is_flagged


@pytest.mark.django_db
def test_the_county_review_covers_the_new_reasons(world, login_client):
    booking = session(world, started_minutes_ago=-20)
    services.trainee_rate(token=token_for(booking), name="早到", phone="13333330000", scores=triple(1))  # fmt: skip
    admin = login_client(world.county_admin)
    html = admin.get("/evaluation/flags/").content.decode()
    assert 'data-testid="flag"' in html and _("rated before the session started") in html
    rating_id = TraineeRating.objects.get(booking=booking).pk
    admin.post(f"/evaluation/flags/{rating_id}/review/", {"decision": "keep"})
    assert Lecturer.objects.get(pk=world.zhang.pk).rating_count == 1
    assert AuditLog.objects.filter(action="rating.keep").exists()


@pytest.fixture
def login_client():
    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make


# --- concurrency -------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_threads_from_one_address_hold_the_whole_burst(world):
    booking = session(world, attendees=200)
    token = token_for(booking)
    n, rate = 24, CountySettings.for_county(world.county.pk).rating_burst_per_minute

    def submit(i):
        return services.trainee_rate(
            token=token, name="学员", phone=f"1322222{i:04d}", scores=triple(i),
            device=f"device-{i}", client_ip="10.5.5.5",
        )[1]  # fmt: skip

    assert run_in_threads(submit, n) == [True] * n
    rows = list(TraineeRating.objects.filter(booking=booking).order_by("rated_at", "id"))
    assert n > rate and all(r.is_flagged for r in rows)
    assert Lecturer.objects.get(pk=world.zhang.pk).rating_count == 0
    assert services.flag_suspicious(booking) == 0  # the whole-session check agrees
    assert_aggregates_match_the_rows()


# --- the repeated phone -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_repeated_phone_on_the_page_sees_nothing_of_the_first_trainee(world):
    booking = session(world)
    url = f"/e/{token_for(booking)}"
    first = Client()
    first.post(
        url, rating(name="王秘密", comment="只给自己看的评语", content=77, method=66, effect=55)
    )
    other = Client()
    response = other.post(url, rating(name="冒充者", content=10, method=10, effect=10))
    html = response.content.decode()
    assert response.status_code == 200
    assert "王秘密" not in html and "只给自己看的评语" not in html
    assert 'data-testid="my-rating"' not in html and "jt_rated" not in response.cookies
    again = other.get(url).content.decode()
    assert "王秘密" not in again and 'data-testid="my-rating"' not in again
    # The first trainee still sees the own record.
    assert "只给自己看的评语" in first.get(url).content.decode()


# --- the trainee cookie --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_trainee_cookie_holds_no_name_or_phone_and_lasts_the_rating_window(world, settings):
    settings.SESSION_COOKIE_SECURE = True
    booking = session(world)
    url = f"/e/{token_for(booking)}"
    client = Client()
    response = client.post(url, rating(name="李学员", phone="13912345678"))
    cookie = response.cookies["jt_rated"]
    value = cookie.value
    decoded = base64.urlsafe_b64decode(value.split(":")[0] + "==").decode("utf-8", "replace")
    for secret in ("13912345678", "李学员"):
        assert secret not in value and secret not in decoded
    assert cookie["httponly"] and cookie["secure"] and cookie["samesite"] == "Lax"
    assert cookie["path"] == url
    closes = booking.end_at + timezone.timedelta(hours=24)
    assert 0 < int(cookie["max-age"]) <= (closes - timezone.now()).total_seconds() + 1
    device = response.cookies["jt_device"]
    assert (
        device["httponly"] and device["secure"] and int(device["max-age"]) == int(cookie["max-age"])
    )
    # A cookie signed for another session shows nothing there.
    other = session(world, started_minutes_ago=60 * 3)
    foreign = Client()
    foreign.cookies["jt_rated"] = value
    assert 'data-testid="my-rating"' not in foreign.get(f"/e/{token_for(other)}").content.decode()


@pytest.mark.django_db
def test_the_client_address_comes_from_the_trusted_proxy(world, settings, anon_api):
    settings.TRUSTED_PROXY_NETWORKS = [ipaddress.ip_network("127.0.0.1/32")]
    booking = session(world)
    anon_api.post(
        f"/api/v1/evaluations/{token_for(booking)}", rating(),
        headers={"X-Forwarded-For": "1.2.3.4, 10.7.7.7"},
    )  # fmt: skip
    assert TraineeRating.objects.get().client_ip == "10.7.7.7"


# --- tokens ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_tokens_take_ascii_digits_only(world, anon_api, client):
    booking = session(world)
    booking_id, signature = token_for(booking).split("-")
    wide = "".join(chr(ord(c) - ord("0") + ord("０")) for c in booking_id)
    for token in (f"{wide}-{signature}", f"²-{signature}", f"{booking_id}-é{signature[1:]}", "٣-x"):
        assert anon_api.post(f"/api/v1/evaluations/{token}", rating()).status_code == 404, token
        assert client.get(f"/e/{token}").status_code == 404, token
    assert not TraineeRating.objects.exists()


# --- the organisations' ranking by category ------------------------------------------------------------


@pytest.mark.django_db
def test_the_organisations_ranking_filters_by_category(world, api_as):
    theory = make_course(world.zhang, "党的创新理论", "political_theory")
    policy_session = session(world, started_minutes_ago=60)
    theory_session = session(world, started_minutes_ago=60 * 4)
    theory_session.course = theory
    theory_session.org = world.unit
    theory_session.save(update_fields=["course", "org"])
    for booking in (policy_session, theory_session):
        services.org_rating_submit(
            actor=world.lecturer, booking=booking, performance=90, discipline=80, engagement=70
        )
    client = api_as(world.secretary)
    everything = client.get("/api/v1/rankings/orgs").json()["items"]
    assert {i["id"] for i in everything} == {world.branch.pk, world.unit.pk}
    policy = client.get("/api/v1/rankings/orgs", {"category": "situation_policy"}).json()["items"]
    assert [(i["id"], i["sessions"]) for i in policy] == [(world.branch.pk, 1)]
    theory_items = client.get("/api/v1/rankings/orgs", {"category": "political_theory"}).json()
    assert [i["id"] for i in theory_items["items"]] == [world.unit.pk]
    assert client.get("/api/v1/rankings/orgs", {"category": "nope"}).status_code in (400, 422)
