from django.urls import path

from . import views

app_name = "classrooms"

urlpatterns = [
    path("classrooms/surveys/", views.survey_list, name="surveys"),
    path("classrooms/surveys/<int:survey_id>/", views.survey_detail, name="survey"),
    path("classrooms/wishes/", views.wishes, name="wishes"),
    path("classrooms/issues/", views.issues, name="issues"),
    path("classrooms/issues/<int:issue_id>/resolve/", views.issue_resolve, name="issue_resolve"),
    path("classrooms/meetings/", views.meeting_list, name="meetings"),
    path("classrooms/meetings/new/", views.meeting_new, name="meeting_new"),
    path("classrooms/meetings/<int:meeting_id>/", views.meeting_detail, name="meeting"),
    path("classrooms/meetings/<int:meeting_id>/edit/", views.meeting_edit, name="meeting_edit"),
    path(
        "classrooms/meetings/attachments/<int:attachment_id>/",
        views.meeting_attachment,
        name="meeting_attachment",
    ),
    path("classrooms/cases/", views.case_list, name="cases"),
    path("classrooms/cases/photos/<int:photo_id>/", views.field_photo, name="field_photo"),
    path("bookings/<int:booking_id>/field-report/", views.field_report_new, name="field_report"),
    # Cloud lessons, without login: opened from a branch's link like the survey.
    path("lessons/<int:lesson_id>/", views.lesson_watch, name="lesson"),
    path(
        "lessons/<int:lesson_id>/group-viewing/",
        views.group_viewing_new,
        name="group_viewing",
    ),
    path("lessons/<int:lesson_id>/video", views.lesson_file, name="lesson_file"),
    path("lessons/<int:lesson_id>/poster.jpg", views.lesson_poster, name="lesson_poster"),
    path("lessons/<int:lesson_id>/beacon", views.lesson_beacon, name="lesson_beacon"),
    # The member's page, without login, at an address printed in QR codes.
    path("survey/<int:survey_id>/", views.survey_answer_page, name="answer"),
    path("survey/<int:survey_id>/qr.svg", views.survey_qr, name="qr"),
]
