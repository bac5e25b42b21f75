from django.urls import path

from . import views

urlpatterns = [
    path("county/", views.county_settings, name="county_settings"),
]
