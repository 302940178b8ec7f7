"""Who may read what on the reader site. Checked in every reader view, for HTML and PDF."""

from common.roles import DESK_ROLES, READER, has_role

from .models import Issue, Visibility


def is_internal(issue: Issue) -> bool:
    return issue.visibility == Visibility.INTERNAL or (
        not issue.visibility and issue.publication.default_visibility == Visibility.INTERNAL
    )


def can_read_internal(user) -> bool:
    # The office's own desk roles wrote, reviewed and signed off these issues: they read them too.
    return bool(getattr(user, "is_authenticated", False)) and (
        user.is_staff or has_role(user, READER, *DESK_ROLES)
    )


def can_view_issue(user, issue: Issue) -> bool:
    if issue.status != Issue.Status.PUBLISHED:
        return False
    return not is_internal(issue) or can_read_internal(user)
