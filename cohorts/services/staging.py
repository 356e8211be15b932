"""Staged decisions: staff prepare each handed-in application's decision (accept, waitlist,
reject, shortlist) as a `PendingDecision`, change it freely and preview the very email the
person will get; nothing is emailed until staff send the cohort's batch.

The invariant: before `decisions_send` no decision email exists for a staged decision; after
it, each application whose status changed has exactly one decision email (the outbox key
`decision:<application>:<status>` of `application_decide`), and no staged row is left.
`decisions_send` is all or nothing (one transaction) and refuses when the number of staged
decisions is not the one the confirmation page showed (someone staged or unstaged in
between): nothing is sent then, and staff confirm again. A second send finds nothing staged.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cohorts.enums import ApplicationStatus
from cohorts.models import Application, Cohort, PendingDecision, WaitlistSpot
from cohorts.selectors.decisions import pending_decisions
from cohorts.selectors.emails import program_mail_scope
from cohorts.services.decisions import (
    DecisionRefused,
    application_decide,
    decision_mail_context,
    decision_refusal,
    decision_template,
)
from cohorts.services.selection import application_lock, applications_lock
from incubator.mail import RenderedEmail, language_for, render_email


class StaleBatch(ValidationError):
    """What is staged now is not what the confirmation page showed; nothing was sent."""

    def __init__(self, *, expected: int, staged: int):
        super().__init__(
            _(
                "The staged decisions changed since you opened this page (%(expected)d then, %(staged)d now). "
                "Nothing was sent; please check and confirm again."
            ),
            code="stale_batch",
            params={"expected": expected, "staged": staged},
        )
        self.staged = staged


@dataclass
class SendSummary:
    """What a batch did, per decision: `changed` were decided and emailed, `unchanged` already
    had that status (nothing sent)."""

    changed: dict[str, list[Application]] = field(default_factory=dict)
    unchanged: list[Application] = field(default_factory=list)

    @property
    def emailed(self) -> int:
        return sum(len(applications) for applications in self.changed.values())


def _next_position(cohort_id: int) -> int:
    """After the last place on the waiting list, staged or sent."""
    staged = PendingDecision.objects.filter(cohort_id=cohort_id).aggregate(m=Max("waitlist_position"))["m"] or 0
    sent = (
        WaitlistSpot.objects.filter(cohort_id=cohort_id, application__status=ApplicationStatus.WAITLISTED).aggregate(
            m=Max("position")
        )["m"]
        or 0
    )
    return max(staged, sent) + 1


def _stage_locked(
    *, application: Application, status: str, by, note: str | None, waitlist_position: int | None
) -> PendingDecision:
    refusal = decision_refusal(application=application, status=status)
    if refusal:
        raise DecisionRefused(refusal, refused=[application])
    pending = PendingDecision.objects.filter(application=application).first()
    if pending is None:
        pending = PendingDecision(cohort_id=application.cohort_id, application=application)
    if status == ApplicationStatus.WAITLISTED:
        if waitlist_position is None:
            waitlist_position = (
                pending.waitlist_position
                if pending.waitlist_position is not None
                else _next_position(application.cohort_id)
            )
    else:
        waitlist_position = None
    pending.status = status
    pending.waitlist_position = waitlist_position
    if note is not None:
        pending.note = note
    pending.prepared_by = by
    pending.prepared_at = timezone.now()
    pending.full_clean(exclude=["cohort", "application", "prepared_by"], validate_unique=False)
    pending.save()
    return pending


def decision_stage(
    *, application: Application, status: str, by, note: str | None = None, waitlist_position: int | None = None
) -> PendingDecision:
    """Stage (or change) the decision `status` for a handed-in application; nothing is
    emailed. A waitlisted one without a position goes to the end of the waiting list.
    `note=None` keeps the note already written. Refused (DecisionRefused) for a draft, a
    withdrawn or an already accepted or rejected application."""
    with transaction.atomic():
        locked = application_lock(application)
        return _stage_locked(application=locked, status=status, by=by, note=note, waitlist_position=waitlist_position)


def decisions_stage_bulk(*, applications: Iterable[Application], status: str, by) -> list[PendingDecision]:
    """Stage the same decision for several applications, all or nothing (DecisionRefused
    names those that cannot take it, and nothing changes). Waitlisted ones join the end of
    the waiting list in rank order as given."""
    order = []
    for application in applications:
        if application.pk not in order:
            order.append(application.pk)
    with transaction.atomic():
        by_pk = {application.pk: application for application in applications_lock(order)}
        refused = [by_pk[pk] for pk in order if pk in by_pk and decision_refusal(application=by_pk[pk], status=status)]
        if refused:
            raise DecisionRefused(
                gettext("These applications cannot be decided: %(names)s. Nothing was changed.")
                % {"names": "; ".join(str(application) for application in refused)},
                refused=refused,
            )
        return [
            _stage_locked(application=by_pk[pk], status=status, by=by, note=None, waitlist_position=None)
            for pk in order
            if pk in by_pk
        ]


def decision_unstage(*, application: Application, by=None) -> bool:
    """Drop the staged decision of `application` (nothing was sent for it). Returns whether
    there was one."""
    deleted, _detail = PendingDecision.objects.filter(application=application).delete()
    return bool(deleted)


def decision_preview(*, pending: PendingDecision) -> RenderedEmail:
    """The subject and body the person will get when the batch is sent: the same template and
    context as `application_decide`, through the outbox's renderer, in their language."""
    application = pending.application
    return render_email(
        template=decision_template(pending.status),
        context=decision_mail_context(application=application),
        language=language_for(application.applicant),
        scope=program_mail_scope(application.cohort.program_id),  # the program's own words, as sent
    )


def decisions_send(*, cohort: Cohort, by, expected_count: int) -> SendSummary:
    """Send the cohort's staged decisions as one batch: each is taken by `application_decide`
    (history, participant, one email per application and status), waitlisted ones keep their
    place on the waiting list, and the staged rows are deleted. All or nothing: if one cannot
    be decided, or the count is not `expected_count`, nothing is decided or emailed."""
    summary = SendSummary()
    with transaction.atomic():
        staged = list(pending_decisions(cohort=cohort).select_for_update(of=("self",)))
        if len(staged) != expected_count:
            raise StaleBatch(expected=expected_count, staged=len(staged))
        if not staged:
            raise ValidationError(_("No decision is staged; nothing was sent."), code="nothing_staged")
        locked = {application.pk: application for application in applications_lock([p.application_id for p in staged])}
        refused = [
            locked[p.application_id]
            for p in staged
            if decision_refusal(application=locked[p.application_id], status=p.status)
        ]
        if refused:
            raise DecisionRefused(
                gettext("These applications cannot be decided: %(names)s. Nothing was sent.")
                % {"names": "; ".join(str(application) for application in refused)},
                refused=refused,
            )
        for pending in staged:
            application = locked[pending.application_id]
            before = application.status
            application_decide(application=application, status=pending.status, by=by)
            if before == pending.status:
                summary.unchanged.append(application)
            else:
                summary.changed.setdefault(pending.status, []).append(application)
            if pending.status == ApplicationStatus.WAITLISTED and pending.waitlist_position is not None:
                WaitlistSpot.objects.update_or_create(
                    application=application,
                    defaults={"cohort_id": cohort.pk, "position": pending.waitlist_position},
                )
        PendingDecision.objects.filter(pk__in=[pending.pk for pending in staged]).delete()
    return summary
