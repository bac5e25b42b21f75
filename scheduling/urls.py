from django.urls import path

from . import views

urlpatterns = [
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
    path("bookings/", views.booking_list, name="booking_list"),
    path("bookings/new/", views.booking_new, name="booking_new"),
    path("bookings/new/clash/", views.booking_clash, name="booking_clash"),
    path("bookings/calendar/renew/", views.calendar_renew, name="calendar_renew"),
    # /bookings/<id>/ is a fixed address (API.md): messages and posters link to it.
    path("bookings/<int:booking_id>/", views.booking_detail, name="booking_detail"),
    path("bookings/<int:booking_id>/accept/", views.booking_accept, name="booking_accept"),
    path("bookings/<int:booking_id>/decline/", views.booking_decline, name="booking_decline"),
    path("bookings/<int:booking_id>/cancel/", views.booking_cancel, name="booking_cancel"),
    path("bookings/<int:booking_id>/complete/", views.booking_complete, name="booking_complete"),
    path(
        "bookings/<int:booking_id>/reschedule/",
        views.booking_reschedule,
        name="booking_reschedule",
    ),
    path("bookings/outside/", views.outside_list, name="outside_list"),
    path("bookings/outside/<int:session_id>/", views.outside_detail, name="outside_detail"),
    path("bookings/outside/<int:session_id>/decide/", views.outside_decide, name="outside_decide"),
    path("bookings/outside/<int:session_id>/letter/", views.outside_letter, name="outside_letter"),
    path("bookings/reported/", views.reported_list, name="reported_list"),
    path("offerings/", views.offering_list, name="offering_list"),
    path("offerings/publish/", views.offering_publish, name="offering_publish"),
    path("offerings/publish/copy/", views.offering_copy, name="offering_copy"),
]
