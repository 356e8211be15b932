"""Moving and cancelling a session: with a reason, kept in history, and a notice to everyone
registered. The revision (`sequence`) rises, so calendars update the same event."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from simple_history.utils import update_change_reason

from incubator.validators import history_reason
from workshops.enums import SessionStatus
from workshops.models import Session
from workshops.services import notices


def _locked(session: Session) -> Session:
    return Session.objects.select_for_update().select_related("workshop__series__cohort").get(pk=session.pk)


def session_move(*, session: Session, starts_at: datetime, ends_at: datetime, reason: str, by=None) -> Session:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the change; participants read it.")})
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("The session must end after it starts.")})
    with transaction.atomic():
        session = _locked(session)
        if session.is_cancelled:
            raise ValidationError(_("A cancelled session cannot be moved."))
        if session.starts_at == starts_at and session.ends_at == ends_at:
            raise ValidationError(_("The new time is the same as the current one."))
        previous_start = session.starts_at
        session.starts_at, session.ends_at = starts_at, ends_at
        session.sequence += 1
        session.change_reason = reason
        session._change_reason = history_reason(reason)
        session.full_clean()
        session.save(update_fields=["starts_at", "ends_at", "sequence", "change_reason"])
        notices.session_cover_open_offsets(session=session)
        notices.session_notices_queue(session=session, kind="moved", previous_start=previous_start)
    return session


def session_cancel(*, session: Session, reason: str, by=None) -> Session:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the change; participants read it.")})
    with transaction.atomic():
        session = _locked(session)
        if session.is_cancelled:
            raise ValidationError(_("This session is already cancelled."))
        session.status = SessionStatus.CANCELLED
        session.sequence += 1
        session.change_reason = reason
        session._change_reason = history_reason(reason)
        session.full_clean()
        session.save(update_fields=["status", "sequence", "change_reason"])
        notices.session_notices_queue(session=session, kind="cancelled")
    return session


__all__ = ["session_cancel", "session_move", "update_change_reason"]
