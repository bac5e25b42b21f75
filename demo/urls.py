from django.urls import path

from . import views

urlpatterns = [
    path("progress", views.progress_state, name="demo_progress"),
]
