from django.urls import path

from . import province_views, views

# Pages that compose several domains; their addresses are those of the domain they show.
urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/report/<int:year>/", views.year_report_page, name="year_report"),
    path("lecturers/", views.lecturer_list, name="lecturer_list"),
    path("lecturers/<int:lecturer_id>/", views.lecturer_detail, name="lecturer_detail"),
    path("province/", province_views.province_page, name="province"),
    path(
        "province/counties/<int:county_id>/",
        province_views.province_county,
        name="province_county",
    ),
]
