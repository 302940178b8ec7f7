from common.roles import APPROVER, EDITOR, HEAD, READER, has_role, is_desk_user


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
