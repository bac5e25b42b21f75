from django.urls import path

from . import org_pages, views

app_name = "backoffice"

urlpatterns = [
    path("", views.index, name="index"),
    path("import/", views.import_page, name="import"),
    path("import/template/<str:kind>/", views.import_template, name="import_template"),
    path("import/<int:job_id>/", views.import_detail, name="import_detail"),
    path("import/<int:job_id>/status/", views.import_status, name="import_status"),
    path("import/<int:job_id>/passwords/", views.import_passwords, name="import_passwords"),
    path("audit/", views.audit, name="audit"),
    path("orgs/", org_pages.org_list, name="org_list"),
    path("orgs/new/", org_pages.org_create, name="org_create"),
    path("orgs/<int:org_id>/edit/", org_pages.org_edit, name="org_edit"),
    path("orgs/<int:org_id>/deactivate/", org_pages.org_deactivate, name="org_deactivate"),
]
