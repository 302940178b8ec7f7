"""The stored PDF of real (demo) issues, checked with poppler as a reader would see it."""

from __future__ import annotations

import datetime
import re
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils.html import strip_tags

from bulletin.models import Erratum, Issue
from bulletin.rendering import flat_entries, issue_layout

pytestmark = pytest.mark.django_db


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def page_texts(pdf: Path) -> list[str]:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    return [
        squash(
            subprocess.run(
                ["pdftotext", "-layout", "-f", str(n), "-l", str(n), str(pdf), "-"],
                capture_output=True, text=True, check=True,
            ).stdout
        )
        for n in range(1, pages + 1)
    ]


def check_issue_pdf(pdf: Path, issue: Issue) -> list[str]:
    """The checks the issue asks for; returns the page texts for further assertions."""
    pages = page_texts(pdf)
    entries = flat_entries(issue_layout(issue))
    # The table of contents starts on the cover, under the masthead.
    toc_pages = [i for i, text in enumerate(pages) if re.search(r"\.{4,}\d+", text)]
    assert toc_pages, "no table of contents"
    toc = "".join(pages[i] for i in toc_pages)
    body_start = max(toc_pages) + 1
    for entry in entries:
        title = squash(entry["title"])
        match = re.search(re.escape(title) + r"\.{3,}(\d+)", toc)
        assert match, f"TOC does not list {entry['title']}"
        listed = int(match.group(1))
        actual = next(n + 1 for n in range(body_start, len(pages)) if title in pages[n])
        assert listed == actual, f"{entry['title']}: TOC says page {listed}, title is on page {actual}"
        assert f"—{actual}—" in pages[actual - 1], "footer number differs from the TOC"
        # No stranded heading: the article's first words are on the title's page.
        assert squash(strip_tags(entry["body"]))[:6] in pages[actual - 1]

    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    rows = fonts.splitlines()[2:]
    assert any("Noto-Serif-CJK" in r for r in rows) and any("Noto-Sans-CJK" in r for r in rows), fonts
    for row in rows:
        emb, _sub, uni = row.split()[-5:-2]
        assert emb == "yes" and uni == "yes", f"font not embedded: {row}"

    assert "发放范围" in pages[-1] and "编辑出版" in pages[-1], "colophon is not on the last page"
    assert not any("发放范围" in text for text in pages[:-1])
    return pages


@pytest.fixture
def demo(settings):
    from bulletin.demo import load_demo

    # With "today" in November 2020 the demo's last back issue is 2020年10月, 总第97期, like the sample.
    return load_demo(today=datetime.date(2020, 11, 5))


def test_demo_issue_97_exports_a_print_faithful_pdf(demo, tmp_path, settings):
    issue = Issue.objects.get(publication__slug="zyq-dsyb", serial_number=97)
    out = tmp_path / "97.pdf"
    call_command("export_issue_pdf", "97", "--publication", "zyq-dsyb", "-o", str(out))

    pages = check_issue_pdf(out, issue)
    cover = pages[0]
    for text in ("中原区大事月报", "2020年10月", "总第97期", "中原区地方史志办公室", "本期焦点"):
        assert text in cover
    assert len(pages) % 2 == 0, "the colophon sits on a back (even) page"
    # 总第97期 is a public issue: no 内部资料 notice printed on it.
    assert "内部资料" not in "".join(pages)
    # The file was stored privately, never under MEDIA_ROOT.
    stored = list((Path(settings.PRIVATE_ROOT) / "pdf").glob("*.pdf"))
    assert len(stored) == 1 and stored[0].read_bytes() == out.read_bytes()
    assert not Path(settings.MEDIA_ROOT).exists() or not list(Path(settings.MEDIA_ROOT).rglob("*.pdf"))


def test_internal_demo_issue_prints_the_confidentiality_notice(demo, tmp_path):
    issue = Issue.objects.get(publication__slug="zyq-dsyb", serial_number=96)
    assert issue.is_internal
    out = tmp_path / "96.pdf"
    call_command("export_issue_pdf", "96", "-o", str(out))
    pages = check_issue_pdf(out, issue)
    assert "内部资料" in pages[-1]


def test_export_refuses_unknown_or_unpublished_issues(demo):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="没有已发布的总第123期"):
        call_command("export_issue_pdf", "123", "--publication", "zyq-dsyb")
    with pytest.raises(CommandError, match="没有网址标识"):
        call_command("export_issue_pdf", "97", "--publication", "nope")


def test_erratum_replaces_the_stored_pdf(demo, tmp_path, django_capture_on_commit_callbacks, settings):
    from bulletin.pdf import store as pdf_store

    settings.BULLETIN_PDF_ON_PUBLISH = "sync"
    issue = Issue.objects.get(publication__slug="zyq-dsyb", serial_number=97)
    first = Path(pdf_store.pdf_storage().path(pdf_store.ensure_issue_pdf(issue)))
    assert "勘误" not in "".join(page_texts(first))

    with django_capture_on_commit_callbacks(execute=True):
        Erratum.objects.create(
            issue=issue, text="第3页“二十家”应为“二十一家”，特此更正。",
            created_by=demo.users["head"], published_at=datetime.datetime(2020, 10, 20, tzinfo=datetime.UTC),
        )
        pdf_store.invalidate_issue_pdf(issue)

    second = pdf_store.pdf_path(issue)
    assert second != first and second.is_file(), "re-rendered after commit"
    assert not first.exists(), "the stale PDF is removed"
    assert "特此更正" in page_texts(second)[0]


def test_thirty_article_issue_toc_matches_pages(publication, make_article, head, tmp_path, settings):
    from bulletin.models import IssueArticle
    from bulletin.pdf import store as pdf_store
    from bulletin.publishing import publish_issue
    from editorial.models import Article

    paragraph = "会议听取了有关单位近期工作情况汇报，并对下一阶段重点任务进行了安排部署，要求压实责任、确保实效。"
    issue = Issue.objects.create(publication=publication, year=2020, month=10)
    sections = ["本期焦点", "时政要点", "创文看点", "经济热点", "文化亮点", "民生视点"]
    for n in range(30):
        section = sections[0] if n == 0 else sections[1 + n % 5]
        title = f"第{n + 1}篇 示例区召开工作推进会议" + ("暨基层治理现代化专题研讨会议" if n % 7 == 3 else "")
        body = "".join(f"<p>{n + 1}号稿第{p + 1}段。{paragraph * 2}</p>" for p in range(1 + n % 6))
        article = make_article(title=title, section=section, status=Article.Status.APPROVED, body=body)
        IssueArticle.objects.create(issue=issue, article=article, section=article.section, position=n)
    issue.focus_article = issue.placements.first().article
    issue.save()
    publish_issue(issue, by=head, require_sign_off=False)

    path = pdf_store.pdf_storage().path(pdf_store.ensure_issue_pdf(issue))
    pages = check_issue_pdf(path, issue)
    assert len(pages) >= 12
