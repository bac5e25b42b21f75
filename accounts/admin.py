from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "name", "masked_phone", "county", "is_active", "last_login")
    list_filter = ("is_active", "is_staff", "county")
    search_fields = ("username", "name", "phone")
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Jiangtai"), {"fields": ("name", "phone", "county")}),
    )

    @admin.display(description=_("mobile number"))
    def masked_phone(self, obj):
        return obj.masked_phone
