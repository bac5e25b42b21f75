from django.urls import path

from . import views

urlpatterns = [
    path("", views.lecturer_list, name="lecturer_list"),
    path("<int:lecturer_id>/", views.lecturer_detail, name="lecturer_detail"),
    path("<int:lecturer_id>/like/", views.lecturer_like_view, name="lecturer_like"),
]
