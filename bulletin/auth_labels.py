"""How people, roles and permissions read in the admin and on the site: 王小明, 编辑, 可以增加用户.

Django's auth models print forms meant for English: User.get_full_name() is "given family"
("小明 王"), a Group prints its name, which for the four roles is the codename ("editor"; code and
migrations refer to it, so it never changes), and a Permission prints the English name Django
stored when it created the row ("Can add log entry"). `install()`, called once from
BulletinConfig.ready(), gives them display forms in the office's language; nothing stored changes.
"""

from common.roles import ROLE_LABELS

PERMISSION_ACTIONS = {"add": "增加", "change": "修改", "delete": "删除", "view": "查看"}


def full_name(user) -> str:
    """Family name first, no space: 王小明. A name in Latin letters keeps its own order."""
    family, given = (user.last_name or "").strip(), (user.first_name or "").strip()
    if family and given and (family + given).isascii():
        return f"{given} {family}"
    return f"{family}{given}"


def group_label(group) -> str:
    """A role's Chinese label (编辑); any other group its own name."""
    return ROLE_LABELS.get(group.name, group.name)


def permission_label(permission) -> str:
    """认证和授权 | 用户 | 可以增加用户 for Django's four default permissions of a model; a
    permission defined with its own name keeps it."""
    content_type = permission.content_type
    model = content_type.model_class()
    action, _, model_name = permission.codename.partition("_")
    if model is not None and action in PERMISSION_ACTIONS and model_name == model._meta.model_name:
        name = f"可以{PERMISSION_ACTIONS[action]}{model._meta.verbose_name}"
    else:
        name = permission.name
    return f"{content_type} | {name}"


def install() -> None:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group, Permission

    get_user_model().get_full_name = full_name
    Group.__str__ = group_label
    Permission.__str__ = permission_label
