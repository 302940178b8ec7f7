"""The shape of an issue as readers see it, shared by the web edition, previews and the PDF."""

from collections import OrderedDict

from django.utils.safestring import mark_safe

from .models import Issue


def issue_layout(issue: Issue) -> dict:
    """Sections in order with their entries; a bounded number of queries whatever the size."""
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
    sections = sort_by_issue_order(issue, sections)
    errata = [
        {"text": e.text, "published_at": e.published_at}
        for e in issue.errata.filter(published_at__isnull=False)
    ]
    return {
        "publication": issue.publication,
        "issue": issue,
        "focus": focus,
        "sections": sections,
        "errata": errata,
        "preview": issue.status != Issue.Status.PUBLISHED,
    }


def sort_by_issue_order(issue: Issue, groups: dict[int, dict]) -> list[dict]:
    """The issue's own section order (set on the desk) first; the rest in configured order."""
    rank = {section_id: index for index, section_id in enumerate(issue.section_order or [])}
    # sorted() is stable: sections the issue has not ranked keep the configured order.
    ordered = sorted(groups.items(), key=lambda item: rank.get(item[0], len(rank)))
    return [group for _, group in ordered]


def flat_entries(layout: dict) -> list[dict]:
    return [entry for section in layout["sections"] for entry in section["entries"]]
