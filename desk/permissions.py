"""Who may open a desk page: declared once per view, checked before the view runs.

    @desk_view()                       any desk role (editor, approver, head)
    @desk_view(EDITOR, HEAD, message="只有编辑和主任可以导入往期刊物。")
    @desk_view(EDITOR, redirect_to="desk:dashboard", message="只有编辑可以新建稿件。")
    @desk_view(answer="json")          script endpoints answer JSON instead of an HTML 403

An anonymous visitor is sent to the login page. This decides who sees a page; the service a view
calls still checks the actor itself (a desk page is not the only caller of a service).
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import redirect

from common.roles import DESK_ROLES, has_role

DEFAULT_MESSAGE = "您没有使用编辑部的权限。"


def desk_view(*roles, message: str = DEFAULT_MESSAGE, redirect_to: str | None = None, answer: str = "html"):
    roles = roles or DESK_ROLES

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_role(user, *roles):
                if answer == "json":
                    return JsonResponse({"error": {"message": message}}, status=403)
                if redirect_to and has_role(user, *DESK_ROLES):
                    messages.error(request, message)
                    return redirect(redirect_to)
                raise PermissionDenied(message)
            return view(request, *args, **kwargs)

        wrapped.desk_roles = roles  # read by tests/security's permission matrix
        return wrapped

    return decorator
