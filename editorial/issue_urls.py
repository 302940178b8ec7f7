"""Desk URLs for issues; included under /desk/issues/ in the "editorial" namespace."""

from django.urls import path

from . import issue_views

urlpatterns = [
    path("", issue_views.issue_list, name="issue_list"),
    path("<int:pk>/", issue_views.issue_detail, name="issue_detail"),
    path("<int:pk>/assemble/", issue_views.issue_assemble, name="issue_assemble"),
    path("<int:pk>/submit/", issue_views.issue_submit, name="issue_submit"),
    path("<int:pk>/signoff/", issue_views.issue_signoff, name="issue_signoff"),
    path("<int:pk>/publish/", issue_views.issue_publish, name="issue_publish"),
    path("<int:pk>/withdraw/", issue_views.issue_withdraw, name="issue_withdraw"),
    path("<int:pk>/errata/", issue_views.erratum_propose, name="erratum_propose"),
    path("<int:pk>/errata/<int:erratum_pk>/approve/", issue_views.erratum_approve, name="erratum_approve"),
    path("<int:pk>/preview.pdf", issue_views.issue_pdf_preview, name="issue_pdf_preview"),
]
