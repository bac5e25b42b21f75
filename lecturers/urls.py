from django.urls import path

from . import views

urlpatterns = [
    # The list and the résumé compose other domains' data: reports.urls.
    path("<int:lecturer_id>/like/", views.lecturer_like_view, name="lecturer_like"),
]
