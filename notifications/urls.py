from django.urls import path

from . import views

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("read-all/", views.inbox_read_all, name="inbox_read_all"),
    path("settings/", views.inbox_settings, name="inbox_settings"),
    path("settings/confirm/", views.contact_confirm_view, name="contact_confirm"),
    path("settings/wechat/bind/", views.wechat_bind_start, name="wechat_bind"),
    path("settings/wechat/callback/", views.wechat_callback, name="wechat_callback"),
    path("settings/wechat/unbind/", views.wechat_unbind_view, name="wechat_unbind"),
    path("deliveries/", views.delivery_list, name="delivery_list"),
    path(
        "deliveries/<int:message_id>/resend/",
        views.delivery_resend_view,
        name="delivery_resend",
    ),
    path("<int:message_id>/", views.inbox_open, name="inbox_open"),
]
