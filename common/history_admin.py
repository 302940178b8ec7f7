"""History models in the admin: view only (see common.history)."""

from django.apps import apps
from django.contrib import admin

from .history import HISTORY_MODELS


class ReadOnlyAdmin(admin.ModelAdmin):
    """A history model in the admin: listed and viewed, never added, changed or deleted."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline:
    """Mixin for an admin inline of history rows: shown, never added, changed or deleted."""

    can_delete = False
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def without_history(perms_needed) -> set:
    """The admin's delete confirmation asks for delete permission on every related row; a draft
    that may go takes its own history along (common.history.deleting_history), so the history
    models' view-only admins do not block that one deletion."""
    names = {str(apps.get_model(label)._meta.verbose_name) for label in HISTORY_MODELS}
    return {perm for perm in perms_needed if str(perm) not in names}
