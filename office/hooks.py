"""office listens to the audit rows bulletin and editorial write for every state change
(connected in OfficeConfig.ready): each new ArticleTransition or IssueEvent may notify someone.
Writing the messages never makes the action fail (notifications.safely)."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from bulletin.models import IssueEvent
from editorial.models import ArticleTransition

from . import notifications


@receiver(post_save, sender=ArticleTransition, dispatch_uid="office.notify_article")
def notify_article(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        notifications.safely(lambda: notifications.article_changed(instance))


@receiver(post_save, sender=IssueEvent, dispatch_uid="office.notify_issue")
def notify_issue(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        notifications.safely(lambda: notifications.issue_changed(instance))
