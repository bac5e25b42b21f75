from django.urls import path

from . import views

urlpatterns = [
    path("", views.demand_list, name="demand_list"),
    path("new/", views.demand_new, name="demand_new"),
    # /demands/<id>/ is a fixed address (API.md): messages to lecturers link to it.
    path("<int:demand_id>/", views.demand_detail, name="demand_detail"),
    path("<int:demand_id>/broadcast/", views.demand_broadcast, name="demand_broadcast"),
    path("<int:demand_id>/invite/", views.demand_invite, name="demand_invite"),
    path("<int:demand_id>/cancel/", views.demand_cancel, name="demand_cancel"),
    path("<int:demand_id>/grab/", views.demand_grab, name="demand_grab"),
]
