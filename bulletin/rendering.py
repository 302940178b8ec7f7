"""The shape of an issue as readers see it, shared by the web edition, previews and the PDF.

`issue_layout(issue)` builds it fresh (previews, the PDF). `published_layout(issue)` is the
reader site's cached variant: the sections and articles of a published issue never change, so
they are cached under a key that includes everything that can still change what readers see
(the issue row's `updated_at`, status and visibility, and the published errata). Errata are
read on every request (one query) and are part of the key, so publishing or withdrawing an
erratum shows at once. Access is checked by the views *before* the cache is consulted; the
cached data itself is the same for everyone allowed to see the issue.
"""

import hashlib
from collections import OrderedDict

from django.core.cache import cache
from django.utils.safestring import mark_safe

from .colophon import Colophon, colophon_of
from .models import Issue

LAYOUT_CACHE_SECONDS = 24 * 60 * 60


def _content(issue: Issue) -> dict:
    """Focus and sections with their entries: one query whatever the number of articles."""
    placements = (
        issue.placements.select_related("section", "article", "revision")
        .order_by("section__position", "section_id", "position", "pk")
    )
    sections: OrderedDict[int, dict] = OrderedDict()
    focus = None
    for placement in placements:
        content = placement.content
        entry = {
            "id": placement.article_id,
            "anchor": placement.anchor,
            "title": content.title,
            "event_date": content.event_date,
            "body": mark_safe(content.body),  # cleaned with nh3 when saved
            "section": placement.section.name,
        }
        group = sections.setdefault(
            placement.section_id, {"name": placement.section.name, "entries": []}
        )
        group["entries"].append(entry)
        if placement.article_id == issue.focus_article_id:
            focus = entry
    return {"focus": focus, "sections": sort_by_issue_order(issue, sections)}


def sort_by_issue_order(issue: Issue, groups: "OrderedDict[int, dict]") -> list[dict]:
    """The issue's own section order (set on the desk) first; the rest in configured order."""
    rank = {section_id: index for index, section_id in enumerate(issue.section_order or [])}
    # sorted() is stable: sections the issue has not ranked keep the configured order.
    ordered = sorted(groups.items(), key=lambda item: rank.get(item[0], len(rank)))
    return [group for _, group in ordered]


def _published_errata(issue: Issue) -> list[dict]:
    return [
        {"id": e.pk, "text": e.text, "published_at": e.published_at}
        for e in issue.errata.filter(published_at__isnull=False).order_by("published_at", "pk")
    ]


def issue_layout(issue: Issue) -> dict:
    """Sections in order with their entries; a bounded number of queries whatever the size."""
    return {
        "publication": issue.publication,
        "colophon": colophon_of(issue),
        "issue": issue,
        **_content(issue),
        "errata": _published_errata(issue),
        "preview": issue.status != Issue.Status.PUBLISHED,
    }


def layout_version(issue: Issue, errata: list[dict], colophon: Colophon) -> str:
    """A hash of everything that can change what a reader sees of a published issue."""
    parts = [
        issue.pk, issue.status, issue.visibility, issue.updated_at, issue.focus_article_id,
        [(e["id"], e["published_at"], e["text"]) for e in errata],
        # The masthead and colophon print these (frozen, or the publication's while not frozen);
        # titles and breadcrumbs name the publication as it is called now.
        colophon, issue.publication.name,
    ]
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()[:20]


def published_layout(issue: Issue) -> dict:
    """`issue_layout` for the reader site, with the article content served from the cache.

    Adds `version` (for ETags) and `last_modified` (the issue's or newest erratum's time).
    """
    errata = _published_errata(issue)
    colophon = colophon_of(issue)
    version = layout_version(issue, errata, colophon)
    key = f"bulletin:layout:{issue.pk}:{version}"
    content = cache.get(key)
    if content is None:
        content = _content(issue)
        cache.set(key, content, LAYOUT_CACHE_SECONDS)
    times = [t for t in [issue.updated_at, issue.published_at, *(e["published_at"] for e in errata)] if t]
    return {
        "publication": issue.publication,
        "colophon": colophon,
        "issue": issue,
        **content,
        "errata": errata,
        "preview": issue.status != Issue.Status.PUBLISHED,
        "version": version,
        "last_modified": max(times) if times else None,
    }


def flat_entries(layout: dict) -> list[dict]:
    return [entry for section in layout["sections"] for entry in section["entries"]]
