"""Who can be reached on LINE: LINE Login links a person to their LINE user, follow and
unfollow events (the webhook) say whether they are a friend of the account. Losing LINE (an
unfollow, an unlink) moves that person's queued LINE messages to email, in the same
transaction: nothing queued for LINE is lost."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from incubator.enums import Channel, EmailState
from incubator.line import LINE_COPY_SUFFIX
from incubator.mail import dispatch_on_commit
from incubator.models import LineContact, OutboundEmail, User


def line_contact_link(*, user: User, line_user_id: str, is_friend: bool | None = None) -> LineContact:
    """`user` signed in with (or linked) the LINE account `line_user_id`. `is_friend` is what
    LINE Login said about the friendship (None: unknown, keep what follow events said)."""
    with transaction.atomic():
        LineContact.objects.filter(user=user).exclude(line_user_id=line_user_id).update(user=None)
        contact, _created = LineContact.objects.select_for_update().get_or_create(line_user_id=line_user_id)
        contact.user = user
        fields = ["user", "updated_at"]
        if is_friend is not None:
            contact.is_friend = is_friend
            fields.append("is_friend")
        contact.save(update_fields=fields)
        if not contact.is_friend:
            line_messages_to_email(user=user)
    return contact


def line_contact_unlink(*, user: User) -> None:
    """`user` removed LINE from their account: nothing more goes to LINE for them."""
    with transaction.atomic():
        LineContact.objects.filter(user=user).update(user=None)
        line_messages_to_email(user=user)


def line_follow(*, line_user_id: str) -> LineContact:
    contact, _created = LineContact.objects.update_or_create(line_user_id=line_user_id, defaults={"is_friend": True})
    return contact


def line_unfollow(*, line_user_id: str) -> int:
    """The person blocked the account: no longer reachable; their queued LINE messages go by
    email instead. Returns how many messages moved to email."""
    with transaction.atomic():
        contact, _created = LineContact.objects.update_or_create(
            line_user_id=line_user_id, defaults={"is_friend": False}
        )
        if contact.user_id is None:
            return 0
        return line_messages_to_email(user=contact.user)


def line_messages_to_email(*, user: User) -> int:
    """The queued LINE messages of `user` go by email instead (never lost). A LINE copy of a
    message that also went by email ("both") is closed instead: the email is already there."""
    queued = OutboundEmail.objects.filter(recipient_user=user, channel=Channel.LINE, state=EmailState.QUEUED)
    note = _("Not reachable on LINE any more; the email copy was sent.")
    queued.filter(key__endswith=LINE_COPY_SUFFIX).update(state=EmailState.FAILED, last_error=note)
    ids = list(queued.values_list("pk", flat=True))
    moved = OutboundEmail.objects.filter(pk__in=ids, state=EmailState.QUEUED).update(
        channel=Channel.EMAIL, attempts=0, next_attempt_at=timezone.now(), answer="unfollowed"
    )
    dispatch_on_commit(ids)
    return moved
