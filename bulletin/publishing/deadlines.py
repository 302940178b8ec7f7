"""An issue's deadlines (截稿, 审核截止, 签发截止, 出版): changed per issue on the desk.

`create_issue` fills them from the publication's schedule rule (Publication.schedule_for); this
is the one way to change them afterwards. Dates are not content: changing them never voids a
sign-off, but it is written to the issue's history (本期记录).
"""

import datetime

from ..models import DEADLINES, Issue, IssueEvent
from .base import ASSEMBLERS, IssueError, changing_issue, record_event

LABELS = {due: label for due, _day, label in DEADLINES}


def _parse(value, label):
    if value in (None, ""):
        return None
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value).strip())
    except ValueError:
        raise IssueError(f"“{label}”的日期格式不正确，请按 2026-10-05 的格式填写。") from None


def _label(date) -> str:
    return f"{date.month}月{date.day}日" if date else "未设"


def set_deadlines(issue: Issue, *, by, **dates) -> list[str]:
    """Set any of draft_due, review_due, signoff_due, publish_due (a date, an ISO string or empty).

    Returns what changed, one phrase each ("截稿 10月5日 → 10月6日"); nothing changed, nothing written.
    """
    unknown = set(dates) - set(LABELS)
    if unknown:
        raise TypeError(f"unknown deadlines: {unknown}")
    parsed = {due: _parse(value, LABELS[due]) for due, value in dates.items()}
    with changing_issue(issue, by=by, roles=ASSEMBLERS, action="调整截止日期") as locked:
        wanted = {due: parsed.get(due, getattr(locked, due)) for due in LABELS}
        set_in_order = [(LABELS[due], wanted[due]) for due, _day, _label in DEADLINES if wanted[due]]
        for (label_a, a), (label_b, b) in zip(set_in_order, set_in_order[1:], strict=False):
            if a > b:
                raise IssueError(f"“{label_a}”（{_label(a)}）不能晚于“{label_b}”（{_label(b)}）。")
        changes = [
            f"{LABELS[due]} {_label(getattr(locked, due))} → {_label(wanted[due])}"
            for due in LABELS
            if wanted[due] != getattr(locked, due)
        ]
        if not changes:
            return []
        for due in LABELS:
            setattr(locked, due, wanted[due])
        locked.save(update_fields=[*LABELS, "updated_at"])
        record_event(locked, IssueEvent.Action.DEADLINES, by, "；".join(changes))
    return changes
