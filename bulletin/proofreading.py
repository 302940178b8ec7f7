"""What the proofreading aid must know about an article's publication and issue, and the open
findings of every article of an issue (the sign-off page).

The checker (editorial.proofreading) is pure and editorial never imports bulletin: this module
reads the publication's standard wordings (StandardWording), whether the issue is internal and
its month, and passes them as a Context.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from editorial.models import Article
from editorial.proofing import dismissed_keys, open_findings
from editorial.proofreading import Context, Finding, Wording

from .models import Issue, IssueArticle, Publication, StandardWording, Visibility
from .publishing.assembly import effective_section_order

# The issues an article's text is still checked against (not published, not withdrawn).
_OPEN = (Issue.Status.DRAFT, Issue.Status.SUBMITTED, Issue.Status.SIGNED_OFF)


def wordings_of(publication_id) -> tuple[Wording, ...]:
    rows = StandardWording.objects.filter(publication_id=publication_id).order_by("wrong", "pk")
    return tuple(Wording(r.wrong, r.right, r.note) for r in rows)


def issue_context(issue: Issue, *, wordings: tuple[Wording, ...] | None = None) -> Context:
    return Context(
        year=issue.year, month=issue.last_month, internal=issue.is_internal,
        wordings=wordings_of(issue.publication_id) if wordings is None else wordings,
    )


def article_issue(article: Article) -> Issue | None:
    """The issue the article is placed in and still on the desk, else its publication's earliest
    issue still 编排中 (where an unplaced article goes, as office.deadlines counts it)."""
    placement = (
        IssueArticle.objects.filter(article=article, issue__status__in=_OPEN)
        .select_related("issue").order_by("issue__year", "issue__month").first()
    )
    if placement is not None:
        return placement.issue
    return (
        Issue.objects.filter(publication_id=article.publication_id, status=Issue.Status.DRAFT)
        .order_by("year", "month", "pk").first()
    )


def context_for(article: Article) -> Context:
    """The context of an article in the editor: its issue's month and visibility, else (no issue
    yet) the publication's default visibility and no month."""
    issue = article_issue(article)
    if issue is not None:
        return issue_context(issue)
    publication = Publication.objects.get(pk=article.publication_id)
    return Context(
        internal=publication.default_visibility == Visibility.INTERNAL,
        wordings=wordings_of(article.publication_id),
    )


@dataclass
class ArticleFindings:
    article: Article
    section: str
    findings: list[Finding] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.findings)


def issue_findings(issue: Issue) -> list[ArticleFindings]:
    """Each article of the issue in reading order with its open findings (a fixed number of
    queries: the sections, the placements, the wordings, the dismissals)."""
    context = issue_context(issue)
    rank = {section.pk: index for index, section in enumerate(effective_section_order(issue))}
    placements = sorted(
        issue.placements.select_related("article", "section"),
        key=lambda p: (rank.get(p.section_id, len(rank)), p.position, p.pk),
    )
    dismissed = dismissed_keys(p.article_id for p in placements)
    return [
        ArticleFindings(
            article=p.article, section=p.section.name,
            findings=open_findings(p.article, context, dismissed=dismissed.get(p.article_id, set())),
        )
        for p in placements
    ]
