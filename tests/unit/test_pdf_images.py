"""Pictures in articles: the web page shows the web rendition, the PDF prints the print one."""

import io
import subprocess

import pytest
from PIL import Image as PILImage

from bulletin.models import Issue, IssueArticle, Visibility
from bulletin.pdf.store import ensure_issue_pdf, pdf_storage
from bulletin.publishing import publish_back_issue
from editorial.models import Article
from editorial.uploads import store_image


def _photo(width, height):
    buffer = io.BytesIO()
    PILImage.new("RGB", (width, height), (40, 120, 200)).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


@pytest.mark.django_db
def test_pdf_embeds_the_print_rendition_of_an_article_image(client, publication, make_article, editor, tmp_path):
    image = store_image(_photo(3000, 2000), by=editor, name="photo.jpg")
    article = make_article(
        title="带图片的稿件",
        status=Article.Status.APPROVED,
        body=f'<p>9月17日，图片如下。</p><p><img src="{image.web.url}" alt="现场"></p>',
    )
    issue = Issue.objects.create(publication=publication, year=2020, month=10,
                                 visibility=Visibility.PUBLIC, focus_article=article)
    IssueArticle.objects.create(issue=issue, article=article, section=article.section)
    publish_back_issue(issue, year_number=10, serial_number=96)

    page = client.get("/test-dsyb/96/").content.decode()
    assert image.web.url in page

    pdf = pdf_storage().path(ensure_issue_pdf(issue))
    listing = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True).stdout
    widths = [int(line.split()[3]) for line in listing.splitlines()[2:] if line.split()[2] == "image"]
    assert widths == [2400], listing  # the print rendition (web is 1200 px wide)
