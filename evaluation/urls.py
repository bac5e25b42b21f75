from django.urls import path

from . import views

urlpatterns = [path("e/<str:token>", views.trainee_page, name="trainee_page")]
