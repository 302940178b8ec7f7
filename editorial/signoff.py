"""Sign-off (签发): the office head approves the exact content of an issue.

The fingerprint covers everything a reader would see: the order of sections and articles,
the focus article, and each article's title, date, section and body (and its status, so an
article reopened by the review workflow voids the sign-off too). Any change gives a new
fingerprint, which voids the sign-off. Visibility and the publication date are not content:
they are access and publishing settings.
"""

import hashlib
import json

from bulletin.models import Issue

from .models import SignOff


def issue_fingerprint(issue: Issue) -> str:
    from bulletin.rendering import sort_by_issue_order

    placements = issue.placements.select_related("article", "section").order_by(
        "section__position", "section_id", "position", "pk"
    )
    groups: dict = {}
    for p in placements:
        groups.setdefault(p.section_id, {"name": p.section.name, "entries": []})["entries"].append(
            [
                p.section_id,
                p.position,
                p.article_id,
                p.article.title,
                p.article.event_date.isoformat() if p.article.event_date else None,
                p.article.section_id,
                p.article.body,
                p.article.status,
            ]
        )
    payload = {
        "issue": [issue.publication_id, issue.year, issue.month, issue.focus_article_id],
        "sections": [[g["name"], g["entries"]] for g in sort_by_issue_order(issue, groups)],
    }
    raw = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
    return hashlib.sha256(raw).hexdigest()


def valid_sign_off(issue: Issue) -> SignOff | None:
    return issue.sign_offs.filter(voided_at__isnull=True).order_by("-signed_at", "-pk").first()
