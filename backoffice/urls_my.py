"""The lecturer's own pages (/my/), beside the county's back office (/manage/)."""

from django.urls import path

from . import my_pages

app_name = "my"

urlpatterns = [
    path("", my_pages.profile, name="profile"),
    path("courses/", my_pages.courses, name="courses"),
    path("courses/new/", my_pages.course_new, name="course_new"),
    path("courses/<int:course_id>/change/", my_pages.course_change, name="course_change"),
    path("record/", my_pages.record, name="record"),
]
