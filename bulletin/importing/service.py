"""Importing a back issue (往期) into the database: one transaction, all or nothing.

The parser (bulletin.importing.parser) turns a file into a ParsedIssue; this module turns a
ParsedIssue into a published Issue with its original numbers:

* sections are the publication's own (matched by name); an unknown one is created only when
  the caller asks for it (``create_sections``), otherwise the import is refused naming the line;
* every article becomes an editorial.Article (status published, author = the importing user)
  with a first Revision, placed in the issue in the file's order;
* the focus article (本期焦点) is the first article of section 本期焦点, else the first article;
* the issue is recorded with ``publish_back_issue`` (numbers checked under the publication
  lock, revisions pinned) with the file's 总第N期 and, if the masthead or the editor gives one,
  its 第N期; otherwise the issue has no 第N期 and is shown as 总第N期 alone (a number is not
  made up from the month);
* the colophon fills the publication's empty colophon fields; a value that differs from what
  the publication already has is reported as a warning and never overwritten. The issue
  itself records only the file's colophon (bulletin.colophon.freeze_from_file);

What a file may touch is checked first (import_refusal): its 总第N期 lies below Bulletin's own
series, and it never meets an issue Bulletin itself assembled or published. Importing an issue
that already exists as an imported back issue (same 总期号, or same year and month) is refused;
replacing it is a request (request_replacement) that the head approves (approve_replacement,
never the person who asked) or refuses: on approval the old issue is kept, with its articles
and history, as 已被替换 (Issue.Status.REPLACED), and the stored file is imported in its place;
both issues' 本期记录 say who asked and who approved.

Who may import: editors and the head (ASSEMBLERS), and only into a publication they work in
(editorial.membership.is_member); checked here, whatever the caller (desk, command, worker).
The writing steps take an optional ``progress(done, total, message)`` callback (Chinese
message), called as the articles are written; it must not write to the database in this
transaction's name (it runs inside it).
"""

from __future__ import annotations

import datetime
import html
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from common import periods
from editorial.docx_safety import (
    DEFAULT_LIMITS,
    MSG_CORRUPT,
    OLE2_SIGNATURE,
    DocxImportError,
    DocxLimits,
    open_docx,
)
from editorial.membership import is_member
from editorial.models import Article
from editorial.revisions import record_revision
from editorial.sanitize import clean_html

from ..colophon import freeze_from_file as freeze_colophon
from ..models import (
    FOCUS_SECTION,
    BackIssueReplacement,
    Issue,
    IssueArticle,
    IssueEvent,
    Publication,
    Section,
)
from ..publishing import PublishError, back_issue_number_refusal, publish_back_issue
from ..publishing.base import ASSEMBLERS, SIGNERS, IssueError, record_event, require
from .parser import (
    COLOPHON_KEYS,
    COLOPHON_LABELS,
    DocxText,
    ImportParseError,
    ParsedIssue,
    parse_text,
    read_docx,
    warn_dropped_content,
)

__all__ = [
    "FOCUS_SECTION",
    "MAX_FILE_BYTES",
    "MAX_TEXT_CHARS",
    "ColophonCheck",
    "IssueImportError",
    "check_colophon",
    "existing_issues",
    "import_refusal",
    "approve_replacement",
    "refuse_replacement",
    "replacement_refusal",
    "request_replacement",
    "import_parsed_issue",
    "IssueSource",
    "decode_text",
    "parse_issue_file",
    "read_issue_file",
]

MAX_FILE_BYTES = 20 * 1024 * 1024
# A monthly issue is about 20 000 characters. The byte limit lets a .docx carry its photos, but
# text far beyond an issue (18 MB took 90 s and 2 GB to import, 0.5 M characters 28 s) is
# refused before parsing, in a request that must finish.
MAX_TEXT_CHARS = 200_000
IMPORT_NOTE = "往期导入"
# python-docx only reads the text (lxml, no conversion): about five times cheaper per element
# than the article import's mammoth, so a back issue may have more structure.
DOCX_LIMITS = replace(
    DEFAULT_LIMITS.with_max_bytes(MAX_FILE_BYTES), max_elements=250_000, max_paragraphs=20_000
)

_WS = re.compile(r"\s+")

Progress = Callable[[int, int, str], None]


def _silent(done: int, total: int, message: str) -> None:
    pass


def require_importer(user, publication: Publication, *, action: str = "导入往期") -> None:
    """Refuse (IssueImportError) unless ``user`` is an editor or the head working in ``publication``."""
    try:
        require(user, *ASSEMBLERS, action=action)
    except IssueError as exc:
        raise IssueImportError(exc.message) from None
    if not is_member(user, publication):
        raise IssueImportError(f"您不是《{publication.name}》的成员，不能{action}。如需加入，请联系管理员。")


class IssueImportError(ImportParseError):
    """An import that is refused; ``str(err)`` is the Chinese message (with the line, if any)."""


# --------------------------------------------------------------------------
# reading files


def parse_issue_file(
    data: bytes,
    filename: str,
    *,
    publication: Publication,
    create_sections: bool = False,
    year_number: int | None = None,
) -> ParsedIssue:
    """Parse an uploaded/opened issue file (.docx or text) for ``publication``.

    ``year_number`` is 第N期 as the editor gives it; it overrides the file's, with a warning
    when they differ. Without either the issue has no 第N期 (never one made up from the month).

    Raises IssueImportError/ImportParseError with a Chinese message for anything unreadable.
    """
    source = read_issue_file(data, filename)
    known = list(publication.sections.values_list("name", flat=True))
    parsed = parse_text(source.text, known_sections=known, allow_new_sections=create_sections)
    parsed.warnings[:0] = source.notes
    if source.docx is not None:
        warn_dropped_content(parsed, source.docx)
    if year_number is not None:
        if parsed.year_number is not None and parsed.year_number != year_number:
            parsed.warnings.append(
                f"文件中为第{parsed.year_number}期，按填写的第{year_number}期导入。"
            )
        parsed.year_number = year_number
    return parsed


@dataclass
class IssueSource:
    """An issue file read as text: what the parser gets, and what the preview should say."""

    text: str
    docx: DocxText | None = None  # for a .docx: its pictures and text boxes (not imported)
    notes: list[str] = field(default_factory=list)  # e.g. the encoding a text file was read in


def read_issue_file(
    data: bytes, filename: str, *, docx_limits: DocxLimits = DOCX_LIMITS
) -> IssueSource:
    """The text of an issue file (.docx, or text in UTF-8, GBK/GB18030 or UTF-16); no database.

    Raises IssueImportError with a Chinese message for anything unreadable or over the limits.
    """
    if len(data) > MAX_FILE_BYTES:
        raise IssueImportError(f"文件过大（最大 {MAX_FILE_BYTES // (1024 * 1024)} MB）。")
    name = (filename or "").lower()
    if name.endswith(".doc") or data.startswith(OLE2_SIGNATURE):
        raise IssueImportError(
            "不支持旧版 .doc 格式或加密的 Word 文件，请在 Word 中另存为 .docx 后再导入。"
        )
    if name.endswith(".docx") or data.startswith(b"PK\x03\x04"):
        try:
            # The same gate as the article import: bytes, zip, XML structure, wall time.
            _, budget = open_docx(data, docx_limits)
            docx = budget.run(read_docx, io.BytesIO(data))
        except DocxImportError as exc:
            raise IssueImportError(exc.message) from None
        except Exception:  # lxml/zip errors inside a structurally plausible file
            raise IssueImportError(MSG_CORRUPT) from None
        _check_text_length(docx.text)
        return IssueSource(text=docx.text, docx=docx)
    if not (name.endswith(".txt") or name.endswith(".text") or "." not in name.rsplit("/", 1)[-1]):
        raise IssueImportError(
            "只能导入 Word 文件（.docx）或纯文本文件（.txt，UTF-8 或 GBK 编码）。"
        )
    text, note = decode_text(data)
    if "\x00" in text:
        raise IssueImportError("文件不是纯文本文件。")
    _check_text_length(text)
    return IssueSource(text=text, notes=[note] if note else [])


_CJK_IDEOGRAPH = re.compile("[\u3400-\u4dbf\u4e00-\u9fff]")
# What Chinese text is made of, besides ASCII: CJK ideographs (and extension A, compatibility
# forms), CJK and full-width punctuation, general punctuation (“”‘’—…), Greek/Cyrillic and
# symbols GB2312 has, circled and parenthesised numbers.
_CHINESE_TEXT = re.compile(
    "[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef\u2000-\u206f"
    "\u00a0-\u00ff\u0391-\u03c9\u0401-\u0451\u2100-\u22ff\u2460-\u24ff\u2500-\u25ff"
    "\u2600-\u26ff\u3200-\u33ff\ue000-\uf8ff]"
)
_MSG_ENCODING = (
    "无法识别文件的编码：既不是 UTF-8，也不是 GBK/GB18030（中文 Windows 记事本的默认编码）。"
    "请在记事本或 WPS 中“另存为”UTF-8 编码后再导入。"
)


def _line_of(data: bytes, position: int) -> int:
    return data[:position].count(b"\n") + 1


def decode_text(data: bytes) -> tuple[str, str | None]:
    """The text of a plain-text file and, unless it was UTF-8, a note saying how it was read.

    UTF-8 (with or without BOM) and UTF-16 with a BOM are recognised by their bytes; anything
    else that decodes as GB18030 (which contains GBK and GB2312: what Chinese Windows writes)
    into mostly Chinese text is read as such. A UTF-8 file with a damaged byte is refused naming
    the line, rather than read as GBK and shown garbled.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "文件按 UTF-16 编码读取。"
        except UnicodeDecodeError:
            raise IssueImportError(_MSG_ENCODING) from None
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        utf8_error = exc
    # GBK bytes read as UTF-8 give hardly any Chinese and a broken sequence every few bytes;
    # a UTF-8 file with a damaged byte or a pasted GBK line is Chinese with a few breaks.
    as_utf8 = data.decode("utf-8", errors="replace")
    breaks = as_utf8.count("\ufffd")
    if data.startswith(b"\xef\xbb\xbf") or len(_CJK_IDEOGRAPH.findall(as_utf8)) >= 10 * breaks:
        raise IssueImportError(
            "文件是 UTF-8 编码，但这一行有损坏的字符，请检查后重新保存再导入。",
            _line_of(data, utf8_error.start),
        ) from None
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise IssueImportError(_MSG_ENCODING, _line_of(data, exc.start)) from None
    others = [ch for ch in text if ord(ch) >= 0x80]
    chinese = sum(1 for ch in others if _CHINESE_TEXT.match(ch))
    if others and chinese < 0.95 * len(others):
        raise IssueImportError(_MSG_ENCODING)
    return text, "文件按 GBK/GB18030 编码读取（中文 Windows 记事本的默认编码）。"


def _check_text_length(text: str) -> None:
    if len(text) > MAX_TEXT_CHARS:
        raise IssueImportError(
            f"文件中的文字过多（{len(text)} 字，一期刊物通常只有几万字，最多 {MAX_TEXT_CHARS} 字），"
            "请检查是否选错了文件或把多期合在了一个文件里。"
        )


# --------------------------------------------------------------------------
# checks that need the database but write nothing


@dataclass
class ColophonCheck:
    fills: dict[str, str] = field(default_factory=dict)  # empty publication fields to fill
    warnings: list[str] = field(default_factory=list)


def _same(a: str, b: str) -> bool:
    return _WS.sub("", a or "") == _WS.sub("", b or "")


def check_colophon(parsed: ParsedIssue, publication: Publication) -> ColophonCheck:
    """Compare the file's colophon (and name) with the publication's; writes nothing."""
    result = ColophonCheck()
    if parsed.publication_name and not _same(parsed.publication_name, publication.name):
        result.warnings.append(
            f"文件中的刊名“{parsed.publication_name}”与导入的刊物“{publication.name}”不一致。"
        )
    for key in COLOPHON_KEYS:
        value = (parsed.colophon or {}).get(key)
        if not value:
            continue
        label = COLOPHON_LABELS[key]
        current = getattr(publication, key) or ""
        if current:
            if not _same(current, value):
                result.warnings.append(
                    f"刊尾“{label}”与刊物设置不一致（文件：{value}；现有：{current}），未修改刊物设置。"
                )
            continue
        max_length = Publication._meta.get_field(key).max_length
        if max_length and len(value) > max_length:
            result.warnings.append(f"刊尾“{label}”过长（超过 {max_length} 字），未写入刊物设置。")
            continue
        if key == "email":
            try:
                validate_email(value)
            except ValidationError:
                result.warnings.append(f"刊尾“{label}”不是有效的邮箱地址（{value}），未写入刊物设置。")
                continue
        result.fills[key] = value
    return result


def issue_period(parsed: ParsedIssue, publication: Publication) -> tuple[str, int]:
    """(frequency, month) of the issue the file becomes: the period its masthead names
    (“2020年第三季度”, “2020年9–10月”), else the publication's frequency applied to its month
    (a quarterly's “2020年8月” is its third quarter; “2020年第3期” alone, its third quarter)."""
    frequency = parsed.period or publication.frequency
    month = parsed.month
    if parsed.period is None and parsed.month_is_number and frequency in (periods.BIMONTHLY, periods.QUARTERLY) \
            and (parsed.month - 1) * periods.SPAN[frequency] + 1 <= 12:
        month = (parsed.month - 1) * periods.SPAN[frequency] + 1
    elif periods.is_periodic(frequency):
        month = periods.period_start(frequency, month)
    return frequency, month


def period_label(parsed: ParsedIssue, publication: Publication) -> str:
    frequency, month = issue_period(parsed, publication)
    return periods.period_label(frequency, parsed.year, month)


def existing_issues(parsed: ParsedIssue, publication: Publication) -> list[Issue]:
    """Issues of the publication that the file would duplicate (same 总期号, or same period:
    month, two months or quarter; an irregular issue has none); issues an earlier import
    replaced are history, not duplicates."""
    live = publication.issues.exclude(status=Issue.Status.REPLACED)
    frequency, month = issue_period(parsed, publication)
    same = live.filter(serial_number=parsed.serial_number)
    if periods.is_periodic(frequency):
        same = same | live.filter(year=parsed.year, month=month).exclude(frequency=periods.IRREGULAR)
    return list(same)


def _own_issue_message(issue: Issue) -> str:
    state = "已撤回" if issue.status == Issue.Status.WITHDRAWN else issue.get_status_display()
    if issue.serial_number is not None:
        return (
            f"{issue}是在本系统签发、发布的期（{state}），导入不能替换它，也不能再录入同一期号或同一月份；"
            "已发布的期如需更正，请提交勘误。"
        )
    return f"{issue}正在编排中（{state}），不能导入同一月份的往期，请先在编辑部处理该期。"


def import_refusal(parsed: ParsedIssue, publication: Publication) -> str | None:
    """Why the file cannot be imported into ``publication`` at all, whatever the options
    (Chinese), or None: its 总第N期 is outside the back issues' range, or it would touch an
    issue Bulletin itself assembled or published (including withdrawn ones)."""
    refusal = back_issue_number_refusal(publication, parsed.serial_number)
    if refusal:
        return refusal
    for issue in existing_issues(parsed, publication):
        if not issue.imported:
            return _own_issue_message(issue)
    return None


def duplicate_message(parsed: ParsedIssue, issues: list[Issue]) -> str:
    labels = "、".join(str(issue) for issue in issues)
    return (
        f"{parsed.period_label}（总第{parsed.serial_number}期）已存在：{labels}。"
    )


# --------------------------------------------------------------------------
# the import


def _body_html(paragraphs: list[str]) -> str:
    return clean_html("".join(f"<p>{html.escape(text)}</p>" for text in paragraphs))


def _resolve_sections(
    parsed: ParsedIssue, publication: Publication, create_sections: bool
) -> dict[str, Section]:
    existing = {section.name: section for section in publication.sections.all()}
    needed: list[str] = list(parsed.sections) + [
        a.section for a in parsed.articles if a.section and a.section not in parsed.sections
    ]
    position = max((s.position for s in existing.values()), default=0)
    sections: dict[str, Section] = {}
    for name in needed:
        if not name or name in sections:
            continue
        if name in existing:
            sections[name] = existing[name]
            continue
        first = next((a for a in parsed.articles if a.section == name), None)
        if not create_sections:
            raise IssueImportError(
                f"刊物“{publication.name}”没有栏目“{name}”。如需新增栏目，请选择“允许新增栏目”（命令行加 --create-sections）。",
                first.line_no if first else None,
            )
        position += 1
        sections[name] = Section.objects.create(publication=publication, name=name, position=position)
    return sections


def _replaceable(issue: Issue) -> None:
    """Refuse (IssueImportError) unless ``issue`` is an imported back issue a file may replace."""
    if not issue.imported or issue.status not in (Issue.Status.PUBLISHED, Issue.Status.WITHDRAWN):
        raise IssueImportError(_own_issue_message(issue))
    if issue.errata.exists():
        raise IssueImportError(f"{issue}已有勘误，不能替换。")


def import_parsed_issue(
    parsed: ParsedIssue,
    *,
    publication: Publication,
    by,
    create_sections: bool = False,
    progress: Progress | None = None,
    _replacing: BackIssueReplacement | None = None,
) -> Issue:
    """Create the published issue described by ``parsed``; all or nothing.

    Returns the Issue; ``issue.import_warnings`` lists what the importer noticed but did not
    refuse (colophon differences, the replaced issue). Raises IssueImportError (Chinese, with
    the line number where one applies) and leaves the database untouched. An existing issue is
    never replaced here: that is request_replacement, then approve_replacement by the head
    (who was checked there: ``by`` is then the requester, recorded as the articles' author).
    """
    progress = progress or _silent
    if _replacing is None:
        require_importer(by, publication)
    if not parsed.articles:
        raise IssueImportError("文件中没有文章。")
    count = len(parsed.articles)
    total = count + 2  # the checks, each article, the numbers and the commit
    progress(0, total, "正在核对期号、栏目和刊尾")
    with transaction.atomic():
        # Serialise imports (and publishes) of this publication: the checks below must still
        # hold when the numbers are written.
        publication = Publication.objects.select_for_update().get(pk=publication.pk)
        warnings: list[str] = []
        refusal = import_refusal(parsed, publication)
        if refusal:
            raise IssueImportError(refusal)
        clashes = existing_issues(parsed, publication)
        if _replacing is not None:
            old = Issue.objects.select_for_update().get(pk=_replacing.issue_id)
            if old not in clashes:
                raise IssueImportError(f"文件已不再对应{old}，不能用它替换。")
            _replaceable(old)
            clashes.remove(old)
            # Kept with its articles and history; its numbers and month pass to the new issue.
            Issue.objects.filter(pk=old.pk).update(status=Issue.Status.REPLACED, updated_at=timezone.now())
            warnings.append(f"原有的{old}保留为“已被替换”，其记录不变。")
        if clashes:
            raise IssueImportError(
                duplicate_message(parsed, clashes)
                + "如需用该文件替换原有内容，请选择“申请替换已有期刊”（命令行加 --replace），由主任批准后生效。"
            )

        sections = _resolve_sections(parsed, publication, create_sections)

        colophon = check_colophon(parsed, publication)
        warnings.extend(colophon.warnings)
        if colophon.fills:
            for key, value in colophon.fills.items():
                setattr(publication, key, value)
            publication.save(update_fields=list(colophon.fills))

        frequency, month = issue_period(parsed, publication)
        issue = Issue.objects.create(
            publication=publication,
            year=parsed.year,
            month=month,
            frequency=frequency,
            title="" if periods.is_periodic(frequency) else periods.DEFAULT_IRREGULAR_TITLE,
            publication_date=parsed.publication_date,
        )
        if parsed.publication_date:
            # The issue came out on its printed date, not on the day it was imported.
            issue.published_at = timezone.make_aware(
                datetime.datetime.combine(parsed.publication_date, datetime.time(9, 0))
            )
        positions: dict[str, int] = {}
        focus = None
        for done, parsed_article in enumerate(parsed.articles, start=1):
            if not parsed_article.section:
                raise IssueImportError(
                    f"“{parsed_article.title}”不属于任何栏目，无法导入。", parsed_article.line_no
                )
            section = sections[parsed_article.section]
            title = parsed_article.title.strip()
            if len(title) > Article._meta.get_field("title").max_length:
                raise IssueImportError(f"标题过长：“{title[:30]}…”。", parsed_article.line_no)
            article = Article.objects.create(
                publication=publication,
                section=section,
                title=title,
                event_date=parsed_article.event_date,
                body=_body_html(parsed_article.body_paragraphs),
                author=by,
                last_edited_by=by,
                status=Article.Status.PUBLISHED,
            )
            record_revision(article, by=by, note=IMPORT_NOTE)
            position = positions.get(section.name, 0)
            IssueArticle.objects.create(issue=issue, article=article, section=section, position=position)
            positions[section.name] = position + 1
            if focus is None and section.name == FOCUS_SECTION:
                focus = article
            progress(done, total, f"正在写入文章（{done}/{count}）：{title[:40]}")
        issue.focus_article = focus or issue.placements.order_by("pk").first().article
        # The back issue prints its own 版记, only what the file had (never today's permit number,
        # printer, print run or 免费交流 line).
        freeze_colophon(issue, {**(parsed.colophon or {}), "name": parsed.publication_name})
        issue.save()
        progress(count + 1, total, "正在登记期号并发布")
        try:
            publish_back_issue(
                issue, year_number=parsed.year_number, serial_number=parsed.serial_number, by=by
            )
        except PublishError as exc:
            raise IssueImportError(str(exc)) from None
        # The search index is written as the transaction commits (bulletin.search.signals).
        progress(count + 1, total, "正在保存并建立检索索引")
    progress(total, total, "导入完成")
    issue.refresh_from_db()
    issue.import_warnings = warnings
    return issue


# --------------------------------------------------------------------------
# replacing an imported back issue: the editor asks, the head approves or refuses


def _file_summary(parsed: ParsedIssue) -> str:
    return (
        f"{parsed.period_label}，总第{parsed.serial_number}期，"
        f"{len(parsed.sections)} 个栏目，{len(parsed.articles)} 篇文章"
    )[:200]


def request_replacement(
    data: bytes,
    filename: str,
    parsed: ParsedIssue,
    *,
    publication: Publication,
    by,
    create_sections: bool = False,
    year_number: int | None = None,
) -> BackIssueReplacement:
    """Ask to replace the imported back issue that ``parsed`` duplicates with this file.

    Nothing changes until the head approves (approve_replacement); the file waits in the
    request. Written to the old issue's 本期记录. Raises IssueImportError (Chinese).
    """
    require_importer(by, publication, action="申请替换往期")
    if not parsed.articles:
        raise IssueImportError("文件中没有文章。")
    with transaction.atomic():
        publication = Publication.objects.select_for_update().get(pk=publication.pk)
        refusal = import_refusal(parsed, publication)
        if refusal:
            raise IssueImportError(refusal)
        clashes = existing_issues(parsed, publication)
        if not clashes:
            raise IssueImportError("没有需要替换的期刊，请直接导入。")
        if len(clashes) > 1:
            raise IssueImportError(
                duplicate_message(parsed, clashes) + "文件同时对应两期往期，不能替换，请核对总期号和年月。"
            )
        old = Issue.objects.select_for_update().get(pk=clashes[0].pk)
        _replaceable(old)
        if old.replacement_requests.filter(status=BackIssueReplacement.Status.PENDING).exists():
            raise IssueImportError(f"{old}已有一份待批准的替换申请，请等主任处理后再申请。")
        request = BackIssueReplacement.objects.create(
            publication=publication, issue=old, filename=filename[:255], data=data,
            create_sections=create_sections, year_number=year_number, summary=_file_summary(parsed),
            requested_by=by,
        )
        record_event(
            old, IssueEvent.Action.REPLACEMENT_REQUESTED, by,
            f"申请用文件“{filename}”替换本期（{request.summary}），待主任批准",
        )
    return request


def replacement_refusal(request: BackIssueReplacement, user) -> str | None:
    """Why ``user`` may not approve ``request`` (None if they may): replacing a back issue
    always needs a second person, whatever the publication's sign-off setting."""
    if user is not None and request.requested_by_id == user.pk:
        return "不能批准自己提出的替换申请，须由另一位主任批准。"
    return None


def _locked_pending(request: BackIssueReplacement) -> BackIssueReplacement:
    locked = (
        BackIssueReplacement.objects.select_for_update()
        .select_related("publication", "requested_by")
        .get(pk=request.pk)
    )
    if not locked.is_pending:
        raise IssueImportError(f"这份替换申请已经处理（{locked.get_status_display()}）。")
    return locked


def approve_replacement(request: BackIssueReplacement, *, by, progress: Progress | None = None) -> Issue:
    """The head approves: the old issue becomes 已被替换 (kept, with its history) and the
    request's file is imported in its place, all in one transaction. Returns the new issue."""
    require(by, *SIGNERS, action="批准替换往期")
    if not is_member(by, request.publication):
        raise IssueImportError(f"您不是《{request.publication.name}》的成员，不能批准替换该刊物的往期。")
    try:
        with transaction.atomic():
            locked = _locked_pending(request)
            refusal = replacement_refusal(locked, by)
            if refusal:
                raise IssueImportError(refusal)
            parsed = parse_issue_file(
                bytes(locked.data), locked.filename, publication=locked.publication,
                create_sections=locked.create_sections, year_number=locked.year_number,
            )
            old = locked.issue
            issue = import_parsed_issue(
                parsed, publication=locked.publication, by=locked.requested_by,
                create_sections=locked.create_sections, progress=progress, _replacing=locked,
            )
            now = timezone.now()
            BackIssueReplacement.objects.filter(pk=locked.pk).update(
                status=BackIssueReplacement.Status.APPROVED, decided_by=by, decided_at=now, new_issue=issue
            )
            requester = locked.requested_by
            record_event(
                old, IssueEvent.Action.REPLACED, by,
                f"经批准由文件“{locked.filename}”替换（申请人：{requester.get_full_name() or requester}），"
                f"替换后的期保留原期号",
            )
            record_event(
                issue, IssueEvent.Action.REPLACED, by,
                f"替换了原有的{old}（申请人：{requester.get_full_name() or requester}，本人批准）",
            )
    except IssueError as exc:
        raise IssueImportError(exc.message) from None
    request.refresh_from_db()
    return issue


def refuse_replacement(request: BackIssueReplacement, *, by, comment: str) -> BackIssueReplacement:
    """The head refuses a replacement request (a reason is required); nothing else changes."""
    require(by, *SIGNERS, action="处理替换往期申请")
    if not is_member(by, request.publication):
        raise IssueImportError(f"您不是《{request.publication.name}》的成员，不能处理该刊物的往期替换申请。")
    comment = (comment or "").replace("\x00", "").strip()
    if not comment:
        raise IssueImportError("请填写不同意替换的理由。")
    if len(comment) > 2000:
        raise IssueImportError("理由不能超过 2000 字。")
    with transaction.atomic():
        locked = _locked_pending(request)
        BackIssueReplacement.objects.filter(pk=locked.pk).update(
            status=BackIssueReplacement.Status.REFUSED, decided_by=by, decided_at=timezone.now(), comment=comment
        )
        record_event(locked.issue, IssueEvent.Action.REPLACEMENT_REFUSED, by, comment)
    request.refresh_from_db()
    return request
