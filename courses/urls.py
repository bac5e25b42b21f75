from django.urls import path

from . import views

urlpatterns = [
    path("", views.course_list, name="course_list"),
    path("<int:course_id>/", views.course_detail, name="course_detail"),
    path("<int:course_id>/courseware/", views.course_attachment, name="course_attachment"),
    path(
        "<int:course_id>/courseware/proposed/",
        views.course_attachment,
        {"pending": True},
        name="course_attachment_pending",
    ),
]
