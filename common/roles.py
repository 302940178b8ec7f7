"""The four editorial roles, as Django groups with stable codenames.

Group.name holds the codename (it never changes, code and migrations refer to it);
the Chinese label is for display only.
"""

EDITOR = "editor"
APPROVER = "approver"
HEAD = "head"
READER = "reader"

# The roles that work on the desk (/desk/): everything before an issue is out.
DESK_ROLES = (EDITOR, APPROVER, HEAD)

ROLE_LABELS = {
    EDITOR: "编辑",
    APPROVER: "审核",
    HEAD: "主任",
    READER: "读者",
}


def role_codes(user) -> set[str]:
    """The role codenames of a user, cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False):
        return set()
    cached = getattr(user, "_bulletin_roles", None)
    if cached is None:
        cached = set(user.groups.filter(name__in=ROLE_LABELS).values_list("name", flat=True))
        user._bulletin_roles = cached
    return cached


def has_role(user, *codes: str) -> bool:
    """True if the user has any of the roles. Superusers have every role."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return bool(role_codes(user) & set(codes))


def is_desk_user(user) -> bool:
    return has_role(user, *DESK_ROLES)
