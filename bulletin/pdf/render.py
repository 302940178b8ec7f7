"""Print-faithful PDF rendering of a bulletin issue (WeasyPrint).

Independent of the models: the caller builds the context (plain dicts or
objects with the same attributes) and gets the PDF bytes back::

    {
      "publication": {"name", ...},
      "colophon": {"name", "sponsor", "publisher", "phone", "email", "distribution_scope",
                   "confidentiality_notice", "free_notice", "permit_number", "printer",
                   "print_run", "print_date"}  (bulletin.colophon; `publication` if absent),
      "issue": {"year", "month", "year_number", "serial_number",
                "publication_date"},
      "focus": entry or None,
      "sections": [{"name": str, "entries": [entry, ...]}, ...],
      "errata": [{"text": str, "published_at": datetime}],
      "preview": bool,
      "fonts": [{"role": "title" | "body" | "heading", "family": str, "path": str}]
               (the publication's uploaded faces, bulletin.pdf.fonts; Noto CJK when absent),
    }
    entry = {"anchor": "article-12", "title": str,
             "event_date": date or None, "body": SafeString}

Page numbering: the cover is page 1 (counted, but its number is not
printed), so the number printed in the footer, the number listed in the
table of contents and the physical page index of the PDF are the same.
"""

from __future__ import annotations

from pathlib import Path

from django.template.loader import render_to_string

from . import typesetting
from .fonts import font_face_css

TEMPLATE_NAME = "pdf/issue.html"
BASE_DIR = Path(__file__).resolve().parents[2]  # the repository: static/ and templates/
PDF_CSS_PATH = BASE_DIR / "static" / "css" / "pdf.css"


def load_pdf_css() -> str:
    return PDF_CSS_PATH.read_text(encoding="utf-8")


def _get(obj, name, default=None):
    if obj is None:
        return default
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _bracketed(notice: str | None) -> str:
    """"内部资料 注意保存" -> "（内部资料　注意保存）" as printed in the 版记."""
    notice = (notice or "").strip()
    if not notice:
        return ""
    if notice[0] in "（(" and notice[-1] in "）)":
        notice = notice[1:-1].strip()
    return "（" + " ".join(notice.split()).replace(" ", "\u3000") + "）"


def weasyprint_api():
    """Import WeasyPrint without leaving Pillow lenient for the rest of the process.

    WeasyPrint sets PIL.ImageFile.LOAD_TRUNCATED_IMAGES = True when imported; that global
    would make the upload checks (editorial.images) accept truncated JPEGs in any process
    that has rendered a PDF. Images reaching the PDF were verified on upload already.
    """
    from PIL import ImageFile

    before = ImageFile.LOAD_TRUNCATED_IMAGES
    try:
        from weasyprint import HTML
        from weasyprint.text.fonts import FontConfiguration
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = before
    return HTML, FontConfiguration


def render_issue_html(context: dict) -> str:
    """Render the print HTML (useful for debugging the layout in a browser)."""
    ctx = dict(context)
    # A public issue does not print "内部资料" (contexts without `is_internal` keep the notice).
    internal = _get(ctx.get("issue"), "is_internal", True)
    ctx.setdefault("colophon", ctx.get("publication"))
    ctx["confidentiality_notice"] = (
        _bracketed(_get(ctx.get("colophon"), "confidentiality_notice")) if internal else ""
    )
    ctx.setdefault("focus", None)
    ctx.setdefault("sections", [])
    ctx.setdefault("errata", [])
    ctx.setdefault("preview", False)
    ctx["pdf_css"] = load_pdf_css()
    ctx["font_css"] = font_face_css(ctx.get("fonts"))
    ctx = typesetting.typeset_issue(ctx, cut=_word_cutter())  # word-aware titles, paragraph ends
    return render_to_string(TEMPLATE_NAME, ctx)


def _word_cutter():
    """jieba as the search index has it (with the admin's dictionary words, so official names
    stay whole in titles); jieba's own dictionary where there is no database (standalone renders)."""
    from django.core.exceptions import ImproperlyConfigured
    from django.db import DatabaseError

    try:
        from ..search.text import segmenter

        tokenizer = segmenter()
    except (RuntimeError, DatabaseError, ImproperlyConfigured):  # no apps or database access here
        return None
    return lambda text: tokenizer.cut(text, HMM=False)


# Part of a stored PDF's version (bulletin.pdf.store): changing it re-renders stored issues.
TAGGED = True


def render_issue_pdf(context: dict, *, base_url: str | None = None, url_fetcher=None,
                     tagged: bool = TAGGED) -> bytes:
    """Render an issue to PDF bytes.

    ``tagged``: a tagged PDF (WeasyPrint's ``pdf_tags``): a structure tree of headings,
    paragraphs, lists, links and figures in reading order, with the document's title (the
    HTML ``<title>``) and language (``<html lang="zh-CN">``) set, so a screen reader reads the
    issue as a document rather than as loose glyphs. ``bench/pdf_tagged.py`` measures its cost.

    ``base_url`` resolves relative URLs in article bodies (images); pass
    ``request.build_absolute_uri("/")`` or a ``file://`` media root. ``url_fetcher``
    replaces WeasyPrint's (bulletin.pdf.store resolves media from disk and nothing else).
    """
    HTML, FontConfiguration = weasyprint_api()
    typesetting.install()  # inter-character justification for `--text-justify: inter-character`

    html = render_issue_html(context)
    font_config = FontConfiguration()
    options = {"url_fetcher": url_fetcher} if url_fetcher is not None else {}
    return HTML(string=html, base_url=base_url or BASE_DIR.as_uri() + "/", **options).write_pdf(
        font_config=font_config, pdf_tags=tagged
    )
