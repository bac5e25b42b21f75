from django.contrib import admin
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _

from accounts import views as account_views
from api import views as api_views
from api.api import api
from backoffice import views as backoffice_views
from core import views as core_views
from scheduling import views as scheduling_views

admin.site.site_header = _("Jiangtai administration")
admin.site.site_title = _("Jiangtai")
admin.site.index_title = _("Back office")

urlpatterns = [
    path("", include("reports.urls")),
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("accounts/login/", account_views.login_view, name="login"),
    path("accounts/logout/", account_views.logout_view, name="logout"),
    path("accounts/password/", account_views.password_change_view, name="password_change"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("lecturers/", include("lecturers.urls")),
    path("courses/", include("courses.urls")),
    path("inbox/", include("notifications.urls")),
    path("settings/", include("access.urls")),
    path("orgs/pick/", scheduling_views.org_pick, name="org_pick"),
    path("", include("scheduling.urls")),
    path("demands/", include("matching.urls")),
    path("", include("evaluation.urls")),
    path("", include("classrooms.urls")),
    path("manage/", include("backoffice.urls")),
    path("my/", include("backoffice.urls_my")),
    path("selection/", include("development.urls")),
    path("appraisals/", include("appraisal.urls")),
    # While `serve` loads the demo county: its progress, for the banner (demo/progress.py).
    path("demo/", include("demo.urls")),
    # The admin's login page goes through the same failed-login throttle as the others.
    # Logged-in people who are not operators are told their back office is at /manage/.
    path("admin/login/", backoffice_views.admin_login),
    path("admin/", admin.site.urls),
    # Whatever the API does not answer is its 404 in its own error shape, for any method
    # (its bare root too, where ninja's own placeholder view would answer an HTML 404).
    path("api/v1/", api_views.not_found),
    path("api/v1/", api.urls),
    re_path(r"^api/v1(?:/(?P<rest>.*))?$", api_views.not_found),
    # Uploaded photos; a deployment behind nginx serves /media/ itself.
    path("media/<path:path>", core_views.media, name="media"),
]
