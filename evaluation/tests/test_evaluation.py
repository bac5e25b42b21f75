import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conftest import run_in_threads
from core.tests.factories import session
from evaluation.models import TraineeRating
from evaluation.services import token_for
from lecturers.models import Lecturer
from scheduling import services as scheduling
from scheduling.models import Booking, BookingStatus


def rating(**change):
    data = {
        "name": "李学员",
        "phone": "13912345678",
        "content": 90,
        "method": 85,
        "effect": 95,
        "comment": "很好",
    }
    data.update(change)
    return data


@pytest.mark.django_db
def test_a_trainee_rates_and_the_lecturers_star_follows(world, anon_api):
    booking = session(world)
    response = anon_api.post(f"/api/v1/evaluations/{token_for(booking)}", rating())
    assert response.status_code == 201, response.content
    assert response.json()["content"] == 90
    lecturer = Lecturer.objects.get(pk=world.zhang.pk)
    assert lecturer.score == 90.0 and lecturer.star == 5 and lecturer.rating_count == 1


@pytest.mark.django_db
def test_the_same_phone_gets_its_first_record_back(world, anon_api):
    booking = session(world)
    url = f"/api/v1/evaluations/{token_for(booking)}"
    first = anon_api.post(url, rating()).json()
    again = anon_api.post(url, rating(content=10, comment="改主意了"))
    # Only the first record's id and time: never the first trainee's scores or comment.
    assert again.status_code == 200
    assert again.json() == {"id": first["id"], "created_at": first["created_at"]}
    assert TraineeRating.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("token_change", "status"),
    [(lambda t: t[:-1] + ("0" if t[-1] != "0" else "1"), 404), (lambda t: "999-abc", 404)],
)
def test_a_forged_token_is_404(world, anon_api, token_change, status):
    booking = session(world)
    assert (
        anon_api.post(
            f"/api/v1/evaluations/{token_change(token_for(booking))}", rating()
        ).status_code
        == status
    )


@pytest.mark.django_db
def test_an_expired_or_cancelled_session_is_410_and_an_early_one_409(world, anon_api):
    old = session(world, started_minutes_ago=60 * 30)
    assert anon_api.post(f"/api/v1/evaluations/{token_for(old)}", rating()).status_code == 410
    cancelled = session(world, status=BookingStatus.CANCELLED)
    assert anon_api.post(f"/api/v1/evaluations/{token_for(cancelled)}", rating()).status_code == 410
    future = session(world, started_minutes_ago=-120)
    response = anon_api.post(f"/api/v1/evaluations/{token_for(future)}", rating())
    assert response.status_code == 409 and response.json()["code"] == "not_open"
    assert not TraineeRating.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"content": 101}, "content"),
        ({"method": -1}, "method"),
        ({"effect": 50.5}, "effect"),
        ({"effect": "很好"}, "effect"),
        ({"phone": ""}, "phone"),
        ({"phone": "12345678901"}, "phone"),
        ({"name": ""}, "name"),
        ({"comment": "长" * 10000}, "comment"),
    ],
)
def test_bad_ratings_are_refused(world, anon_api, change, field):
    booking = session(world)
    response = anon_api.post(f"/api/v1/evaluations/{token_for(booking)}", rating(**change))
    assert response.status_code in (400, 422), response.content
    assert field in response.json()["fields"]
    assert not TraineeRating.objects.exists()


@pytest.mark.django_db
def test_html_in_a_comment_is_stored_and_shown_escaped(world, anon_api, client):
    booking = session(world)
    token = token_for(booking)
    anon_api.post(f"/api/v1/evaluations/{token}", rating(comment="<script>alert(1)</script>"))
    assert TraineeRating.objects.get().comment == "<script>alert(1)</script>"
    client.cookies.load({})
    page = client.post(
        f"/e/{token}", rating(comment="<b>x</b>", phone="13912340000")
    ).content.decode()
    assert "&lt;b&gt;x&lt;/b&gt;" in page and "<b>x</b>" not in page


@pytest.mark.django_db(transaction=True)
def test_concurrent_repeats_of_one_phone_make_one_record(world):
    booking = session(world)
    url = f"/api/v1/evaluations/{token_for(booking)}"

    def post(_i):
        return Client().post(url, rating(), content_type="application/json").status_code

    results = run_in_threads(post, 10)  # the per-phone limit allows ten a minute
    assert sorted(results) == [200] * 9 + [201], results
    assert TraineeRating.objects.count() == 1
    assert Lecturer.objects.get(pk=world.zhang.pk).rating_count == 1


@pytest.mark.django_db
def test_the_trainee_page_checks_in_rates_and_remembers(world, client):
    booking = session(world)
    url = f"/e/{token_for(booking)}"
    page = client.get(url)
    assert page.status_code == 200 and len(page.content) < 100_000
    assert "乡村振兴战略与农村产业发展" in page.content.decode()
    done = client.post(url, rating())
    assert done.status_code == 200 and 'data-testid="my-rating"' in done.content.decode()
    # A second scan on the same phone shows the own record instead of a new form.
    assert 'data-testid="my-rating"' in client.get(url).content.decode()
    bad = Client().post(url, rating(phone="123"))
    assert bad.status_code == 422 and "has-error" in bad.content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_trainee_page_keeps_its_session_until_a_write(world):
    """A hall scanning the code at once: the page reads its session and the county's rules
    once (core.read_cache), and a change of the session shows at the next scan."""
    booking = session(world)
    url = f"/e/{token_for(booking)}"
    assert Client().get(url).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        again = Client().get(url)
    assert again.status_code == 200 and "乡村振兴战略与农村产业发展" in again.content.decode()
    read = " ".join(q["sql"] for q in queries.captured_queries)
    assert "scheduling_booking" not in read and "orgs_countysettings" not in read

    # Cancelled (any committed write moves the data generation on): closed at the next scan.
    scheduling.booking_cancel(actor=world.county_admin, booking=booking, reason="改期")
    assert Client().get(url).status_code == 410


@pytest.mark.django_db
def test_the_lecturer_rates_the_organisation_once(world, api_as):
    booking = session(world)
    client = api_as(world.lecturer)
    url = f"/api/v1/bookings/{booking.pk}/org-evaluation"
    payload = {"performance": 90, "discipline": 80, "engagement": 70}
    assert client.post(url, payload).status_code == 201
    assert client.post(url, payload).status_code == 409
    assert api_as(world.secretary).post(url, payload).status_code == 403
    assert api_as(world.outsider).post(url, payload).status_code == 404
    ranking = api_as(world.secretary).get("/api/v1/rankings/orgs").json()["items"]
    assert ranking[0]["id"] == world.branch.pk and ranking[0]["sessions"] == 1


@pytest.mark.django_db
def test_rankings_prefer_many_good_ratings_over_a_few_perfect(world, anon_api, api_as):
    few = session(world)
    for i in range(2):
        anon_api.post(
            f"/api/v1/evaluations/{token_for(few)}",
            rating(phone=f"1391111000{i}", content=100, method=100, effect=100),
        )
    now = timezone.now()
    many = Booking.objects.create(
        county=world.county, org=world.branch, lecturer=world.li, course=world.course_li,
        start_at=now - timezone.timedelta(minutes=10), end_at=now + timezone.timedelta(hours=1), venue="x",
        expected_attendees=100, classroom="classroom", requested_by=world.secretary, expires_at=now, status="confirmed",
    )  # fmt: skip
    for i in range(60):
        anon_api.client.defaults["REMOTE_ADDR"] = f"10.0.{i}.1"  # each on own mobile data
        anon_api.post(
            f"/api/v1/evaluations/{token_for(many)}",
            rating(
                phone=f"1392222{i:04d}", content=88 + i % 10, method=86 + i % 7, effect=90 + i % 5
            ),
        )
    items = api_as(world.secretary).get("/api/v1/rankings/lecturers").json()["items"]
    assert [i["id"] for i in items] == [world.li.pk, world.zhang.pk]
    assert api_as(world.outsider).get("/api/v1/rankings/lecturers").json()["items"] == []


@pytest.mark.django_db
def test_the_qr_code_is_for_the_parties(world, api_as):
    booking = session(world)
    svg = api_as(world.secretary).get(f"/api/v1/bookings/{booking.pk}/qrcode.svg")
    assert (
        svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content
    )
    png = api_as(world.lecturer).get(f"/api/v1/bookings/{booking.pk}/qrcode.png")
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    assert (
        api_as(world.outsider).get(f"/api/v1/bookings/{booking.pk}/qrcode.svg").status_code == 404
    )
    assert (
        api_as(world.other_secretary).get(f"/api/v1/bookings/{booking.pk}/qrcode.png").status_code
        == 404
    )


@pytest.mark.django_db
def test_one_phone_hammering_the_form_is_rate_limited(world, anon_api):
    booking = session(world)
    url = f"/api/v1/evaluations/{token_for(booking)}"
    statuses = [anon_api.post(url, rating()).status_code for _ in range(12)]
    assert statuses[0] == 201 and set(statuses[1:10]) == {200}
    assert statuses[-1] == 429
    assert TraineeRating.objects.count() == 1
