from django.contrib import admin

from core.pinyin import pinyin_keys

from .models import Lecturer, LecturerHonour


class HonourInline(admin.TabularInline):
    model = LecturerHonour
    extra = 0


@admin.register(Lecturer)
class LecturerAdmin(admin.ModelAdmin):
    list_display = ("name", "level", "source", "status", "org", "star", "likes_count")
    list_filter = ("status", "level", "source", "county")
    search_fields = ("name", "name_pinyin", "name_initials", "specialties")
    autocomplete_fields = ("org", "user", "county")
    inlines = [HonourInline]

    def save_model(self, request, obj, form, change):
        obj.name_pinyin, obj.name_initials = pinyin_keys(obj.name)
        super().save_model(request, obj, form, change)
