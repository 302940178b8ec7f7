"""Search index rows and the publication's own dictionary for segmenting Chinese.

Imported by bulletin.models so Django sees these models as part of the bulletin app.
"""

from django.db import models


class SearchTerm(models.Model):
    """A word jieba must keep whole (a person's or place's name, a policy term like 河长制)."""

    publication = models.ForeignKey(
        "bulletin.Publication", on_delete=models.CASCADE, related_name="search_terms", verbose_name="刊物"
    )
    word = models.CharField("词语", max_length=50, help_text="人名、地名、专有名词，如“河长制”。")
    freq = models.PositiveIntegerField(
        "词频", null=True, blank=True, help_text="一般留空：系统会自动设定，保证搜索时这个词不被拆开。"
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "检索词典词语"
        verbose_name_plural = "检索词典"
        ordering = ["publication", "word"]
        constraints = [
            models.UniqueConstraint(fields=["publication", "word"], name="unique_search_term_per_publication"),
        ]

    def __str__(self):
        return self.word


class ArticleIndex(models.Model):
    """What search sees of one article.

    For an article placed in a published (or once published) issue the row holds the pinned
    revision readers see and points at that issue; otherwise it holds the live draft and
    `issue` is empty. Reader visibility is decided by joining the issue (status, visibility),
    so withdrawing an issue or changing its visibility needs no reindexing.

    `segmented` is title + body cut into words by jieba, separated by spaces. On PostgreSQL a
    generated `search_vector` tsvector column with a GIN index is built from it; on SQLite an
    FTS5 table mirrors it (both created by migration 0004, not declared here).
    """

    article = models.OneToOneField(
        "editorial.Article", on_delete=models.CASCADE, related_name="search_index", verbose_name="稿件"
    )
    publication = models.ForeignKey(
        "bulletin.Publication", on_delete=models.CASCADE, related_name="+", verbose_name="刊物"
    )
    section = models.ForeignKey(
        "bulletin.Section", on_delete=models.CASCADE, related_name="+", verbose_name="栏目"
    )
    issue = models.ForeignKey(
        "bulletin.Issue", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="期刊",
    )
    title = models.CharField("标题", max_length=200)
    text = models.TextField("正文纯文本", blank=True)
    segmented = models.TextField("分词文本", blank=True)
    event_date = models.DateField("事件日期", null=True, blank=True)
    year = models.PositiveSmallIntegerField("年份", null=True, blank=True)
    indexed_at = models.DateTimeField("索引时间", auto_now=True)
    # sha256 of the dictionary's stamp, title and text that `segmented` was cut from: indexing
    # skips jieba when they have not changed (publishing re-indexes every article of the issue).
    content_hash = models.CharField("内容摘要", max_length=64, blank=True, default="", editable=False)

    class Meta:
        verbose_name = "检索索引"
        verbose_name_plural = "检索索引"
        indexes = [models.Index(fields=["publication", "year"])]

    def __str__(self):
        return self.title
