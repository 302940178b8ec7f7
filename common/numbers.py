"""Numbers typed or sent by a client: ASCII digits within a range, or nothing.

`str.isdigit()` is true for "²" and "١", which `int()` then refuses or reads as another number;
`int()` accepts "٢٠٢٦", " 7 ", "+7" and 4,300 digits that no database column holds. Anything a
request carries as a number goes through `parse_int` instead, so a bad value is "no value" (and
the caller says so in Chinese), never a 500.
"""

import re

# Primary keys are 64-bit (BigAutoField); 18 digits always fit, on SQLite and PostgreSQL alike.
MAX_ID = 10**18 - 1
_DIGITS = re.compile(r"[0-9]{1,18}")


def parse_int(value, *, low: int = 0, high: int = MAX_ID) -> int | None:
    """`value` as an int if it is 1–18 ASCII digits (optionally a leading "-") within
    [low, high]; otherwise None."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str):
        text = value.strip()
        negative = text.startswith("-")
        digits = text[1:] if negative else text
        if not _DIGITS.fullmatch(digits):
            return None
        number = -int(digits) if negative else int(digits)
    else:
        return None
    return number if low <= number <= high else None


def parse_id(value) -> int | None:
    """A primary key sent by a client: a positive int, or None."""
    return parse_int(value, low=1)

