"""The signer's diff: what changed in an issue since the version the head last saw.

When an issue is submitted, returned or signed off, the service stores a snapshot of it on the
IssueEvent (`issue_snapshot`): the sections in reading order, each with its articles' title,
date and text, the focus article and the visibility. The sign-off page compares the latest
snapshot the head saw with the issue as it is now (`changes_since_last_seen`) and names the
changes in words: articles added, removed, moved between sections or reordered, the section
order, the focus, the visibility, and a text diff of each changed article.

The version the head last saw is the last sign-off or return; before either, the first
submission. The fingerprint (signoff.issue_fingerprint) remains the check that a sign-off covers
exactly the content; this module only tells the head, in words, what to look at.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils import timezone

from common.dates import month_day_label
from editorial.diff import Row, compare_lines, version_lines

from ..models import Issue, IssueEvent, Visibility
from .assembly import effective_section_order

SNAPSHOT_VERSION = 1
SEEN_ACTIONS = (IssueEvent.Action.SIGNED_OFF, IssueEvent.Action.RETURNED)


def issue_snapshot(issue: Issue) -> dict:
    """The issue as a reader would read it, in a JSON-ready dict (stored on IssueEvent)."""
    placements = list(
        issue.placements.select_related("article").order_by("position", "pk")
    )
    sections = []
    for section in effective_section_order(issue):
        sections.append({
            "id": section.pk,
            "name": section.name,
            "articles": [
                {
                    "id": p.article_id,
                    "title": p.content.title,
                    "event_date": p.content.event_date.isoformat() if p.content.event_date else None,
                    "body": p.content.body,
                }
                for p in placements
                if p.section_id == section.pk
            ],
        })
    return {
        "v": SNAPSHOT_VERSION,
        "visibility": issue.visibility,
        "focus": issue.focus_article_id,
        "sections": sections,
    }


def last_seen(issue: Issue) -> IssueEvent | None:
    """The event whose snapshot is what the head last saw: last sign-off or return, else the
    first submission; None if the issue was never submitted."""
    events = issue.events.filter(snapshot__isnull=False).select_related("actor")
    seen = events.filter(action__in=SEEN_ACTIONS).order_by("-created_at", "-pk").first()
    if seen is not None:
        return seen
    return events.filter(action=IssueEvent.Action.SUBMITTED).order_by("created_at", "pk").first()


@dataclass
class ArticleChange:
    title: str
    section: str
    what: list[str]  # 标题、日期、正文
    rows: list[Row]


@dataclass
class IssueChanges:
    """What changed since `baseline` (None: the head has not seen the issue yet)."""

    baseline: IssueEvent | None
    first_sign_off: bool  # no sign-off or return yet: the head reads the whole issue
    sentences: list[str] = field(default_factory=list)  # every change, in words
    edited: list[ArticleChange] = field(default_factory=list)  # with a text diff each

    @property
    def has_changes(self) -> bool:
        return bool(self.sentences)

    @property
    def baseline_label(self) -> str:
        if self.baseline is None:
            return ""
        event = self.baseline
        who = ""
        if event.actor is not None:
            who = event.actor.get_full_name() or event.actor.username
        at = timezone.localtime(event.created_at)
        when = f"{at.year}年{at.month}月{at.day}日 {at:%H:%M}"
        what = {
            IssueEvent.Action.SIGNED_OFF: "签发",
            IssueEvent.Action.RETURNED: "退回",
            IssueEvent.Action.SUBMITTED: "首次提交签发",
        }.get(event.action, event.get_action_display())
        return f"{when} {who}{what}时的版本"


def _articles(snapshot: dict) -> dict[int, dict]:
    """article id → its entry, with its section's id and name and its place in reading order."""
    found = {}
    for section in snapshot.get("sections", []):
        for index, entry in enumerate(section["articles"]):
            found[entry["id"]] = {**entry, "section_id": section["id"], "section": section["name"],
                                  "index": index}
    return found


def _date_label(value: str | None) -> str:
    if not value:
        return ""
    return month_day_label(datetime.date.fromisoformat(value))


def _titles(entries) -> str:
    return "".join(f"《{e['title']}》" for e in entries)


def _visibility_label(value: str) -> str:
    try:
        return Visibility(value).label
    except ValueError:
        return value or "（未设置）"


def compare_snapshots(old: dict, new: dict) -> tuple[list[str], list[ArticleChange]]:
    """The changes from `old` to `new`, as sentences, and the edited articles' text diffs."""
    sentences: list[str] = []
    edited: list[ArticleChange] = []
    before, after = _articles(old), _articles(new)

    # Section order: the relative order of the sections both versions have.
    old_order = [s["id"] for s in old.get("sections", [])]
    new_order = [s["id"] for s in new.get("sections", [])]
    common = set(old_order) & set(new_order)
    if [i for i in old_order if i in common] != [i for i in new_order if i in common]:
        names = {s["id"]: s["name"] for s in old["sections"] + new["sections"]}
        sentences.append(
            "栏目顺序调整为：" + "、".join(names[i] for i in new_order if i in common)
            + "（原为：" + "、".join(names[i] for i in old_order if i in common) + "）。"
        )

    # Added, removed, moved: in the new reading order (removed ones in the old order).
    for article_id, entry in after.items():
        if article_id not in before:
            sentences.append(f"新增《{entry['title']}》（{entry['section']}）。")
    for article_id, entry in before.items():
        if article_id not in after:
            sentences.append(f"移出《{entry['title']}》（原在{entry['section']}）。")
    for article_id, entry in after.items():
        previous = before.get(article_id)
        if previous is not None and previous["section_id"] != entry["section_id"]:
            sentences.append(f"《{entry['title']}》从“{previous['section']}”移至“{entry['section']}”。")

    # Reordered inside a section: the articles that stayed in it, in a different order.
    for section in new.get("sections", []):
        stayed = [e for e in section["articles"]
                  if before.get(e["id"], {}).get("section_id") == section["id"]]
        was = sorted(stayed, key=lambda e: before[e["id"]]["index"])
        if [e["id"] for e in stayed] != [e["id"] for e in was]:
            sentences.append(
                f"“{section['name']}”栏目内顺序调整为：{_titles(stayed)}（原为：{_titles(was)}）。"
            )

    # The focus article and the visibility.
    if old.get("focus") != new.get("focus"):
        old_focus = before.get(old.get("focus"), {}).get("title")
        new_focus = after.get(new.get("focus"), {}).get("title")
        if old_focus and new_focus:
            sentences.append(f"本期焦点由《{old_focus}》改为《{new_focus}》。")
        elif new_focus:
            sentences.append(f"本期焦点指定为《{new_focus}》。")
        else:
            sentences.append(f"取消了本期焦点（原为《{old_focus or '已移出的稿件'}》）。")
    if old.get("visibility") != new.get("visibility"):
        sentences.append(
            f"可见范围由“{_visibility_label(old.get('visibility'))}”"
            f"改为“{_visibility_label(new.get('visibility'))}”。"
        )

    # Edited articles: title, date or text, with a line-by-line diff of each.
    for article_id, entry in after.items():
        previous = before.get(article_id)
        if previous is None:
            continue
        what = [label for key, label in (("title", "标题"), ("event_date", "日期"), ("body", "正文"))
                if previous.get(key) != entry.get(key)]
        if not what:
            continue
        renamed = f"（原题《{previous['title']}》）" if "标题" in what else ""
        sentences.append(f"《{entry['title']}》{renamed}修改了{'、'.join(what)}。")
        edited.append(ArticleChange(
            title=entry["title"], section=entry["section"], what=what,
            rows=compare_lines(
                version_lines(previous["title"], _date_label(previous.get("event_date")),
                              previous["section"], previous.get("body") or ""),
                version_lines(entry["title"], _date_label(entry.get("event_date")),
                              entry["section"], entry.get("body") or ""),
            ),
        ))
    return sentences, edited


def changes_since_last_seen(issue: Issue) -> IssueChanges:
    """What changed in `issue` since the version the head last saw, named in words."""
    baseline = last_seen(issue)
    first = baseline is None or baseline.action not in SEEN_ACTIONS
    if baseline is None:
        return IssueChanges(baseline=None, first_sign_off=True)
    sentences, edited = compare_snapshots(baseline.snapshot, issue_snapshot(issue))
    return IssueChanges(baseline=baseline, first_sign_off=first, sentences=sentences, edited=edited)
