from django.urls import path

from . import views

app_name = "appraisal"

urlpatterns = [
    path("", views.index, name="index"),
    path("rules/", views.rules, name="rules"),
    path("mine/", views.mine, name="mine"),
    path("<int:year>/", views.year, name="year"),
    path("<int:year>/status/", views.year_status, name="year_status"),
    path("<int:year>/run/", views.year_run, name="year_run"),
    path("<int:year>/publish/", views.year_publish, name="year_publish"),
    path("<int:year>/print/", views.year_print, name="year_print"),
    path("<int:year>/<int:lecturer_id>/", views.result, name="result"),
    path("<int:year>/<int:lecturer_id>/grade/", views.result_override, name="result_override"),
]
