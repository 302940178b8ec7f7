"""Dates as the bulletin prints them."""


def month_day_label(date) -> str:
    """An event date as the bulletin prints it: 9月17日 (the year is the issue's)."""
    return f"{date.month}月{date.day}日" if date else ""
