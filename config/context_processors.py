from django.utils.functional import SimpleLazyObject

from common.roles import APPROVER, EDITOR, HEAD, READER, has_role, is_desk_user
from office import notifications, todo


def roles(request):
    user = getattr(request, "user", None)
    return {
        "user_roles": {
            "editor": has_role(user, EDITOR),
            "approver": has_role(user, APPROVER),
            "head": has_role(user, HEAD),
            "reader": has_role(user, READER),
            "desk": is_desk_user(user),
        }
    }


def desk_todo(request):
    """The desk navigation's badges (office.todo counts), computed only when a template reads
    them; the 待办 page hands over the numbers it has already counted."""
    def compute():
        counted = getattr(request, "desk_todo", None)
        if counted is not None:
            return counted
        user = getattr(request, "user", None)
        if not is_desk_user(user):
            return todo.Todo([], None)
        return todo.counts(user)

    return {"desk_todo": SimpleLazyObject(compute)}


def desk_notifications(request):
    """The bell's unread count on desk pages, counted only when a template reads it."""
    def compute():
        user = getattr(request, "user", None)
        return notifications.unread_count(user) if is_desk_user(user) else 0

    return {"unread_notifications": SimpleLazyObject(compute)}
