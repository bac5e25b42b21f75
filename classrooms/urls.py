from django.urls import path

from . import views

app_name = "classrooms"

urlpatterns = [
    path("classrooms/surveys/", views.survey_list, name="surveys"),
    path("classrooms/surveys/<int:survey_id>/", views.survey_detail, name="survey"),
    path("classrooms/wishes/", views.wishes, name="wishes"),
    path("classrooms/issues/", views.issues, name="issues"),
    path("classrooms/cases/", views.case_list, name="cases"),
    path("classrooms/cases/photos/<int:photo_id>/", views.field_photo, name="field_photo"),
    path("bookings/<int:booking_id>/field-report/", views.field_report_new, name="field_report"),
    # The member's page, without login, at an address printed in QR codes.
    path("survey/<int:survey_id>/", views.survey_answer_page, name="answer"),
    path("survey/<int:survey_id>/qr.svg", views.survey_qr, name="qr"),
]
