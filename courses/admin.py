from django.contrib import admin

from .models import Course, CourseHonour, CourseRevision


class CourseHonourInline(admin.TabularInline):
    model = CourseHonour
    extra = 0


class CourseRevisionInline(admin.TabularInline):
    model = CourseRevision
    extra = 0
    readonly_fields = ("kind", "changed_by", "changed_at", "summary")
    exclude = ("snapshot",)
    can_delete = False


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ("title", "category", "lecturer", "status", "duration_minutes", "created_at")
    list_filter = ("category", "status", "county")
    search_fields = ("title", "lecturer__name")
    autocomplete_fields = ("lecturer", "county")
    inlines = [CourseHonourInline, CourseRevisionInline]
