"""What an editor changed after a reviewer returned the article (退回后的修改).

When a returned article comes back for review, the reviewer wants to see their return comment
and what changed since: the revision that stood when the article was returned against the
current text, with the diff the compare page uses (editorial.diff).
"""

from __future__ import annotations

from dataclasses import dataclass

from .diff import Row, compare, has_changes
from .models import Article, ArticleTransition, Revision
from .workflow import last_return

# The fields a reviewer reads, in the order the compare page lists them.
_FIELDS = (("title", "标题"), ("event_date", "日期"), ("section_id", "栏目"), ("body", "正文"))


@dataclass(frozen=True)
class ChangesSinceReturn:
    entry: ArticleTransition  # the return: who, when, the comment
    returned: Revision | None  # the text as it stood when it was returned (None: no revision then)
    latest: Revision | None  # the newest revision, the current text
    rows: list[Row]  # every row of the diff, unchanged lines included
    what: list[str]  # 标题、日期、栏目、正文: the fields that differ

    @property
    def changed(self) -> bool:
        return bool(self.what) or has_changes(self.rows)

    @property
    def returned_label(self) -> str:
        return f"退回时（第{self.returned.number}版）" if self.returned else "退回时"

    @property
    def latest_label(self) -> str:
        return f"现在（第{self.latest.number}版）" if self.latest else "现在"

    @property
    def changed_rows(self) -> list[Row]:
        """Only the lines that differ: the review page shows the article in full beside them."""
        return [row for row in self.rows if row.kind != "same"]


def revision_at(article: Article, moment) -> Revision | None:
    """The revision that was the article's text at `moment` (the newest one saved by then)."""
    return (
        article.revisions.filter(created_at__lte=moment)
        .select_related("section", "created_by")
        .order_by("-number")
        .first()
    )


def changes_since_return(article: Article) -> ChangesSinceReturn | None:
    """For an article back under review after a return, the return and the changes since;
    None if it is not under review, was never returned, or was approved since (a later
    round: the return is history then)."""
    if article.status != Article.Status.SUBMITTED:
        return None
    entry = last_return(article)
    if entry is None:
        return None
    if article.transitions.filter(pk__gt=entry.pk, to_status=Article.Status.APPROVED).exists():
        return None
    returned = revision_at(article, entry.created_at)
    latest = article.revisions.order_by("-number").first()
    if returned is None:
        return ChangesSinceReturn(entry=entry, returned=None, latest=latest, rows=[], what=[])
    what = [label for field, label in _FIELDS if getattr(returned, field) != getattr(article, field)]
    return ChangesSinceReturn(entry=entry, returned=returned, latest=latest, rows=compare(returned, article), what=what)
