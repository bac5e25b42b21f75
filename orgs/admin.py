from django.contrib import admin

from .models import Membership, Organisation


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "level", "parent", "county", "group", "address", "is_active")
    list_filter = ("level", "group", "is_active", "county")
    # Deactivation checks for open bookings and demands: only the back office's service moves it.
    readonly_fields = ("is_active",)
    search_fields = ("name", "address")
    autocomplete_fields = ("parent", "county")
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "org")
    list_filter = ("role",)
    search_fields = ("user__username", "user__name", "org__name")
    autocomplete_fields = ("user", "org")
