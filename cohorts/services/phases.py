"""Moving applications through a call's selection phases, by staff decision.

- `applications_advance` moves a set of applications to a later phase of their call, all or
  nothing: the rows are locked in id order (two bulk moves never deadlock), and if any one
  cannot move (a draft, a withdrawn, accepted or rejected application, one of another call, or
  one already past the phase: no backwards move) nothing moves and the refusal names them.
  An application already in the phase is left as it is (a double click moves nobody twice).
  Each move is a row in the application's history (who, and "moved to phase: <name>").
- With `notify`, each moved applicant gets one email "your application moved on to <phase>",
  under the key `phase-moved:<application>:<phase>`: exactly once per application and phase,
  however often staff press the button, through the outbox (written in the same transaction).
- `applications_advance_by_threshold` applies a threshold that staff previewed
  (`cohorts.selectors.phases.applications_above_threshold`): it moves exactly the previewed
  set, and refuses (moving nobody) when the set computed now differs from the ids the preview
  showed, because a score changed in between.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cohorts.models import Application, Phase
from cohorts.selectors.emails import phase_moved_context, program_mail_scope
from cohorts.selectors.phases import MOVABLE_STATUSES, applications_above_threshold, phase_next
from incubator.mail import message_key, queue_mail
from incubator.validators import history_reason

PHASE_MOVED_TEMPLATE = "cohorts/phase_moved"

# Statuses in which an application can move on: handed in and not finally decided.
ADVANCEABLE_STATUSES = MOVABLE_STATUSES


class AdvanceRefused(ValidationError):
    """Some applications cannot move to the phase; `refused` lists them. Nothing was changed."""

    def __init__(self, message, refused: list[Application] | None = None, code: str = "advance_refused"):
        super().__init__(message, code=code)
        self.refused = refused or []


@dataclass
class Advance:
    to_phase: Phase
    moved: list[Application] = field(default_factory=list)
    unchanged: list[Application] = field(default_factory=list)


def advance_refusal(*, application: Application, to_phase: Phase, phase_orders: dict[int, int]) -> str | None:
    """Why `application` cannot move to `to_phase`, or None if it can (or already stands there).
    `phase_orders`: {phase id: order} of the call's phases."""
    if application.cohort_id != to_phase.cohort_id:
        return gettext("%(application)s belongs to another call.") % {"application": application}
    if application.status not in ADVANCEABLE_STATUSES:
        return gettext("%(application)s is %(status)s and cannot move on.") % {
            "application": application,
            "status": application.get_status_display(),
        }
    if application.phase_id is not None and phase_orders.get(application.phase_id, 0) > to_phase.order:
        return gettext("%(application)s is already past %(phase)s; applications do not move back.") % {
            "application": application,
            "phase": to_phase.display_name,
        }
    return None


def _queue_moved_email(application: Application, phase: Phase) -> None:
    applicant = application.applicant
    queue_mail(
        key=message_key("phase-moved", application.pk, phase.pk),
        to=applicant.email,
        template=PHASE_MOVED_TEMPLATE,
        context=phase_moved_context(application, phase),
        user=applicant,
        related=application,
        scope=program_mail_scope(application.cohort.program_id),  # the program's own words
    )


def applications_advance(*, applications: Iterable[Application], to_phase: Phase, by, notify: bool = False) -> Advance:
    """Move `applications` to `to_phase`, all or nothing (see the module docstring). Raises
    AdvanceRefused naming the applications that cannot move; nothing changes then."""
    pks = sorted({application.pk for application in applications})
    if not pks:
        raise AdvanceRefused(_("Choose at least one application to move."), code="empty")
    result = Advance(to_phase=to_phase)
    with transaction.atomic():
        locked = list(
            Application.objects.select_for_update(of=("self",))
            .select_related("cohort__program", "track", "applicant", "organisation")
            .filter(pk__in=pks)
            .order_by("pk")
        )
        if len(locked) != len(pks):
            raise AdvanceRefused(_("Some of these applications no longer exist. Nothing was moved."), code="gone")
        phase_orders = dict(Phase.objects.filter(cohort_id=to_phase.cohort_id).values_list("pk", "order"))
        refusals = [
            (application, reason)
            for application in locked
            if (reason := advance_refusal(application=application, to_phase=to_phase, phase_orders=phase_orders))
        ]
        if refusals:
            raise AdvanceRefused(
                " ".join(reason for _application, reason in refusals) + " " + gettext("Nothing was moved."),
                refused=[application for application, _reason in refusals],
            )
        reason = history_reason(f"moved to phase: {to_phase.name}")
        for application in locked:
            if application.phase_id == to_phase.pk:
                result.unchanged.append(application)
                continue
            application.phase = to_phase
            application._history_user = by
            application._change_reason = reason
            application.save(update_fields=["phase", "updated_at"])
            result.moved.append(application)
            if notify:
                _queue_moved_email(application, to_phase)
    return result


def applications_advance_by_threshold(
    *,
    phase: Phase,
    threshold: float,
    rank_by: str,
    expected_ids: Iterable[int],
    by,
    notify: bool = False,
) -> Advance:
    """Move the applications of `phase` whose score there is at or above `threshold` to the
    next phase: exactly the set the preview showed (`expected_ids`). If the set is different
    now (a review was scored or an application withdrawn since), nothing moves and the
    refusal says so, so staff preview again."""
    to_phase = phase_next(phase=phase)
    if to_phase is None:
        raise AdvanceRefused(_("This is the call's last phase: there is no next phase to move to."), code="last")
    expected = set(expected_ids)
    with transaction.atomic():
        # Lock the phase's applications first, so the set cannot change while it is compared.
        list(
            Application.objects.select_for_update(of=("self",))
            .filter(phase=phase, status__in=ADVANCEABLE_STATUSES)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        preview = applications_above_threshold(phase=phase, threshold=threshold, rank_by=rank_by)
        now = {row.application.pk for row in preview.rows}
        if now != expected:
            raise AdvanceRefused(
                _(
                    "The scores changed since the preview: %(now)d applications pass the threshold now, "
                    "%(before)d did then. Nothing was moved; please check the new preview."
                )
                % {"now": len(now), "before": len(expected)},
                code="stale",
            )
        if not now:
            raise AdvanceRefused(_("No application reaches this threshold. Nothing was moved."), code="empty")
        return applications_advance(
            applications=[row.application for row in preview.rows], to_phase=to_phase, by=by, notify=notify
        )
