"""Publishing re-indexes every article of the issue; text already cut into words at approval is
not cut again (issue #15), and the published articles are found all the same."""

from django.urls import reverse

from bulletin import publishing
from bulletin.models import SearchTerm
from bulletin.search import text


def test_publishing_indexed_articles_does_not_segment_again(
    client, signed_off_issue, head, publication, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # indexed as drafts, as on the desk
        issue = signed_off_issue(count=3)
    before = text.segment_calls
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        publishing.publish_issue(issue, by=head)
    assert callbacks, "publishing schedules the re-index"
    assert text.segment_calls == before  # the same text: the index rows' words are reused

    response = client.get(reverse("reader:search"), {"q": "稿件"})
    assert sorted(r["row"].title for r in response.context["results"]) == [f"2020年10月 稿件{n}" for n in (1, 2, 3)]
    assert issue.placements.first().article.search_index.issue_id == issue.pk


def test_changed_text_or_dictionary_is_segmented_again(make_article, publication, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        article = make_article(title="区长出席会议", body="<p>区长杜建强出席。</p>")
    before = text.segment_calls
    with django_capture_on_commit_callbacks(execute=True):
        article.body = "<p>区长杜建强出席并讲话。</p>"
        article.save()
    assert text.segment_calls > before
    assert "讲话" in article.search_index.__class__.objects.get(article=article).segmented.split()

    before = text.segment_calls
    with django_capture_on_commit_callbacks(execute=True):
        SearchTerm.objects.create(publication=publication, word="杜建强")
    assert text.segment_calls > before
    assert "杜建强" in article.search_index.__class__.objects.get(article=article).segmented.split()
