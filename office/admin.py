from django.contrib import admin

from .models import CalendarFeed


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    """Who subscribes to the desk's calendar. The secret address is never shown here; deleting a
    row revokes it (the user can make a new one on /desk/calendar/)."""

    list_display = ["user", "created_at", "last_used_at"]
    fields = ["user", "created_at", "last_used_at"]
    readonly_fields = fields
    search_fields = ["user__username", "user__first_name"]

    def has_add_permission(self, request):
        return False
