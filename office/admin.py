from django.contrib import admin
from django_tasks_db.models import DBTaskResult

from .models import CalendarFeed, Notification

# The task queue's own admin (django-tasks-db) speaks English only; the admin here is Chinese
# throughout. Each e-mail's state is on 消息 below; the queue itself is for operators' shells.
if admin.site.is_registered(DBTaskResult):
    admin.site.unregister(DBTaskResult)


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


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """The messages sent, and the state of each one's e-mail (sent, pending a retry, failed with
    the last error). Read-only: messages are written by the desk's actions."""

    list_display = ["created_at", "recipient", "kind", "text", "read_at", "email_status", "email_attempts"]
    list_filter = ["kind", "email_status"]
    search_fields = ["recipient__username", "recipient__first_name", "text"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
