"""Keeping ArticleIndex in step with the articles readers and the desk can find."""

from __future__ import annotations

import hashlib

from django.utils import timezone

from common.cjk import FOLD_WIDTH
from editorial.models import Article
from editorial.sanitize import html_to_text

from ..models import IssueArticle
from . import backend
from .models import ArticleIndex
from .text import dictionary_stamp, segment_document, segmenter

# Fields of ArticleIndex that indexing computes (compared to skip rows that did not change).
_INDEX_FIELDS = (
    "publication_id", "section_id", "issue_id", "title", "text", "segmented", "event_date", "year",
    "content_hash",
)
# Articles indexed per batch of queries (rebuild, or a very large import).
BATCH_SIZE = 500


def _published_placements(article_ids) -> dict:
    """Per article, the placement whose pinned revision readers see (the latest issue if
    several), in one query."""
    placements = (
        IssueArticle.objects.filter(article_id__in=article_ids, revision__isnull=False)
        .select_related("issue", "revision")
        .order_by("article_id", "-issue__year", "-issue__month", "-pk")
    )
    latest = {}
    for placement in placements:
        latest.setdefault(placement.article_id, placement)
    return latest


# Part of the content hash: bump it when html_to_text or the width folding changes what `text`
# is for the same body, so that every row is rebuilt once.
_TEXT_VERSION = "2"


def _content_hash(title: str, body: str) -> str:
    """A fingerprint of what the row's text and words are made from: the dictionary, the raw
    title and the raw HTML body. Hashing the source rather than the extracted text lets an
    unchanged article skip the HTML parsing too (publishing: 30 bodies parsed for nothing)."""
    parts = (dictionary_stamp(), _TEXT_VERSION, title, body)
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


def _index_values(article, placement, tokenizer, row=None) -> dict:
    if placement is not None:
        content, issue, section_id = placement.revision, placement.issue, placement.section_id
        year = issue.year
    else:
        content, issue, section_id = article, None, article.section_id
        year = article.event_date.year if article.event_date else None
    title = content.title.translate(FOLD_WIDTH)
    content_hash = _content_hash(content.title, content.body or "")
    if row is not None and row.content_hash == content_hash:
        # The same text and words from the same title, body and dictionary.
        text, segmented = row.text, row.segmented
    else:
        text = html_to_text(content.body or "").translate(FOLD_WIDTH)
        # The title is segmented twice so that a match in the title ranks above one in the body.
        title_words = segment_document(title, tokenizer)
        segmented = " ".join(part for part in (title_words, title_words, segment_document(text, tokenizer)) if part)
    return {
        "publication_id": article.publication_id,
        "section_id": section_id,
        "issue_id": issue.pk if issue is not None else None,
        "title": title,
        "text": text,
        "segmented": segmented,
        "event_date": content.event_date,
        "year": year,
        "content_hash": content_hash,
    }


def index_rows(article_ids, tokenizer=None) -> int:
    """(Re)build the index rows of these articles with a fixed number of queries.

    One query each for the articles, their published placements and their existing rows;
    then one bulk UPDATE for the rows whose values changed and one bulk INSERT for the new
    ones. Rows whose values are unchanged are not written (publishing an issue saves it and
    its placements, which asks for every article again). Ids of articles deleted meanwhile
    are skipped (their row went with them). The FTS5 triggers (SQLite) fire per row for bulk
    statements too, and PostgreSQL's tsvector is a generated column, so both stay in step.
    Returns the number of articles indexed.
    """
    article_ids = sorted(set(article_ids))
    if not article_ids:
        return 0
    tokenizer = tokenizer or segmenter()
    articles = list(Article.objects.filter(pk__in=article_ids))
    placements = _published_placements(article_ids)
    existing = {row.article_id: row for row in ArticleIndex.objects.filter(article_id__in=article_ids)}
    now = timezone.now()
    changed, created, changed_fields = [], [], set()
    for article in articles:
        row = existing.get(article.pk)
        values = _index_values(article, placements.get(article.pk), tokenizer, row)
        if row is None:
            created.append(ArticleIndex(article_id=article.pk, indexed_at=now, **values))
            continue
        differ = [name for name, value in values.items() if getattr(row, name) != value]
        if differ:
            for name in differ:
                setattr(row, name, values[name])
            row.indexed_at = now  # auto_now is not applied by bulk_update
            changed.append(row)
            changed_fields.update(differ)
    if changed:
        # Only the columns that changed somewhere (publishing: the issue and the year), not the
        # text again: a CASE per row and column was most of publishing's indexing time.
        fields = [name for name in _INDEX_FIELDS if name in changed_fields]
        same = {tuple(getattr(row, name) for name in fields) for row in changed}
        if len(same) == 1:
            # Every row takes the same values (publishing an issue: its id and year): one plain
            # UPDATE, without bulk_update's CASE per row, which costs more to build than to run.
            ArticleIndex.objects.filter(pk__in=[row.pk for row in changed]).update(
                indexed_at=now, **{name: getattr(changed[0], name) for name in fields}
            )
        else:
            ArticleIndex.objects.bulk_update(changed, [*fields, "indexed_at"])
    if created:
        ArticleIndex.objects.bulk_create(created)
    return len(articles)


def reindex_articles(articles) -> int:
    """Index these articles (instances or ids) now, in batches of BATCH_SIZE."""
    tokenizer = segmenter()
    count = 0
    batch = []
    for article in articles:
        batch.append(getattr(article, "pk", article))
        if len(batch) >= BATCH_SIZE:
            count += index_rows(batch, tokenizer)
            batch = []
    return count + index_rows(batch, tokenizer)


def rebuild_index() -> int:
    backend.ensure_structures()
    ArticleIndex.objects.all().delete()
    return reindex_articles(Article.objects.order_by("pk").values_list("pk", flat=True).iterator())


def rebuild_index_job(job, progress) -> dict:
    """The "search_reindex" background job (bulletin.jobs): rebuild_index() with progress, in
    batches of BATCH_SIZE articles. Each row is rewritten where its values (text, words,
    dictionary stamp) differ, not emptied first: search keeps answering while it runs, and a run
    interrupted and started again does the same work again (index_rows is idempotent)."""
    backend.ensure_structures()
    ids = list(Article.objects.order_by("pk").values_list("pk", flat=True))
    total = len(ids)
    progress(0, total, f"正在重建检索索引：共 {total} 篇稿件")
    tokenizer = segmenter()
    done = 0
    for start in range(0, total, BATCH_SIZE):
        batch = ids[start:start + BATCH_SIZE]
        index_rows(batch, tokenizer)
        done += len(batch)
        progress(done, total, f"已索引 {done} / {total} 篇稿件")
    return {"articles": total}
