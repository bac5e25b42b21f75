from django.urls import path

from . import views

app_name = "classrooms"

urlpatterns = [
    path("classrooms/surveys/", views.survey_list, name="surveys"),
    path("classrooms/surveys/<int:survey_id>/", views.survey_detail, name="survey"),
    path("classrooms/wishes/", views.wishes, name="wishes"),
    path("classrooms/issues/", views.issues, name="issues"),
    # The member's page, without login, at an address printed in QR codes.
    path("survey/<int:survey_id>/", views.survey_answer_page, name="answer"),
    path("survey/<int:survey_id>/qr.svg", views.survey_qr, name="qr"),
]
