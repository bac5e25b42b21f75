"""Bench-classroom sessions (板凳课堂, G7c) name the place they go out to; a home delivery
(送教上门) records the member served and why, seen only by the branch and the admins above it."""

import pytest

from scheduling.models import Booking

from .test_pages import form_data

URL = "/api/v1/bookings"
HOME = {
    "classroom": "bench",
    "place_type": "home",
    "home_delivery_need": "卧床，需上门讲授",
    "home_member_name": "王秀英",
    "home_member_reason": "illness",
}


def test_an_outreach_session_in_a_firm_is_stored_with_its_place(world, api_as, booking_payload):
    response = api_as(world.secretary).post(
        URL, booking_payload(classroom="bench", place_type="firm")
    )
    assert response.status_code == 201, response.content
    assert response.json()["place_type"] == "firm"
    booking = Booking.objects.get()
    assert (booking.place_type, booking.is_home_delivery) == ("firm", False)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"classroom": "bench", "place_type": "castle"}, "place_type"),
        ({"classroom": "classroom", "place_type": "field"}, "place_type"),
        ({**HOME, "home_member_name": " "}, "home_member_name"),
        ({**HOME, "home_member_reason": "busy"}, "home_member_reason"),
        ({**HOME, "home_member_reason": ""}, "home_member_reason"),
        ({**HOME, "place_type": "community", "is_home_delivery": True}, "place_type"),
    ],
)
def test_a_bad_place_is_refused_and_nothing_is_written(
    world, api_as, booking_payload, change, field
):
    response = api_as(world.secretary).post(URL, booking_payload(**change))
    assert response.status_code == 422, response.content
    assert field in response.json()["fields"]
    assert not Booking.objects.exists()


def test_the_member_served_at_home_is_seen_by_the_branch_and_county_only(
    world, api_as, booking_payload, login
):
    created = api_as(world.secretary).post(URL, booking_payload(**HOME))
    assert created.status_code == 201, created.content
    assert created.json()["home_member_name"] == "王秀英"
    booking_id = created.json()["id"]
    assert Booking.objects.get().is_home_delivery
    for user in (world.county_admin, world.town_admin):
        seen = api_as(user).get(f"{URL}/{booking_id}").json()
        assert (seen["home_member_name"], seen["home_member_reason"]) == ("王秀英", "illness")
    # The lecturer goes to the address but does not get the member's name or illness.
    as_lecturer = api_as(world.lecturer).get(f"{URL}/{booking_id}").json()
    assert (as_lecturer["home_member_name"], as_lecturer["home_member_reason"]) == ("", "")
    listed = api_as(world.lecturer).get(URL).json()["items"]
    assert listed and "王秀英" not in str(listed)
    lecturer_page = login(world.lecturer).get(f"/bookings/{booking_id}/").content.decode()
    assert "王秀英" not in lecturer_page
    assert "王秀英" in login(world.secretary).get(f"/bookings/{booking_id}/").content.decode()
    # Other branches and other counties do not see the booking at all.
    for user in (world.other_secretary, world.outsider):
        assert api_as(user).get(f"{URL}/{booking_id}").status_code == 404
        assert "王秀英" not in str(api_as(user).get(URL).json())
    # Nor is it on the lecturer's public résumé, on the page or in the API.
    resume = login(world.other_secretary).get(f"/lecturers/{world.zhang.pk}/").content.decode()
    assert "王秀英" not in resume
    api_resume = api_as(world.other_secretary).get(f"/api/v1/lecturers/{world.zhang.pk}")
    assert api_resume.status_code == 200 and "王秀英" not in api_resume.content.decode()


def test_the_booking_form_takes_the_place_and_the_member(world, login):
    data = form_data(world, **HOME)
    response = login(world.secretary).post(f"/bookings/new/?lecturer={world.zhang.pk}", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    booking = Booking.objects.get()
    assert (booking.place_type, booking.home_member_name, booking.home_member_reason) == (
        "home",
        "王秀英",
        "illness",
    )
    refused = login(world.secretary).post(
        f"/bookings/new/?lecturer={world.zhang.pk}", {**data, "home_member_name": ""}
    )
    assert 'id="field-home_member_name"' in refused.content.decode()
    assert Booking.objects.count() == 1
