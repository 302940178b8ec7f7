"""Safety nets around the issue lifecycle (the rules themselves live in bulletin.publishing).

- Any save of an article, a placement or an issue re-checks a signed-off issue's fingerprint:
  a change made outside the services (admin, shell, the article workflow) voids the sign-off.
- A published or withdrawn issue's placements and content fields cannot be changed at all.
- An edit of an article placed in an issue that has been submitted goes into 本期记录.
- A publication's font file replaced or deleted leaves no file behind (once the change commits).
- Adding a second publication keeps the desk working as it did: each desk user who belonged to
  the first one without a membership row (editorial.membership's one-publication rule) gets
  that membership written down, so the new publication is offered only to its own members.
- Any change of what readers see without signing in (an issue published, withdrawn or replaced,
  an erratum, a publication's settings or sections) moves the public pages' generation
  (bulletin.public_pages): cached pages and files written for nginx are renewed at once.
"""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver

from common.roles import DESK_ROLES
from editorial.models import Article, PublicationMembership

from . import public_pages
from .models import Erratum, Issue, IssueArticle, IssueEvent, Publication, PublicationFont, Section
from .models.issues import FROZEN_STATUSES
from .publishing import IssueError, check_sign_off
from .publishing.base import has_been_submitted, record_event

# Fields whose change would alter what a published issue is (status changes are the services').
FROZEN_FIELDS = ["publication_id", "year", "month", "frequency", "title", "focus_article_id", "section_order",
                 "year_number", "serial_number"]


def _frozen(issue_id) -> bool:
    return Issue.objects.filter(
        pk=issue_id, status__in=FROZEN_STATUSES
    ).exists()


@receiver(pre_save, sender=IssueArticle)
@receiver(pre_delete, sender=IssueArticle)
def refuse_changes_to_published_placements(sender, instance, **kwargs):
    if instance.issue_id and _frozen(instance.issue_id):
        raise IssueError("本期已发布，内容不能再修改；如需更正，请提交勘误。")


@receiver(pre_save, sender=Issue)
def refuse_changes_to_published_issue(sender, instance, **kwargs):
    if not instance.pk:
        return
    old = Issue.objects.filter(pk=instance.pk).values("status", *FROZEN_FIELDS).first()
    if old is None or old["status"] not in FROZEN_STATUSES:
        return
    if any(old[field] != getattr(instance, field) for field in FROZEN_FIELDS):
        raise IssueError("本期已发布，内容不能再修改；如需更正，请提交勘误。")


@receiver(post_save, sender=IssueArticle)
@receiver(post_delete, sender=IssueArticle)
def recheck_after_placement_change(sender, instance, **kwargs):
    check_sign_off(instance.issue_id, reason="签发后本期稿件编排有变动")


@receiver(post_save, sender=Issue)
def recheck_after_issue_change(sender, instance, created, **kwargs):
    if not created and instance.status == Issue.Status.SIGNED_OFF:
        check_sign_off(instance.pk, reason="签发后本期设置有变动")


# An article save that touches only these is a workflow step, not an edit of its content.
WORKFLOW_ONLY_FIELDS = {"status", "review_level", "updated_at"}


@receiver(post_save, sender=Article, dispatch_uid="bulletin.recheck_after_article_change")
def recheck_after_article_change(sender, instance, created, update_fields=None, **kwargs):
    if created:
        return
    issue_ids = Issue.objects.filter(
        placements__article=instance, status=Issue.Status.SIGNED_OFF
    ).values_list("pk", flat=True)
    for issue_id in list(issue_ids):
        # The history names who edited the article (the workflow sets last_edited_by on save).
        check_sign_off(issue_id, by=instance.last_edited_by, reason=f"签发后稿件《{instance.title}》被修改")
    if update_fields is not None and set(update_fields) <= WORKFLOW_ONLY_FIELDS:
        return
    # An issue on its way to the head (submitted, or back with the editors after a submission)
    # records the edit in 本期记录: the head will see it named on the sign-off page.
    for issue in Issue.objects.filter(
        placements__article=instance, status__in=[Issue.Status.DRAFT, Issue.Status.SUBMITTED]
    ):
        if has_been_submitted(issue):
            record_event(
                issue, IssueEvent.Action.CHANGED, instance.last_edited_by,
                f"修改了稿件《{instance.title}》（第{instance.version}版）",
            )


def _delete_font_file_after_commit(name: str) -> None:
    if name:
        transaction.on_commit(lambda: PublicationFont.file.field.storage.delete(name))


@receiver(pre_save, sender=PublicationFont, dispatch_uid="bulletin.font_file_replaced")
def font_file_replaced(sender, instance, **kwargs):
    if instance.pk:
        old = PublicationFont.objects.filter(pk=instance.pk).values_list("file", flat=True).first()
        if old and old != instance.file.name:
            _delete_font_file_after_commit(old)


@receiver(post_delete, sender=PublicationFont, dispatch_uid="bulletin.font_file_deleted")
def font_file_deleted(sender, instance, **kwargs):
    _delete_font_file_after_commit(instance.file.name)


@receiver(post_save, sender=Publication, dispatch_uid="bulletin.keep_memberships_of_lone_publication")
def keep_memberships_of_lone_publication(sender, instance, created, raw=False, **kwargs):
    if not created or raw:
        return
    others = list(Publication.objects.exclude(pk=instance.pk))
    if len(others) != 1:
        return
    users = (
        get_user_model().objects.filter(groups__name__in=DESK_ROLES, publication_memberships__isnull=True)
        .distinct()
    )
    PublicationMembership.objects.bulk_create(
        [PublicationMembership(user=user, publication=others[0]) for user in users], ignore_conflicts=True
    )
# ---------------------------------------------------------------------------------------------
# The public pages (bulletin.public_pages): whatever changes what a reader sees renews them.

# Publishing saves the publication's counter only: no page shows it.
PUBLICATION_COUNTER_FIELDS = {"last_serial_number"}


@receiver(post_save, sender=Issue, dispatch_uid="bulletin.public_pages.issue_saved")
@receiver(post_delete, sender=Issue, dispatch_uid="bulletin.public_pages.issue_deleted")
def renew_issue_pages(sender, instance, **kwargs):
    # Drafts and issues on their way to sign-off are on no public page; a published, withdrawn
    # or replaced one is (or was, until this save).
    if instance.status in FROZEN_STATUSES:
        public_pages.changed(issue=instance)


@receiver(post_save, sender=Erratum, dispatch_uid="bulletin.public_pages.erratum_saved")
@receiver(post_delete, sender=Erratum, dispatch_uid="bulletin.public_pages.erratum_deleted")
def renew_pages_after_erratum(sender, instance, **kwargs):
    public_pages.changed(issue=instance.issue)


@receiver(post_save, sender=Publication, dispatch_uid="bulletin.public_pages.publication_saved")
def renew_pages_after_publication_change(sender, instance, created, update_fields=None, **kwargs):
    if created:
        public_pages.changed(publication=instance)
    elif update_fields is None or not set(update_fields) <= PUBLICATION_COUNTER_FIELDS:
        # The masthead and 版记 of issues not frozen, the name on every page: all of them.
        public_pages.changed(everything=True)


@receiver(post_save, sender=Section, dispatch_uid="bulletin.public_pages.section_saved")
@receiver(post_delete, sender=Section, dispatch_uid="bulletin.public_pages.section_deleted")
def renew_pages_after_section_change(sender, instance, **kwargs):
    public_pages.changed(everything=True)
