"""An article's checks before submit (提交前检查), as its publication sets them.

The publication's settings are read by attribute (`article.publication.check_event_date`, …):
editorial never imports bulletin. A publication without a setting (an attribute missing) does
not check it. editorial.workflow refuses a submit while a required check fails; the issue's own
checks (bulletin.publishing.assembly) repeat these for every article placed in the issue.
"""

from html.parser import HTMLParser

from common.checks import Check, CheckLevel, check

from .sanitize import count_words


class _Images(HTMLParser):
    """Counts <img> tags and those without a non-blank alt text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.images = 0
        self.without_alt = 0

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.images += 1
            if not (dict(attrs).get("alt") or "").strip():
                self.without_alt += 1

    handle_startendtag = handle_starttag


def image_counts(body: str) -> tuple[int, int]:
    """(images, images without alt text) in an article body."""
    parser = _Images()
    parser.feed(body or "")
    parser.close()
    return parser.images, parser.without_alt


def _setting(publication, name: str, default=CheckLevel.OFF):
    return getattr(publication, name, default)


def article_checks(article, *, publication=None) -> list[Check]:
    """The checklist of one article (title, event_date, body), in the order the editor writes.

    `article` may be any object with title, event_date and body (the editor's unsaved form);
    `publication` defaults to `article.publication`.
    """
    publication = publication if publication is not None else article.publication
    title = (getattr(article, "title", "") or "").strip()
    body = getattr(article, "body", "") or ""
    checks = []

    checks.append(check(
        "event_date", "已填写事件日期", _setting(publication, "check_event_date"),
        [] if getattr(article, "event_date", None) else ["缺少事件日期（刊物中显示为“9月17日”）。"],
    ))

    limit = _setting(publication, "title_max_chars", 0) or 0
    if limit:
        checks.append(check(
            "title_length", f"标题不超过{limit}字", _setting(publication, "check_title_length"),
            [f"标题有{len(title)}字，超过{limit}字，请精简。"] if len(title) > limit else [],
        ))

    minimum = _setting(publication, "body_min_chars", 0) or 0
    if minimum:
        words = count_words(body)
        checks.append(check(
            "body_length", f"正文不少于{minimum}字", _setting(publication, "check_body_length"),
            [f"正文只有{words}字，少于{minimum}字。"] if words < minimum else [],
        ))

    images, without_alt = image_counts(body)
    checks.append(check(
        "image_alt", "图片都有说明文字" if images else "图片都有说明文字（本稿无图片）",
        _setting(publication, "check_image_alt"),
        [f"正文中有{without_alt}张图片没有说明文字（替代文本），请在编辑器中选中图片，点图片工具栏的“更改替换文本”填写。"]
        if without_alt else [],
    ))
    return [c for c in checks if c is not None]
