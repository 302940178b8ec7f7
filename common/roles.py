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


def _load_groups(user) -> None:
    """Read the user's groups once, (id, name) of each: the roles below and the review levels'
    groups (office.todo) come from this one query on every desk page."""
    groups = list(user.groups.values_list("pk", "name"))
    user._bulletin_group_ids = {pk for pk, _name in groups}
    user._bulletin_roles = {name for _pk, name in groups if name in ROLE_LABELS}


def role_codes(user) -> set[str]:
    """The role codenames of a user, cached on the user object for the request (clearing
    `_bulletin_roles` reads the groups again)."""
    if not getattr(user, "is_authenticated", False):
        return set()
    if getattr(user, "_bulletin_roles", None) is None:
        _load_groups(user)
    return user._bulletin_roles


def group_ids(user) -> set[int]:
    """The ids of every group of the user (roles and review groups alike), cached likewise."""
    if not getattr(user, "is_authenticated", False):
        return set()
    if getattr(user, "_bulletin_roles", None) is None or getattr(user, "_bulletin_group_ids", None) is None:
        _load_groups(user)
    return user._bulletin_group_ids


def has_role(user, *codes: str) -> bool:
    """True if the user has any of the roles. Superusers have every role."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return bool(role_codes(user) & set(codes))


def is_desk_user(user) -> bool:
    return has_role(user, *DESK_ROLES)
