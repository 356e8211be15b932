"""Deadline extensions and late-entry links: the only writer of `DeadlineExtension`.

- `extension_grant` gives one applicant (an account) a later deadline for one call;
  `late_entry_link_create` sends a signed link to an address for someone who has not started.
  Only the call's program staff (and superusers) may do either, or revoke (`extension_revoke`).
- `until` is after the call's deadline, in the future, and at most `EXTENSION_MAX_DAYS` after
  the call's deadline. A person has one active extension per call: a new grant replaces
  (revokes) the one before.
- The link carries the extension's id signed with `TimestampSigner` (salt `LATE_ENTRY_SALT`);
  it is refused when tampered with, unknown, revoked or past `until` (it expires with the
  extension). Opening it (`late_entry_link_open`) binds the extension to the account whose
  email address is the one the link was sent to (case does not matter); any other account
  is refused and nothing changes. Opening it again with the same account is harmless.
- Every step is a history row of the extension with the acting user and a reason: granted,
  link emailed, used, replaced, revoked. The emails go through the outbox under the keys
  `deadline-extended:<pk>` and `late-entry-link:<pk>`, once each.
- Who may submit when is decided in one place, `cohorts.selectors.deadlines`, which reads the
  active extension; nothing here changes any other person's deadline.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from allauth.account.models import EmailAddress
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cohorts.access import is_staff_of_program
from cohorts.models import EXTENSION_MAX_DAYS, Cohort, DeadlineExtension
from incubator.dates import format_date
from incubator.links import absolute_url
from incubator.mail import message_key, queue_mail
from incubator.models import User
from incubator.validators import history_reason

LATE_ENTRY_SALT = "cohorts.late-entry-link"
EXTENDED_TEMPLATE = "cohorts/deadline_extended"
LATE_ENTRY_TEMPLATE = "cohorts/late_entry_link"


class LateEntryRefused(ValidationError):
    """A late-entry link that cannot be used (code: invalid, expired, wrong_email, taken)."""


def _ensure_staff(cohort: Cohort, by: User) -> None:
    if not is_staff_of_program(user=by, program_id=cohort.program_id):
        raise PermissionDenied("Only the program's staff grant extensions.")


def _check_until(cohort: Cohort, until: datetime, now: datetime) -> None:
    deadline = cohort.applications_close_at
    latest = deadline + timedelta(days=EXTENSION_MAX_DAYS)
    if until <= deadline:
        raise ValidationError(
            {
                "until": _("The new deadline must be after the call's deadline, %(deadline)s (Bangkok time).")
                % {"deadline": format_date(deadline, with_time=True)}
            }
        )
    if until <= now:
        raise ValidationError({"until": _("The new deadline must be in the future.")})
    if until > latest:
        raise ValidationError(
            {
                "until": _("The new deadline can be at most %(days)d days after the call's deadline (%(latest)s).")
                % {"days": EXTENSION_MAX_DAYS, "latest": format_date(latest, with_time=True)}
            }
        )


def _save(extension: DeadlineExtension, *, by: User | None, reason: str, fields: list[str] | None = None) -> None:
    extension.full_clean(exclude=["cohort", "person", "granted_by", "revoked_by"], validate_constraints=False)
    extension._history_user = by
    extension._change_reason = history_reason(reason)
    if fields is None:
        extension.save()
    else:
        extension.save(update_fields=fields)


def _revoke(extension: DeadlineExtension, *, by: User | None, reason: str, at: datetime) -> None:
    extension.revoked_at = at
    extension.revoked_by = by
    _save(extension, by=by, reason=reason, fields=["revoked_at", "revoked_by"])


def _active_locked(*, cohort: Cohort, person: User) -> DeadlineExtension | None:
    return (
        DeadlineExtension.objects.select_for_update(of=("self",))
        .filter(cohort=cohort, person=person, revoked_at__isnull=True)
        .first()
    )


def extension_grant(*, cohort: Cohort, person: User, until: datetime, reason: str, by: User) -> DeadlineExtension:
    """Give `person` until `until` to start, change and submit their application to `cohort`;
    emails them their new deadline. Replaces the person's earlier extension for the call."""
    _ensure_staff(cohort, by)
    if person is None or not person.is_active:
        raise ValidationError({"email": _("Choose an applicant with an active account.")})
    now = timezone.now()
    _check_until(cohort, until, now)
    try:
        return _grant(cohort=cohort, person=person, until=until, reason=reason, by=by, now=now)
    except IntegrityError:
        # A second grant for the same person committed between our lock and our insert.
        raise ValidationError(
            _("Another extension for this person was saved at the same moment. Please reload the page and check."),
            code="concurrent",
        )


def _grant(*, cohort: Cohort, person: User, until: datetime, reason: str, by: User, now: datetime):
    with transaction.atomic():
        earlier = _active_locked(cohort=cohort, person=person)
        if earlier is not None:
            _revoke(earlier, by=by, reason="replaced by a new extension", at=now)
        extension = DeadlineExtension(
            cohort=cohort, person=person, email=person.email, until=until, reason=reason, granted_by=by, granted_at=now
        )
        _save(extension, by=by, reason=f"granted: {reason}")
        queue_mail(
            key=message_key("deadline-extended", extension.pk),
            to=person.email,
            template=EXTENDED_TEMPLATE,
            context=_mail_context(extension),
            user=person,
            related=extension,
        )
    return extension


def late_entry_token(extension: DeadlineExtension) -> str:
    return signing.TimestampSigner(salt=LATE_ENTRY_SALT).sign(str(extension.pk))


def late_entry_url(extension: DeadlineExtension) -> str:
    return absolute_url(reverse("cohorts:late_entry", kwargs={"token": late_entry_token(extension)}))


def _mail_context(extension: DeadlineExtension, *, link: str = "") -> dict:
    cohort = extension.cohort
    return {
        "cohort": cohort,
        "program": cohort.program,
        "until": extension.until,
        "call_url": absolute_url(cohort.get_absolute_url()),
        "link": link,
    }


def late_entry_link_create(*, cohort: Cohort, email: str, until: datetime, reason: str, by: User) -> DeadlineExtension:
    """A late-entry extension for whoever holds `email`, and the signed link to it emailed
    there (it expires at `until`)."""
    _ensure_staff(cohort, by)
    email = (email or "").strip()
    if not email:
        raise ValidationError({"email": _("Please give the email address to send the link to.")})
    now = timezone.now()
    _check_until(cohort, until, now)
    with transaction.atomic():
        extension = DeadlineExtension(
            cohort=cohort, email=email, is_late_entry=True, until=until, reason=reason, granted_by=by, granted_at=now
        )
        _save(extension, by=by, reason=f"granted (late-entry link): {reason}")
        holder = User.objects.filter(email__iexact=email, is_active=True).first()
        queue_mail(
            key=message_key("late-entry-link", extension.pk),
            to=email,
            template=LATE_ENTRY_TEMPLATE,
            context=_mail_context(extension, link=late_entry_url(extension)),
            user=holder,
            related=extension,
        )
        extension._history_user = by
        extension._change_reason = "link emailed"
        extension.save(update_fields=["email"])  # a history row: "link emailed", with who sent it
    return extension


def _refused(message, code: str, **params) -> LateEntryRefused:
    return LateEntryRefused(message, code=code, params=params or None)


def late_entry_extension_from_token(token: str) -> DeadlineExtension:
    """The extension a link names, if its signature holds; `LateEntryRefused` otherwise."""
    try:
        value = signing.TimestampSigner(salt=LATE_ENTRY_SALT).unsign(str(token or "")[:200])
    except signing.BadSignature:
        raise _refused(
            _("This late-entry link is not valid. Please use the link exactly as it was emailed."), "invalid"
        )
    extension = (
        DeadlineExtension.objects.select_related("cohort__program").filter(pk=int(value)).first()
        if value.isdigit()
        else None
    )
    if extension is None or extension.revoked_at is not None:
        raise _refused(_("This late-entry link was withdrawn by the program team."), "invalid")
    return extension


def _holds_address(user: User, email: str) -> bool:
    """Whether `email` is a verified address of the account (case does not matter): an
    address added but not confirmed does not count."""
    email = (email or "").strip()
    return bool(email) and EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists()


def late_entry_link_open(*, token: str, user: User, at: datetime | None = None) -> DeadlineExtension:
    """Bind the link's extension to `user` (whose email address must be the one the link was
    sent to) and return the extension now in force for them. Refused (nothing changes) when
    the link is tampered with, withdrawn, expired, or meant for another address or account."""
    at = at or timezone.now()
    extension = late_entry_extension_from_token(token)
    try:
        return _open(extension, user=user, at=at)
    except IntegrityError:
        # Staff granted this person an extension at the same moment: now it is there to see.
        return _open(extension, user=user, at=at)


def _open(extension: DeadlineExtension, *, user: User, at: datetime) -> DeadlineExtension:
    with transaction.atomic():
        extension = (
            DeadlineExtension.objects.select_for_update(of=("self",))
            .select_related("cohort__program")
            .get(pk=extension.pk)
        )
        if extension.revoked_at is not None:
            raise _refused(_("This late-entry link was withdrawn by the program team."), "invalid")
        if extension.person_id == user.pk:
            return extension  # opened again by its holder: nothing to do
        if at >= extension.until:
            raise _refused(
                _("This late-entry link expired on %(until)s (Bangkok time)."),
                "expired",
                until=format_date(extension.until, with_time=True),
            )
        if extension.person_id is not None:
            raise _refused(_("This late-entry link was already used by another account."), "taken")
        if not _holds_address(user, extension.email):
            raise _refused(
                _(
                    "This late-entry link was sent to another email address. Please log in with the "
                    "account of the address that received it."
                ),
                "wrong_email",
            )
        earlier = _active_locked(cohort=extension.cohort, person=user)
        if earlier is not None and earlier.until >= extension.until:
            # The person already has as much time: the link is spent, their extension stands.
            extension.used_at = at
            _save(extension, by=user, reason="used; replaced by the later extension", fields=["used_at"])
            _revoke(extension, by=user, reason="replaced by a later extension", at=at)
            return earlier
        if earlier is not None:
            _revoke(earlier, by=user, reason="replaced by a late-entry link", at=at)
        extension.person = user
        extension.used_at = at
        _save(extension, by=user, reason="used", fields=["person", "used_at"])
    return extension


def extension_revoke(*, extension: DeadlineExtension, by: User) -> DeadlineExtension:
    """Take the extension (or the late-entry link) back; revoking twice changes nothing."""
    _ensure_staff(extension.cohort, by)
    with transaction.atomic():
        extension = (
            DeadlineExtension.objects.select_for_update(of=("self",)).select_related("cohort").get(pk=extension.pk)
        )
        if extension.revoked_at is None:
            _revoke(extension, by=by, reason="revoked", at=timezone.now())
    return extension


def extension_mark_used(*, cohort: Cohort, person: User) -> None:
    """Record, once, that the person used their extension (handed in or changed their
    application after the call's own deadline). Called inside the submitting transaction."""
    extension = (
        DeadlineExtension.objects.select_for_update(of=("self",))
        .filter(cohort=cohort, person=person, revoked_at__isnull=True, used_at__isnull=True)
        .first()
    )
    if extension is not None:
        extension.used_at = timezone.now()
        _save(extension, by=person, reason="used", fields=["used_at"])
