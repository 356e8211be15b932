"""Lifting the blind of a review phase (see `cohorts.selectors.blind` for what blind hides).

Staff of the phase's program lift it once scoring is done: from then on the phase's reviewers
see who applied. Lifting is one-way (nothing is hidden again once seen) and recorded twice in
the same transaction: on the phase (`blind_lifted_at`, `blind_lifted_by`, written under a row
lock, so a second click or a second tab finds it lifted and changes nothing) and in the
append-only access log (`AccessAction.DISCLOSE`: who, when, from where, how many reviews of the
phase saw identities from then on).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cohorts.access import is_staff_of_program
from cohorts.models import Phase
from incubator.audit import access_log_record
from incubator.enums import AccessAction


def phase_blind_lift(*, phase: Phase, by, request=None) -> Phase:
    """Lift the blind of `phase` (by staff of its program): its reviewers see identities from
    now on. `request`, when given, adds the address and page to the access-log entry."""
    with transaction.atomic():
        locked = Phase.objects.select_for_update().select_related("cohort").get(pk=phase.pk)
        if not is_staff_of_program(user=by, program_id=locked.cohort.program_id):
            raise ValidationError(_("Only staff of this program can lift the blind."), code="not_staff")
        if not locked.is_blind:
            raise ValidationError(_("This phase is not reviewed blind."), code="not_blind")
        if locked.blind_lifted_at is not None:
            raise ValidationError(_("The blind of this phase has already been lifted."), code="already_lifted")
        locked.blind_lifted_at = timezone.now()
        locked.blind_lifted_by = by
        locked.full_clean(exclude=["cohort", "reviewers"], validate_unique=False, validate_constraints=False)
        locked.save(update_fields=["blind_lifted_at", "blind_lifted_by"])
        access_log_record(
            request=request,
            user=by,
            action=AccessAction.DISCLOSE,
            target=locked,
            detail=f"blind lifted; {locked.reviews.count()} reviews in the phase",
        )
    phase.blind_lifted_at, phase.blind_lifted_by = locked.blind_lifted_at, locked.blind_lifted_by
    return locked
