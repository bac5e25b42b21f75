from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.utils.translation import gettext_lazy as _

from .forms import ThrottledAdminLoginForm
from .models import User

# /admin/login/ checks passwords through the same failed-login throttle as the other logins.
admin.site.login_form = ThrottledAdminLoginForm


class AdminSetPasswordForm(AdminPasswordChangeForm):
    """A password an admin sets for someone else is an initial password: its owner must
    change it at first use."""

    def save(self, commit=True):
        actor = getattr(self.user, "changed_by", None)
        if actor is None or actor.pk != self.user.pk:
            self.user.must_change_password = True
        return super().save(commit=commit)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "name", "masked_phone", "county", "is_active", "last_login")
    list_filter = ("is_active", "is_staff", "county")
    search_fields = ("username", "name", "phone")
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Jiangtai"), {"fields": ("name", "phone", "county", "must_change_password")}),
    )
    change_password_form = AdminSetPasswordForm

    def get_object(self, request, object_id, from_field=None):
        # The user's save() names whoever changed a password or deactivated the login in
        # the audit log; the change page and the password page both load the user here.
        user = super().get_object(request, object_id, from_field)
        if user is not None:
            user.changed_by = request.user
        return user

    def save_model(self, request, obj, form, change):
        if not change and obj.has_usable_password():
            obj.must_change_password = True  # the admin chose it: an initial password
        obj.changed_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description=_("mobile number"))
    def masked_phone(self, obj):
        return obj.masked_phone
