"""The proofreading aid on the database: an article's open findings (its title's, then its
body's), a fix in one click (in the title or the body), a dismissal.

The checker itself is pure (editorial.proofreading); what it must know about the publication and
the issue (internal or not, the issue's month, the standard wordings) comes as a `Context` that
the caller builds (bulletin.proofreading.context_for: editorial never imports bulletin).

A fix is an edit like any other: it goes through workflow.save_article with the version the
editor's page showed (someone else's save in between is a conflict, never overwritten) and
writes a revision whose note names the fix. A dismissal is recorded with who and when.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from common.roles import is_desk_user

from . import workflow
from .models import Article, ProofreadingDismissal
from .proofreading import (
    Context,
    Finding,
    FixError,
    find_article,
    replace_in_html,
    replace_in_title,
)


class ProofreadingError(workflow.WorkflowError):
    """A refused fix or dismissal; `message` is shown as is."""


def findings(article: Article, context: Context) -> list[Finding]:
    """Every finding in the article's current title, then its body."""
    return find_article(article.title, article.body, context=context)


def dismissed_keys(article_ids) -> dict[int, set[str]]:
    """article id → keys of its dismissed findings (one query)."""
    keys: dict[int, set[str]] = {}
    rows = ProofreadingDismissal.objects.filter(article_id__in=list(article_ids)).values_list("article_id", "key")
    for article_id, key in rows:
        keys.setdefault(article_id, set()).add(key)
    return keys


def open_findings(article: Article, context: Context, *, dismissed: set[str] | None = None) -> list[Finding]:
    """The findings nobody dismissed. `dismissed` (from dismissed_keys) saves the query."""
    if dismissed is None:
        dismissed = dismissed_keys([article.pk]).get(article.pk, set())
    return [f for f in findings(article, context) if f.key not in dismissed]


def _finding(article: Article, key: str, context: Context) -> Finding:
    for finding in findings(article, context):
        if finding.key == key:
            return finding
    raise ProofreadingError("这条校对提示已不存在（正文可能已经改过），请查看最新的校对结果。")


def apply_fix(article: Article, *, key: str, context: Context, by, version: int | None) -> Finding:
    """Apply the certain fix of the finding `key` to the article's body as a new revision.

    `version` is the version the editor saw: if the article was saved since, EditConflict.
    Returns the finding that was fixed; `article` is refreshed to the saved version.
    """
    if version is None:
        raise ProofreadingError("缺少版本号，无法确认您看到的是最新内容，请刷新页面。")
    with transaction.atomic():
        locked = Article.objects.select_for_update().get(pk=article.pk)
        workflow.check_can_edit(by, locked)
        if int(version) != locked.version:
            raise workflow.EditConflict(locked)
        finding = _finding(locked, key, context)
        if finding.fix is None:
            raise ProofreadingError("这条校对提示没有确定的改法，请在编辑器中修改。")
        try:
            if finding.in_title:
                change = {"title": replace_in_title(locked.title, finding, finding.fix)}
            else:
                change = {"body": replace_in_html(locked.body, finding, finding.fix)}
        except FixError as exc:
            raise ProofreadingError(str(exc)) from exc
        replacement = finding.fix or "（删去）"
        where = "（标题）" if finding.in_title else ""
        note = f"校对改正{where}：{finding.text.strip() or '空格'} → {replacement}"[:200]
        workflow.save_article(article, by=by, version=int(version), note=note, **change)
    return finding


def dismiss(article: Article, *, key: str, context: Context, by) -> ProofreadingDismissal:
    """Record that the finding `key` is right as written: it is no longer shown for this text."""
    if not is_desk_user(by):
        raise ProofreadingError("您没有校对稿件的权限。")
    with transaction.atomic():
        locked = Article.objects.select_for_update().get(pk=article.pk)
        if locked.status == Article.Status.PUBLISHED:
            raise ProofreadingError("该稿件已发布，不能再修改校对结果。")
        existing = ProofreadingDismissal.objects.filter(article=locked, key=key).first()
        if existing is not None:
            return existing
        finding = _finding(locked, key, context)
        try:
            with transaction.atomic():
                return ProofreadingDismissal.objects.create(
                    article=locked, key=key, kind=finding.kind, text=finding.text[:200],
                    message=finding.message[:300], dismissed_by=by,
                )
        except IntegrityError:  # the same click twice: one row
            return ProofreadingDismissal.objects.get(article=locked, key=key)
