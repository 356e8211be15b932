"""Decisions: staff shortlist, accept, waitlist or reject handed-in applications, one at a
time or in bulk (all or nothing); the decision email goes through the outbox and an accepted
applicant becomes a participant. Every change of status is recorded in the application's
history with the person who made it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cohorts.enums import DECISION_STATUSES, ROLE_FOR_TRACK, ApplicationStatus
from cohorts.models import Application, Participant
from cohorts.selectors.emails import application_email_context, program_mail_scope
from cohorts.services.selection import DECIDABLE_STATUSES, application_lock, application_set_status, applications_lock
from incubator.mail import message_key, queue_mail


class DecisionRefused(ValidationError):
    """Some applications cannot take the decision; `refused` lists them. Nothing was changed."""

    def __init__(self, message, refused: list[Application]):
        super().__init__(message, code="decision_refused")
        self.refused = refused


@dataclass
class BulkDecision:
    status: str
    changed: list[Application] = field(default_factory=list)
    unchanged: list[Application] = field(default_factory=list)


def decision_refusal(*, application: Application, status: str) -> str | None:
    """Why `application` cannot take the decision `status`, or None if it can."""
    if status not in DECISION_STATUSES:
        return gettext("“%(status)s” is not a decision.") % {"status": status}
    if application.status not in DECIDABLE_STATUSES:
        return gettext("%(application)s is %(status)s and cannot be decided.") % {
            "application": application,
            "status": application.get_status_display(),
        }
    return None


def decision_template(status: str) -> str:
    """The outbox template of the email for the decision `status`."""
    return f"cohorts/decision_{status}"


def decision_mail_context(*, application: Application) -> dict:
    """What the decision emails are rendered with (also for the staged decisions' preview)."""
    return application_email_context(application)


def application_decide(*, application: Application, status: str, by) -> Application:
    """Take a staff decision (shortlisted, accepted, waitlisted, rejected) on a handed-in
    application: record it in history, make an accepted applicant a participant, and queue
    the decision email (once per application and status). Deciding the status an application
    already has changes nothing."""
    with transaction.atomic():
        locked = application_lock(application)
        refusal = decision_refusal(application=locked, status=status)
        if refusal:
            raise DecisionRefused(refusal, refused=[locked])
        if locked.status != status:
            locked.decided_at = timezone.now()
            application_set_status(application=locked, status=status, by=by, update_fields=["decided_at"])
            if status == ApplicationStatus.ACCEPTED:
                participant_create_from_application(application=locked, by=by)
            applicant = locked.applicant
            queue_mail(
                key=message_key("decision", locked.pk, status),
                to=applicant.email,
                template=decision_template(status),
                context=decision_mail_context(application=locked),
                user=applicant,
                related=locked,
                scope=program_mail_scope(locked.cohort.program_id),
            )
    for name in ("status", "decided_at"):
        setattr(application, name, getattr(locked, name))
    return locked


def applications_decide_bulk(*, applications: Iterable[Application], status: str, by) -> BulkDecision:
    """Decide several applications at once, all or nothing: if any cannot take the decision
    (a draft, a withdrawn or an already accepted or rejected one), DecisionRefused names them
    and nothing changes."""
    pks = sorted({application.pk for application in applications})
    result = BulkDecision(status=status)
    with transaction.atomic():
        locked = applications_lock(pks)
        refused = [application for application in locked if decision_refusal(application=application, status=status)]
        if refused:
            raise DecisionRefused(
                gettext("These applications cannot be decided: %(names)s. Nothing was changed.")
                % {"names": "; ".join(str(application) for application in refused)},
                refused=refused,
            )
        for application in locked:
            if application.status == status:
                result.unchanged.append(application)
            else:
                result.changed.append(application_decide(application=application, status=status, by=by))
    return result


def participant_create_from_application(*, application: Application, by=None) -> Participant:
    """Make an accepted application's applicant a participant of its cohort, in the role of
    its track and with its organisation. Idempotent: one participant per person and cohort."""
    if application.status != ApplicationStatus.ACCEPTED:
        raise ValidationError(_("Only accepted applications make participants."), code="not_accepted")
    role = ROLE_FOR_TRACK[application.track.kind]
    participant, created = Participant.objects.get_or_create(
        cohort_id=application.cohort_id,
        user_id=application.applicant_id,
        defaults={
            "role": role,
            "organisation_id": application.organisation_id,
            "application": application,
            "is_active": True,
        },
    )
    if not created:
        changed = []
        if participant.application_id is None:
            participant.application = application
            changed.append("application")
        if participant.organisation_id is None and application.organisation_id:
            participant.organisation_id = application.organisation_id
            changed.append("organisation")
        if not participant.is_active:
            participant.is_active = True
            changed.append("is_active")
        if changed:
            participant.full_clean(validate_unique=False, validate_constraints=False)
            participant.save(update_fields=changed)
    return participant
