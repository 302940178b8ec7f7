from .roles import APPROVER, EDITOR, HEAD, READER, has_role


def roles(request):
    user = getattr(request, "user", None)
    return {
        "user_roles": {
            "editor": has_role(user, EDITOR),
            "approver": has_role(user, APPROVER),
            "head": has_role(user, HEAD),
            "reader": has_role(user, READER),
            "desk": has_role(user, EDITOR, APPROVER, HEAD),
        }
    }
