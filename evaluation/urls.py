from django.urls import path

from . import views

urlpatterns = [
    path("e/<str:token>", views.trainee_page, name="trainee_page"),
    path("bookings/<int:booking_id>/poster/", views.poster, name="evaluation_poster"),
    path("bookings/<int:booking_id>/quality-form/", views.quality_form, name="quality_form"),
    path("bookings/<int:booking_id>/org-rating/", views.org_rating, name="org_rating"),
    path("bookings/<int:booking_id>/attendance/", views.attendance, name="evaluation_attendance"),
    path("rankings/", views.rankings, name="rankings"),
    path("evaluation/rollup/", views.rollup, name="evaluation_rollup"),
    path("evaluation/flags/", views.flags, name="evaluation_flags"),
    path(
        "evaluation/flags/<int:rating_id>/review/", views.flag_review, name="evaluation_flag_review"
    ),
]
