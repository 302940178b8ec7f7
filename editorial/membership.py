"""Who works in which publication (刊物成员), and the editor's last choice among them.

A desk user works in the publications they are a member of (PublicationMembership, set in the
admin under 刊物 → 刊物成员). Two cases need no row: a superuser works in every publication, and
an office with a single publication lets a user without any membership work in it, so a small
office never has to set memberships up. A user with rows works only in those.

editorial never imports bulletin: the Publication model is reached through the membership's
foreign key.
"""

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from .models import PublicationMembership


def _publication_model():
    return PublicationMembership._meta.get_field("publication").related_model


def _works_in(is_superuser: bool, memberships: set, every: frozenset) -> frozenset:
    """The rule above, applied to what was read: a user's membership rows and every publication."""
    if is_superuser:
        return every
    if memberships:
        return every & memberships
    return every if len(every) == 1 else frozenset()


def _member_ids(user) -> frozenset:
    """The ids of the publications `user` works in, read afresh in one query (every publication,
    each with whether the user is a member; an office has a few)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    rows = list(_publication_model().objects.annotate(
        member=Exists(PublicationMembership.objects.filter(user=user, publication=OuterRef("pk")))
    ).values_list("pk", "member"))
    return _works_in(user.is_superuser, {pk for pk, member in rows if member}, frozenset(pk for pk, _m in rows))


def members_among(user_ids, publication) -> set[int]:
    """Of the active users `user_ids`, those who work in `publication`: the same rule for many
    users at once (the office's notifications and reminders), in three queries whatever their
    number."""
    user_model = PublicationMembership._meta.get_field("user").related_model
    users = dict(user_model.objects.filter(pk__in=set(user_ids), is_active=True).values_list("pk", "is_superuser"))
    rows: dict[int, set] = {}
    for user_id, publication_id in PublicationMembership.objects.filter(user_id__in=users).values_list(
        "user_id", "publication_id"
    ):
        rows.setdefault(user_id, set()).add(publication_id)
    every = frozenset(_publication_model().objects.values_list("pk", flat=True))
    wanted = getattr(publication, "pk", publication)
    return {pk for pk, superuser in users.items() if wanted in _works_in(superuser, rows.get(pk, set()), every)}


def publications_of(user):
    """The publications `user` works in, as a queryset ordered by name."""
    return _publication_model().objects.filter(pk__in=_member_ids(user))


def publication_ids(user) -> frozenset:
    """The same ids, read once per user object: the desk's lists and its navigation badges ask
    on every page. Services that refuse or allow work use `publications_of`/`is_member`, which
    always read afresh."""
    cached = getattr(user, "_publication_ids", None)
    if cached is None:
        cached = user._publication_ids = _member_ids(user)
    return cached


def is_member(user, publication) -> bool:
    return publication.pk in _member_ids(user)


def not_member_message(publication) -> str:
    return f"您不是《{publication.name}》的成员，不能在该刊物中编写或修改稿件。如需加入，请联系管理员。"


def last_choice(user, publications=None):
    """The publication the user chose last (of `publications`, default: theirs), else the first."""
    publications = list(publications if publications is not None else publications_of(user))
    if not publications:
        return None
    latest = (
        PublicationMembership.objects.filter(
            user=user, publication__in=[p.pk for p in publications], last_chosen_at__isnull=False
        )
        .order_by("-last_chosen_at", "-pk")
        .values_list("publication_id", flat=True)
        .first()
    )
    return next((p for p in publications if p.pk == latest), publications[0])


def remember_choice(user, publication) -> None:
    """Note that `user` just chose `publication` (only where a membership row exists)."""
    with transaction.atomic():
        PublicationMembership.objects.filter(user=user, publication=publication).update(
            last_chosen_at=timezone.now()
        )
