"""Who may read what on the reader site. Checked in every reader view, for HTML, PDF and images."""

import enum

from django.db.models import Q

from common.roles import DESK_ROLES, READER, has_role, is_desk_user
from editorial.models import Image

from .models import Issue, IssueArticle, Visibility


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


class MediaAccess(enum.Enum):
    """The answer to a request for an uploaded image (reader/media.py)."""

    PUBLIC = "public"  # shown in a published public issue: anyone, cacheable by anyone
    PRIVATE = "private"  # this user may see it, no one else should get it from a shared cache
    LOGIN = "login"  # shown in a published internal issue only: anonymous visitors sign in first
    DENIED = "denied"  # nothing this user may read shows it: as if it did not exist


def media_access(user, name: str) -> MediaAccess:
    """Who may see the uploaded file `name` (relative to MEDIA_ROOT): exactly those who may read an
    article showing it. The article's text as published (the revision pinned in a published
    issue) decides; a public issue makes the image public. Desk users see every upload (drafts,
    previews, withdrawn issues); anything else is the desk's alone."""
    image = Image.objects.filter(Q(web=name) | Q(print_file=name)).only("pk").first()
    issues = []
    if image is not None:
        placements = (
            IssueArticle.objects.filter(issue__status=Issue.Status.PUBLISHED)
            .filter(
                Q(revision__images=image)
                # Placed before revisions were pinned: the article's own text is what readers see.
                | Q(revision__isnull=True, article__revisions__images=image)
            )
            .select_related("issue__publication")
        )
        issues = [placement.issue for placement in placements]
        if any(not is_internal(issue) for issue in issues):
            return MediaAccess.PUBLIC
        if issues and can_read_internal(user):
            return MediaAccess.PRIVATE
    if is_desk_user(user):
        return MediaAccess.PRIVATE
    if issues and not getattr(user, "is_authenticated", False):
        return MediaAccess.LOGIN
    return MediaAccess.DENIED
