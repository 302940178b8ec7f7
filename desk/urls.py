"""Every /desk/ page: 待办, articles, review, issues, calendar, import, search, jobs (namespace "desk")."""

from django.urls import path

import common.converters  # noqa: F401  (registers <id:…>: at most 18 digits)

from .views import articles, calendar, importing, issues, jobs, notifications, search, todo

app_name = "desk"

urlpatterns = [
    path("", todo.dashboard, name="dashboard"),
    path("review/", articles.review_queue, name="review_queue"),
    path("search/", search.desk_search, name="search"),
    # The editorial calendar and each user's iCalendar feed (a secret address, no sign-in)
    path("calendar/", calendar.month, name="calendar"),
    path("calendar/address/", calendar.feed_address, name="calendar_address"),
    path("calendar/feed/<str:token>.ics", calendar.feed, name="calendar_feed"),
    # 消息: notifications, marking them read, which kinds come by e-mail
    path("notifications/", notifications.notification_list, name="notifications"),
    path("notifications/read/", notifications.notifications_read, name="notifications_read"),
    path("notifications/settings/", notifications.notification_settings, name="notification_settings"),
    path("notifications/<id:pk>/", notifications.notification_open, name="notification_open"),
    # Articles
    path("articles/", articles.article_list, name="article_list"),
    path("articles/new/", articles.article_new, name="article_new"),
    path("articles/new/autosave/", articles.article_autosave_new, name="article_autosave_new"),
    path("articles/import/", articles.article_import_new, name="article_import_new"),
    path("articles/<id:pk>/", articles.article_detail, name="article_detail"),
    path("articles/<id:pk>/edit/", articles.article_edit, name="article_edit"),
    path("articles/<id:pk>/autosave/", articles.article_autosave, name="article_autosave"),
    path("articles/<id:pk>/action/", articles.article_transition, name="article_transition"),
    path("articles/<id:pk>/comments/", articles.comment_add, name="comment_add"),
    path("articles/<id:pk>/compare/", articles.article_compare, name="article_compare"),
    path("articles/<id:pk>/revisions/<id:number>/restore/", articles.article_restore, name="article_restore"),
    path("articles/<id:pk>/import/", articles.article_import, name="article_import"),
    path("articles/<id:pk>/proofread/", articles.article_proofread, name="article_proofread"),
    path("images/upload/", articles.image_upload, name="image_upload"),
    # Issues
    path("issues/", issues.issue_list, name="issue_list"),
    path("issues/<id:pk>/", issues.issue_detail, name="issue_detail"),
    path("issues/<id:pk>/preview/", issues.issue_preview, name="issue_preview"),
    path("issues/<id:pk>/preview.pdf", issues.issue_pdf_preview, name="issue_pdf_preview"),
    path("issues/<id:pk>/assemble/", issues.issue_assemble, name="issue_assemble"),
    path("issues/<id:pk>/deadlines/", issues.issue_deadlines, name="issue_deadlines"),
    path("issues/<id:pk>/submit/", issues.issue_submit, name="issue_submit"),
    path("issues/<id:pk>/signoff/", issues.issue_signoff, name="issue_signoff"),
    path("issues/<id:pk>/publish/", issues.issue_publish, name="issue_publish"),
    path("issues/<id:pk>/schedule/", issues.issue_schedule, name="issue_schedule"),
    path("issues/<id:pk>/withdraw/", issues.issue_withdraw, name="issue_withdraw"),
    path("issues/<id:pk>/errata/", issues.erratum_propose, name="erratum_propose"),
    path("issues/<id:pk>/errata/<id:erratum_pk>/approve/", issues.erratum_approve, name="erratum_approve"),
    # 后台任务: long work on the task queue, its progress, 重试
    path("jobs/", jobs.job_list, name="job_list"),
    path("jobs/reindex/", jobs.reindex_start, name="job_reindex"),
    path("jobs/<id:pk>/", jobs.job_detail, name="job_detail"),
    path("jobs/<id:pk>/state.json", jobs.job_state, name="job_state"),
    path("jobs/<id:pk>/retry/", jobs.job_retry, name="job_retry"),
    # Back issues (往期导入)
    path("import/", importing.upload, name="import_upload"),
    path("import/confirm/", importing.confirm, name="import_confirm"),
    path("import/done/<id:pk>/", importing.done, name="import_done"),
    path("import/replacements/", importing.replacements, name="import_replacements"),
    path("import/replacements/<id:pk>/", importing.replacement, name="import_replacement"),
    path("import/replacements/<id:pk>/approve/", importing.replacement_approve, name="import_replacement_approve"),
    path("import/replacements/<id:pk>/refuse/", importing.replacement_refuse, name="import_replacement_refuse"),
]
