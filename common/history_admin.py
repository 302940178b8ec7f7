"""History models in the admin: view only (see common.history)."""

from django.apps import apps
from django.contrib import admin, messages

from .history import HISTORY_MODELS, deleting_history


class _ViewOnly:
    """Listed and viewed, never added, changed or deleted."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(_ViewOnly, admin.ModelAdmin):
    """A history model in the admin: listed and viewed, never added, changed or deleted."""


class ReadOnlyInline(_ViewOnly):
    """Mixin for an admin inline of history rows: shown, never added, changed or deleted."""

    can_delete = False
    extra = 0

    class Media:
        css = {"all": ["css/admin-history.css"]}


def without_history(perms_needed) -> set:
    """The admin's delete confirmation asks for delete permission on every related row; a draft
    that may go takes its own history along (common.history.deleting_history), so the history
    models' view-only admins do not block that one deletion."""
    names = {str(apps.get_model(label)._meta.verbose_name) for label in HISTORY_MODELS}
    return {perm for perm in perms_needed if str(perm) not in names}


class DraftDeletionMixin:
    """Mixin for the admin of a model with history (issues, articles): only a draft that never
    left the editors may be deleted, and it takes its own history along (deleting_history).
    The admin says which objects may go (`_deletable`) and why another stays (`_kept_message`)."""

    def _deletable(self, obj) -> bool:
        raise NotImplementedError

    def _kept_message(self, obj) -> str:
        raise NotImplementedError

    def has_delete_permission(self, request, obj=None):
        if obj is not None and not self._deletable(obj):
            return False
        return super().has_delete_permission(request, obj)

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        if all(self._deletable(obj) for obj in objs):
            perms_needed = without_history(perms_needed)
        return deleted, counts, perms_needed, protected

    def delete_model(self, request, obj):
        with deleting_history():
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        kept = [obj for obj in queryset if not self._deletable(obj)]
        for obj in kept:
            self.message_user(request, self._kept_message(obj), messages.ERROR)
        with deleting_history():
            super().delete_queryset(request, queryset.exclude(pk__in=[obj.pk for obj in kept]))


def person(user) -> str:
    """How the admin names who did something: 王小明, or the username when no name is set."""
    return (user.get_full_name() or user.username) if user else "-"


def person_column(field: str, description: str):
    """An admin column (list_display, readonly fields) naming the user in `field` by person();
    the admin's query should select_related it (list_select_related, the inline's queryset)."""

    @admin.display(description=description, ordering=field)
    def column(model_admin, obj):
        return person(getattr(obj, field))

    column.__name__ = f"{field}_name"
    return column
