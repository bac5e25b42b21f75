"""The composed pages keep the addresses API.md fixes, whichever app draws them."""

from django.urls import resolve, reverse

from reports import views
from scheduling import views as scheduling_views


def test_the_composed_pages_keep_their_addresses():
    assert reverse("home") == "/"
    assert reverse("lecturer_list") == "/lecturers/"
    assert reverse("lecturer_detail", args=[7]) == "/lecturers/7/"
    assert reverse("lecturer_like", args=[7]) == "/lecturers/7/like/"
    assert reverse("booking_detail", args=[7]) == "/bookings/7/"
    assert reverse("org_pick") == "/orgs/pick/"
    assert reverse("county_settings") == "/settings/county/"


def test_reports_draws_the_pages_that_compose_several_domains():
    assert resolve("/").func is views.home
    assert resolve("/lecturers/").func is views.lecturer_list
    assert resolve("/lecturers/7/").func is views.lecturer_detail
    assert resolve("/bookings/7/").func is scheduling_views.booking_detail
