"""The XSS corpus (xss_vectors.txt) pushed through every input a user or the admin can write, and
a detector for markup that could run script. Shared by the HTML test and the browser test.

Rich text (article bodies, Word imports, back-issue imports) gets each vector on its own, since a
sanitiser's answer depends on the markup around it. Plain-text fields get the corpus joined in
one value: escaping is character by character, so neighbours cannot change it.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

from django.test import Client
from django.urls import reverse

VECTORS_FILE = Path(__file__).with_name("xss_vectors.txt")
VECTORS = [
    line for line in VECTORS_FILE.read_text(encoding="utf-8").splitlines() if line.strip() and not line.startswith("#")
]
JOINED = "\n".join(VECTORS)


def chunks(limit: int) -> list[str]:
    """The corpus joined into values of at most `limit` characters (fields with a length limit)."""
    out, current = [], ""
    for vector in VECTORS:
        if current and len(current) + 1 + len(vector) > limit:
            out.append(current)
            current = ""
        current = f"{current}\n{vector}" if current else vector
    return out + [current]

# Tags none of Bulletin's own pages use; any of them in a page came from input.
FOREIGN_TAGS = {
    "iframe", "frame", "frameset", "object", "embed", "applet", "base", "svg", "math", "xml", "isindex",
    "keygen", "video", "audio", "source", "plaintext", "xmp", "noembed", "template", "xss", "image", "marquee",
    "animate", "set", "use",
}  # fmt: skip
URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "data", "xlink:href", "background", "dynsrc", "lowsrc", "poster",
    "cite", "code", "codebase", "srcset", "ping",
}  # fmt: skip
BAD_SCHEME = re.compile(r"^(javascript|vbscript|livescript|data:(?!image/(png|jpe?g|gif|webp)))", re.I)
BAD_STYLE = re.compile(r"expression\s*\(|javascript:|behavior\s*:|@import|-moz-binding", re.I)


def _normalise_url(value: str) -> str:
    # What a browser does before reading the scheme: entities decoded, controls and spaces dropped.
    return re.sub(r"[\x00-\x20]+", "", unescape(value or ""))


class _Detector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.findings: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in FOREIGN_TAGS:
            self.findings.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.findings.append(f"<{tag} {name}=…>")
            if name in URL_ATTRIBUTES and BAD_SCHEME.match(_normalise_url(value)):
                self.findings.append(f"<{tag} {name}={value!r}>")
            if name == "srcdoc":
                self.findings.append(f"<{tag} srcdoc>")
            if name == "style" and BAD_STYLE.search(unescape(value or "")):
                self.findings.append(f"<{tag} style={value!r}>")
        if tag == "script":
            src = attributes.get("src")
            if src is not None and not src.startswith("/static/"):
                self.findings.append(f"<script src={src!r}>")
            if src is None and attributes.get("type") != "application/json":
                self.findings.append("<script> with code")
        if tag == "meta" and (attributes.get("http-equiv") or "").lower() == "refresh":
            self.findings.append("<meta refresh>")
        if tag == "link" and not (attributes.get("href") or "").startswith(("/", "http://testserver", "https://")):
            self.findings.append(f"<link href={attributes.get('href')!r}>")
        if tag == "style":
            self._in_style = True

    def handle_data(self, data):
        if self._in_style and BAD_STYLE.search(data):
            self.findings.append("<style> with script")

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False


def executable_markup(html: str) -> list[str]:
    """What in `html` could run script: foreign elements, handlers, script URLs, inline code."""
    detector = _Detector()
    detector.feed(html)
    detector.close()
    return detector.findings


@dataclass
class XssWorld:
    publication: object
    issue: object  # published, carrying every vector
    withdrawn: object
    imported: object
    articles: list = field(default_factory=list)  # published, one vector each
    drafts: list = field(default_factory=list)  # editable: 40 vectors, and the commented article
    import_preview: str = ""


def _docx(paragraphs) -> io.BytesIO:
    import docx

    document = docx.Document()
    for text in paragraphs:
        # python-docx refuses XML-invalid characters; a Word user cannot type them either.
        document.add_paragraph(re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", text))
    buffer = io.BytesIO()
    document.save(buffer)
    buffer.seek(0)
    buffer.name = "稿件.docx"
    return buffer


def _issue_file(own_issue) -> io.BytesIO:
    """The tests' own back issue with a vector appended to each body paragraph."""
    lines = own_issue.path.read_text(encoding="utf-8").splitlines()
    vectors = iter(VECTORS * 2)
    out = [f"{line}{next(vectors)}" if len(line) > 60 and line.endswith("。") else line for line in lines]
    buffer = io.BytesIO("\n".join(out).encode("utf-8"))
    buffer.name = "往期.txt"
    return buffer


def _ok(response, what):
    assert response.status_code in (200, 302), f"{what}: {response.status_code}"
    return response


def build(publication, editor, approver, head, own_issue) -> XssWorld:
    """Every input written through the desk's own forms (the admin's fields through the ORM)."""
    from bulletin import jobs, publishing
    from bulletin.models import BackgroundJob, Issue, Section
    from editorial import workflow
    from editorial.models import Article

    as_editor, as_approver, as_head = Client(), Client(), Client()
    as_editor.force_login(editor)
    as_approver.force_login(approver)
    as_head.force_login(head)

    # The back issue's 总第N期 must lie below the number Bulletin publishes next.
    publication.first_serial_number = own_issue.serial_number + 1
    # The admin's fields: the publication's texts and a section's name.
    publication.description = JOINED[:2000]
    for name, vector in zip(["sponsor", "publisher", "phone"], VECTORS[:3], strict=True):
        setattr(publication, name, vector[: publication._meta.get_field(name).max_length])
    publication.distribution_scope = JOINED
    publication.save()
    hostile_section = Section.objects.create(publication=publication, name=VECTORS[23][:50], position=9)

    # The back-issue import first (its sections are the publication's), through the desk's two steps.
    preview = _ok(as_editor.post(reverse("desk:import_upload"),
                                 {"file": _issue_file(own_issue), "publication": publication.pk}), "import upload")
    token = re.search(r'name="token" value="([^"]+)"', preview.content.decode()).group(1)
    _ok(as_editor.post(reverse("desk:import_confirm"), {"token": token}), "import confirm")
    # The confirm started the import's job: run it here, as the worker would.
    jobs.run_job(BackgroundJob.objects.filter(kind="back_issue_import").latest("pk").pk)
    imported = Issue.objects.get(publication=publication, serial_number=own_issue.serial_number)

    articles = []
    sections = [hostile_section] + list(publication.sections.exclude(pk=hostile_section.pk).filter(active=True))
    for n, vector in enumerate(VECTORS):
        section = sections[n % len(sections)]
        _ok(as_editor.post(reverse("desk:article_new"), {
            "publication": publication.pk, "section": section.pk, "title": vector[:200],
            "event_date": "2020-09-17", "body": f"<p>第{n}篇正文开头。</p>{vector}<p>正文结尾。</p>",
        }), f"new article {n}")
        article = Article.objects.filter(publication=publication).order_by("-pk").first()
        assert article.title, vector
        articles.append(article)
        workflow.submit(article, by=editor, version=article.version)
        article.refresh_from_db()
        workflow.approve(article, by=approver, version=article.version)

    # Plain-text inputs on one article: comments, and the reviewer's return comments.
    commented = workflow.create_article(by=editor, publication=publication, section=sections[1], title="评论与退回",
                                        body="<p>正文。</p>", event_date=articles[0].event_date)
    for text in chunks(2000):
        _ok(as_editor.post(reverse("desk:comment_add", args=[commented.pk]), {"body": text}), "comment")
        workflow.submit(commented, by=editor, version=commented.version)
        commented.refresh_from_db()
        _ok(as_approver.post(reverse("desk:article_transition", args=[commented.pk]),
                             {"action": "return", "comment": text, "version": commented.version}), "return")
        commented.refresh_from_db()
        assert commented.status == Article.Status.RETURNED
    # Drafts the editor can still open in the editor (CKEditor loads their bodies).
    drafts = [
        workflow.create_article(by=editor, publication=publication, section=sections[1], title=vector[:200],
                                body=f"<p>草稿正文。</p>{vector}", event_date=articles[0].event_date)
        for vector in VECTORS[:40]
    ]

    # A Word file with every vector as a paragraph, into one article and as a new one.
    first = articles[0]
    first.refresh_from_db()
    _ok(as_editor.post(reverse("desk:article_import", args=[first.pk]),
                       {"docx": _docx(VECTORS), "version": first.version}), "article .docx import")
    first.refresh_from_db()
    if first.status != Article.Status.APPROVED:  # a changed approved article goes back to review
        if first.status != Article.Status.SUBMITTED:
            workflow.submit(first, by=editor, version=first.version)
            first.refresh_from_db()
        workflow.approve(first, by=approver, version=first.version)

    issue = publishing.create_issue(publication, year=2020, month=10, by=editor)
    for article in Article.objects.filter(pk__in=[a.pk for a in articles], status=Article.Status.APPROVED):
        publishing.add_article(issue, article, by=editor)
    publishing.set_focus(issue, articles[1].pk, by=editor)
    publishing.submit_for_sign_off(issue, by=editor)
    _ok(as_head.post(reverse("desk:issue_signoff", args=[issue.pk]), {"action": "return", "comment": JOINED}),
        "issue return")
    publishing.submit_for_sign_off(issue, by=editor)
    issue.refresh_from_db()
    publishing.sign_off(issue, by=head, comment=JOINED)
    publishing.publish_issue(issue, by=head)
    issue.refresh_from_db()
    for text in chunks(2000):  # 勘误 holds at most 2000 characters
        _ok(as_editor.post(reverse("desk:erratum_propose", args=[issue.pk]), {"text": text}), "erratum")
        erratum = issue.errata.order_by("-pk").first()
        assert erratum.text == text.strip()
        _ok(as_head.post(reverse("desk:erratum_approve", args=[issue.pk, erratum.pk])), "erratum approve")

    # A second issue, published and then withdrawn with the corpus as its reason.
    extra = workflow.create_article(by=editor, publication=publication, section=sections[1], title="撤回的稿件",
                                    body="<p>正文。</p>", event_date=first.event_date)
    workflow.submit(extra, by=editor, version=extra.version)
    extra.refresh_from_db()
    workflow.approve(extra, by=approver, version=extra.version)
    withdrawn = publishing.create_issue(publication, year=2020, month=11, by=editor)
    publishing.add_article(withdrawn, extra, by=editor)
    publishing.set_focus(withdrawn, extra.pk, by=editor)
    publishing.submit_for_sign_off(withdrawn, by=editor)
    publishing.sign_off(withdrawn, by=head)
    publishing.publish_issue(withdrawn, by=head)
    _ok(as_head.post(reverse("desk:issue_withdraw", args=[withdrawn.pk]), {"reason": JOINED, "confirm": "yes"}),
        "withdraw")
    withdrawn.refresh_from_db()
    assert withdrawn.status == Issue.Status.WITHDRAWN
    return XssWorld(publication=publication, issue=issue, withdrawn=withdrawn, imported=imported,
                    articles=articles, drafts=drafts + [commented], import_preview=preview.content.decode())
