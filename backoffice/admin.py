from django.contrib import admin

from .models import ImportJob


def operators_only(request) -> bool:
    """The Django admin is for the platform's operators: superusers, whatever is_staff says.
    County staff work in the back office at /manage/ (backoffice.views.admin_login)."""
    return request.user.is_active and request.user.is_superuser


admin.site.has_permission = operators_only


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ("created_at", "county", "kind", "file_name", "status", "progress", "actor")
    list_filter = ("status", "kind")
    readonly_fields = [f.name for f in ImportJob._meta.fields if f.name != "new_user_ids"]
    exclude = ("new_user_ids",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
