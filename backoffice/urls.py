from django.urls import path

from . import course_pages, lecturer_list_pages, views

app_name = "backoffice"

urlpatterns = [
    path("", views.index, name="index"),
    path("import/", views.import_page, name="import"),
    path("import/template/<str:kind>/", views.import_template, name="import_template"),
    path("import/<int:job_id>/", views.import_detail, name="import_detail"),
    path("import/<int:job_id>/status/", views.import_status, name="import_status"),
    path("import/<int:job_id>/passwords/", views.import_passwords, name="import_passwords"),
    path("audit/", views.audit, name="audit"),
    # Courses: the county reviews lecturers' proposals (course_pages.py).
    path("courses/", course_pages.course_list, name="course_list"),
    path("courses/<int:course_id>/", course_pages.course_review, name="course_review"),
    path(
        "courses/<int:course_id>/approve/",
        course_pages.course_review_approve,
        name="course_approve",
    ),
    path(
        "courses/<int:course_id>/return/", course_pages.course_review_return, name="course_return"
    ),
    path("lecturers/", lecturer_list_pages.lecturer_list, name="lecturer_list"),
    path("lecturers/new/", lecturer_list_pages.lecturer_create, name="lecturer_create"),
    path(
        "lecturers/new/<int:lecturer_id>/",
        lecturer_list_pages.lecturer_created,
        name="lecturer_created",
    ),
]
