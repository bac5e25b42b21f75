from django.urls import path

from . import course_pages, lecturer_list_pages, lecturer_pages, org_pages, privacy_pages, views

app_name = "backoffice"

urlpatterns = [
    path("", views.index, name="index"),
    path("import/", views.import_page, name="import"),
    path("import/template/<str:kind>/", views.import_template, name="import_template"),
    path("import/<int:job_id>/", views.import_detail, name="import_detail"),
    path("import/<int:job_id>/status/", views.import_status, name="import_status"),
    path("import/<int:job_id>/passwords/", views.import_passwords, name="import_passwords"),
    path("audit/", views.audit, name="audit"),
    # A person's data on request: export and erasure (privacy_pages.py).
    path("privacy/", privacy_pages.privacy_lookup, name="privacy"),
    path("privacy/export/", privacy_pages.privacy_export, name="privacy_export"),
    path("privacy/erase/", privacy_pages.privacy_erase, name="privacy_erase"),
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

# One lecturer's management pages (backoffice/lecturer_pages.py).
urlpatterns += [
    path("lecturers/<int:lecturer_id>/", lecturer_pages.lecturer_manage, name="lecturer_manage"),
    path("lecturers/<int:lecturer_id>/edit/", lecturer_pages.lecturer_edit, name="lecturer_edit"),
    path(
        "lecturers/<int:lecturer_id>/honours/",
        lecturer_pages.lecturer_honours,
        name="lecturer_honours",
    ),
    path(
        "lecturers/<int:lecturer_id>/honours/<int:honour_id>/withdraw/",
        lecturer_pages.lecturer_honour_withdraw,
        name="lecturer_honour_withdraw",
    ),
    path(
        "lecturers/<int:lecturer_id>/status/",
        lecturer_pages.lecturer_status,
        name="lecturer_status",
    ),
    path(
        "lecturers/<int:lecturer_id>/courses/new/",
        lecturer_pages.lecturer_course_new,
        name="lecturer_course_new",
    ),
]

# Organisations (org_pages.py).
urlpatterns += [
    path("orgs/", org_pages.org_list, name="org_list"),
    path("orgs/new/", org_pages.org_create, name="org_create"),
    path("orgs/<int:org_id>/edit/", org_pages.org_edit, name="org_edit"),
    path("orgs/<int:org_id>/deactivate/", org_pages.org_deactivate, name="org_deactivate"),
]
