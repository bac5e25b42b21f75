from django.urls import path

from . import views

app_name = "development"

urlpatterns = [
    path("calls/", views.call_list, name="calls"),
    path("calls/new/", views.call_new, name="call_new"),
    path("calls/<int:call_id>/", views.call_detail, name="call"),
    path("calls/<int:call_id>/nominate/", views.nominate, name="nominate"),
    path("c/<str:key>/", views.public_call, name="public_call"),
    path("n/<str:key>/", views.track, name="track"),
    path("nominations/<int:nomination_id>/", views.nomination_detail, name="nomination"),
    path("nominations/<int:nomination_id>/review/", views.nomination_review, name="review"),
    path("nominations/<int:nomination_id>/certificate/", views.certificate, name="certificate"),
    path(
        "nominations/<int:nomination_id>/certificate.pdf",
        views.certificate_download,
        name="certificate_pdf",
    ),
    path("materials/<int:material_id>/", views.material_download, name="material"),
    path("pairings/", views.pairing_list, name="pairings"),
    path("pairings/new/", views.pairing_new, name="pairing_new"),
    path("pairings/<int:pairing_id>/", views.pairing_detail, name="pairing"),
    path("pairings/<int:pairing_id>/done/", views.pairing_stage_done, name="pairing_done"),
    path("pairings/<int:pairing_id>/material/", views.pairing_material, name="pairing_material"),
    path(
        "pairing-materials/<int:step_id>/",
        views.pairing_material_download,
        name="pairing_material_file",
    ),
]
