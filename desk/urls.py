"""Every /desk/ page: articles, review, issues, import, search (namespace "desk")."""

from django.urls import path

from .views import articles, importing, issues, search

app_name = "desk"

urlpatterns = [
    path("", articles.dashboard, name="dashboard"),
    path("review/", articles.review_queue, name="review_queue"),
    path("search/", search.desk_search, name="search"),
    # Articles
    path("articles/new/", articles.article_new, name="article_new"),
    path("articles/import/", articles.article_import_new, name="article_import_new"),
    path("articles/<int:pk>/", articles.article_detail, name="article_detail"),
    path("articles/<int:pk>/edit/", articles.article_edit, name="article_edit"),
    path("articles/<int:pk>/autosave/", articles.article_autosave, name="article_autosave"),
    path("articles/<int:pk>/action/", articles.article_transition, name="article_transition"),
    path("articles/<int:pk>/comments/", articles.comment_add, name="comment_add"),
    path("articles/<int:pk>/compare/", articles.article_compare, name="article_compare"),
    path("articles/<int:pk>/revisions/<int:number>/restore/", articles.article_restore, name="article_restore"),
    path("articles/<int:pk>/import/", articles.article_import, name="article_import"),
    path("images/upload/", articles.image_upload, name="image_upload"),
    # Issues
    path("issues/", issues.issue_list, name="issue_list"),
    path("issues/<int:pk>/", issues.issue_detail, name="issue_detail"),
    path("issues/<int:pk>/preview/", issues.issue_preview, name="issue_preview"),
    path("issues/<int:pk>/preview.pdf", issues.issue_pdf_preview, name="issue_pdf_preview"),
    path("issues/<int:pk>/assemble/", issues.issue_assemble, name="issue_assemble"),
    path("issues/<int:pk>/deadlines/", issues.issue_deadlines, name="issue_deadlines"),
    path("issues/<int:pk>/submit/", issues.issue_submit, name="issue_submit"),
    path("issues/<int:pk>/signoff/", issues.issue_signoff, name="issue_signoff"),
    path("issues/<int:pk>/publish/", issues.issue_publish, name="issue_publish"),
    path("issues/<int:pk>/withdraw/", issues.issue_withdraw, name="issue_withdraw"),
    path("issues/<int:pk>/errata/", issues.erratum_propose, name="erratum_propose"),
    path("issues/<int:pk>/errata/<int:erratum_pk>/approve/", issues.erratum_approve, name="erratum_approve"),
    # Back issues (往期导入)
    path("import/", importing.upload, name="import_upload"),
    path("import/confirm/", importing.confirm, name="import_confirm"),
    path("import/done/<int:pk>/", importing.done, name="import_done"),
]
