"""The masthead and colophon (版记) an issue prints, frozen when the issue becomes the record.

While an issue is prepared it shows the publication's current values; publishing copies them
into `Issue.colophon` (`freeze`). A back issue imported from a file records only what its file
printed (`freeze_from_file`): a permit number, printer, print run or 免费交流 line the
publication has today was never on it. A later change in the admin is the default for the next
issue and never rewrites a published or imported one, on the web or in the PDF.

An internal issue (内部资料) must also carry what 《内部资料性出版物管理规定》 (art. 14) requires;
`missing_for_internal` lists what is empty, and the sign-off refuses while it lists anything.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, fields

from .models import Issue, Publication


@dataclass(frozen=True)
class Colophon:
    name: str = ""
    confidentiality_notice: str = ""
    permit_number: str = ""
    free_notice: str = ""
    distribution_scope: str = ""
    sponsor: str = ""
    publisher: str = ""
    printer: str = ""
    print_run: str = ""
    phone: str = ""
    email: str = ""
    print_date: datetime.date | None = None

    @property
    def print_run_label(self) -> str:
        return f"{self.print_run}份" if self.print_run else ""


TEXT_FIELDS = tuple(f.name for f in fields(Colophon) if f.name != "print_date")

# What an internal issue must print, with the names the rules give them.
REQUIRED_FOR_INTERNAL = (
    ("permit_number", "准印证号"),
    ("free_notice", "内部资料声明（如“内部资料，免费交流”）"),
    ("publisher", "编印单位（编辑出版）"),
    ("distribution_scope", "发送对象（发放范围）"),
    ("printer", "印刷单位"),
    ("print_run", "印数"),
)
# 印刷日期 is the issue's publication date (its planned 出版 date until then); publishing sets it
# to the day of publishing at the latest, so an internal issue always prints one.


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _print_date(issue: Issue) -> datetime.date | None:
    return issue.publication_date or issue.publish_due


def current_values(publication: Publication) -> dict[str, str]:
    return {name: _text(getattr(publication, name)) for name in TEXT_FIELDS}


def colophon_of(issue: Issue) -> Colophon:
    """What the issue prints: its frozen values, or the publication's current ones."""
    frozen = issue.colophon or {}
    if frozen:
        values = {name: _text(frozen.get(name)) for name in TEXT_FIELDS}
        stored_date = frozen.get("print_date")
        print_date = datetime.date.fromisoformat(stored_date) if stored_date else _print_date(issue)
    else:
        values = current_values(issue.publication)
        print_date = _print_date(issue)
    return Colophon(**values, print_date=print_date)


def freeze(issue: Issue) -> None:
    """Copy the publication's values into the issue.

    The caller saves the issue, inside the transaction that publishes it.
    """
    _record(issue, current_values(issue.publication))


def freeze_from_file(issue: Issue, values: dict) -> None:
    """Record a back issue's 版记 as its file printed it: `values` only, nothing of the
    publication's except its name for a masthead the file left unnamed.

    The print date is the issue's own printed date. The caller saves the issue.
    """
    recorded = {name: _text(values.get(name)) for name in TEXT_FIELDS}
    recorded["name"] = recorded["name"] or _text(issue.publication.name)
    _record(issue, recorded)


def _record(issue: Issue, values: dict) -> None:
    """`values` with the issue's print date, as the issue's own colophon."""
    print_date = _print_date(issue)
    issue.colophon = {**values, "print_date": print_date.isoformat() if print_date else ""}


def missing_for_internal(issue: Issue) -> list[str]:
    """The compliance fields an internal issue lacks (none for a public issue)."""
    if not issue.is_internal:
        return []
    colophon = colophon_of(issue)
    return [label for name, label in REQUIRED_FOR_INTERNAL if not getattr(colophon, name)]
