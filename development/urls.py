from django.urls import path

from . import pool_views, programme_views, views

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
    # The pool beyond the calls (邀一批, 聘一批, 备一批).
    path("invitations/", pool_views.invitation_list, name="invitations"),
    path("invitations/new/", pool_views.invitation_new, name="invitation_new"),
    path("invitations/<int:invitation_id>/", pool_views.invitation_detail, name="invitation"),
    path("hired/", pool_views.hiring_list, name="hirings"),
    path("hired/new/", pool_views.hiring_new, name="hiring_new"),
    path("hired/<int:hiring_id>/", pool_views.hiring_detail, name="hiring"),
    path("hired/<int:hiring_id>/letter/", pool_views.hiring_letter, name="hiring_letter"),
    path(
        "hired/<int:hiring_id>/letter.pdf",
        pool_views.hiring_letter_download,
        name="hiring_letter_pdf",
    ),
    path("campaigns/", pool_views.campaign_list, name="campaigns"),
    path("campaigns/new/", pool_views.campaign_new, name="campaign_new"),
    path("campaigns/<int:campaign_id>/", pool_views.campaign_detail, name="campaign"),
    path("reserve/", pool_views.reserve_list, name="reserve"),
    path("reserve/new/", pool_views.reserve_new, name="reserve_new"),
    path("reserve/<int:member_id>/", pool_views.reserve_detail, name="reserve_member"),
    # The improvement programme (一项工程).
    path("activities/", programme_views.activity_list, name="activities"),
    path("activities/new/", programme_views.activity_new, name="activity_new"),
    path("activities/<int:activity_id>/", programme_views.activity_detail, name="activity"),
    path("activities/<int:activity_id>/qr.svg", programme_views.activity_qr, name="activity_qr"),
    path("checkin/", programme_views.checkin_code, name="checkin_code"),
    path("checkin/<str:token>/", programme_views.checkin, name="checkin"),
    path("hours/", programme_views.hours, name="hours"),
]
