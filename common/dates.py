"""Dates as the bulletin prints them, and as its articles begin."""

import re
from datetime import date

from .cjk import FOLD_WIDTH

# The date an article's first paragraph starts with: 9月17日, or 2020年9月17日. Spaces around the
# digits ("11 月 20 日", left by Word or a conversion) are allowed.
_LEADING_DATE = re.compile(r"^(?:(\d{4})\s*年\s*)?(\d{1,2})\s*月\s*(\d{1,2})\s*日")


def month_day_label(date) -> str:
    """An event date as the bulletin prints it: 9月17日 (the year is the issue's)."""
    return f"{date.month}月{date.day}日" if date else ""


def leading_month_day(text: str) -> tuple[int | None, int, int] | None:
    """(year or None, month, day) of the date `text` starts with, full-width digits folded.

    Not checked for validity (2月30日 is returned as it is written); None when the text does
    not start with a date.
    """
    m = _LEADING_DATE.match(text.translate(FOLD_WIDTH))
    if not m:
        return None
    return (int(m.group(1)) if m.group(1) else None), int(m.group(2)), int(m.group(3))


def leading_event_date(text: str, *, today: date) -> date | None:
    """The date `text` starts with (9月17日, 2020年9月17日, １１月２０日), or None.

    Without a year, the date is the latest one not after `today`: this year's, else last
    year's (so within the past twelve months). An impossible date (2月30日) gives None.
    """
    found = leading_month_day(text.strip())
    if found is None:
        return None
    year, month, day = found
    for candidate in (year,) if year is not None else (today.year, today.year - 1):
        try:
            result = date(candidate, month, day)
        except ValueError:
            continue
        if year is not None or result <= today:
            return result
    return None
