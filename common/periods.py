"""A publication's frequency (出版周期) and the period an issue covers, as the office writes it.

Pure functions, no Django: bulletin's models, the desk's forms and the importer share them.
An issue stores its year and the first month of its period (a quarterly's third quarter is
month 7); an irregular issue (专刊、增刊) stores the month it came out and a title of its own.
"""

MONTHLY = "monthly"
BIMONTHLY = "bimonthly"
QUARTERLY = "quarterly"
IRREGULAR = "irregular"

FREQUENCY_CHOICES = [
    (MONTHLY, "月刊"),
    (BIMONTHLY, "双月刊"),
    (QUARTERLY, "季刊"),
    (IRREGULAR, "不定期（专刊、增刊）"),
]

# How many months one issue covers.
SPAN = {MONTHLY: 1, BIMONTHLY: 2, QUARTERLY: 3, IRREGULAR: 1}

QUARTER_NAMES = ["第一季度", "第二季度", "第三季度", "第四季度"]

DEFAULT_IRREGULAR_TITLE = "专刊"


def is_periodic(frequency: str) -> bool:
    """One issue per period (monthly, bimonthly, quarterly); irregular issues have no period."""
    return frequency != IRREGULAR


def period_start(frequency: str, month: int) -> int:
    """The first month of the period that contains `month` (9 → 7 for a quarterly)."""
    span = SPAN.get(frequency, 1)
    return month - (month - 1) % span


def period_months(frequency: str, month: int) -> tuple[int, int]:
    """(first, last) month of the period that contains `month`."""
    first = period_start(frequency, month)
    return first, first + SPAN.get(frequency, 1) - 1


def next_period(frequency: str, year: int, month: int) -> tuple[int, int]:
    """(year, first month) of the period after the one that contains `month` of `year`: a
    monthly's 12 → January of the next year, a quarterly's 8 (third quarter) → 10."""
    start = period_start(frequency, month) + SPAN.get(frequency, 1)
    return (year + 1, start - 12) if start > 12 else (year, start)


def period_name(frequency: str, month: int, title: str = "") -> str:
    """The period without the year: 9月, 9–10月, 第三季度, 专刊（…）."""
    first, last = period_months(frequency, month)
    if frequency == QUARTERLY:
        return QUARTER_NAMES[(first - 1) // 3]
    if frequency == BIMONTHLY:
        return f"{first}–{last}月"
    if frequency == IRREGULAR:
        return title or DEFAULT_IRREGULAR_TITLE
    return f"{month}月"


def period_label(frequency: str, year: int, month: int, title: str = "") -> str:
    """2020年9月, 2020年9–10月, 2020年第三季度, 2020年专刊（抗洪抢险）."""
    return f"{year}年{period_name(frequency, month, title)}"


def period_choices(frequency: str) -> list[tuple[int, str]]:
    """The periods of a year to choose from: (first month, name)."""
    if frequency == IRREGULAR:
        frequency = MONTHLY  # an irregular issue is dated by its month
    return [(month, period_name(frequency, month)) for month in range(1, 13, SPAN.get(frequency, 1))]
