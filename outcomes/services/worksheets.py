"""Worksheets: the leader, with the coach, reports the organisation's figures at the baseline
and before and after each workshop, from a phone, offline if need be.

- `worksheet_draft_save` keeps the form as typed on the server (no validation: half-typed
  input is kept, never refused); the phone keeps its own copy in IndexedDB.
- `worksheet_submit` is idempotent on the client id the phone made for that send
  (`WorksheetReceipt`, unique): a retry, a double tap or a send queued offline and sent again
  after reconnection is applied once. A new send of the same worksheet (a correction, with a
  new client id) replaces its figures: one measurement per worksheet and indicator (a unique
  constraint), never two.
- Only the organisation's leader and the coach of a confirmed pair fill it in (the selector
  `outcome_entry_get_for_user` says who); anyone else gets PermissionDenied.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from outcomes.defaults import UNIT_COST
from outcomes.enums import MOMENT_SOURCE, WorksheetMoment, WorksheetStatus
from outcomes.models import Measurement, Worksheet, WorksheetReceipt
from outcomes.selectors import indicators_for_worksheet, outcome_entry_get_for_user
from outcomes.services.measurements import value_check

DRAFT_MAX_CHARS = 50_000
EARLIEST = date(2000, 1, 1)


def _check_can_fill(*, cohort, organisation, by) -> None:
    try:
        entry = outcome_entry_get_for_user(by, cohort_id=cohort.pk, organisation_id=organisation.pk)
    except Http404:
        raise PermissionDenied("Not this organisation's leader or coach.") from None
    if not entry.can_fill:
        raise PermissionDenied("Only the leader and the coach fill in the worksheet.")


def _check_moment(moment: str, workshop_number: int) -> None:
    if moment not in WorksheetMoment.values:
        raise ValidationError(_("Choose a moment from the list."))
    if (moment == WorksheetMoment.BASELINE) != (workshop_number == 0) or not 0 <= workshop_number <= 3:
        raise ValidationError(_("Choose a workshop from 1 to 3."))


def _without_nul(value):
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {str(k).replace("\x00", ""): _without_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_nul(v) for v in value]
    return value


def worksheet_draft_save(*, cohort, organisation, moment: str, workshop_number: int, by, draft: dict) -> Worksheet:
    """Keep the worksheet as typed. A submitted worksheet keeps its figures; the draft of a
    correction is kept beside them."""
    _check_can_fill(cohort=cohort, organisation=organisation, by=by)
    _check_moment(moment, workshop_number)
    if not isinstance(draft, dict) or len(str(draft)) > DRAFT_MAX_CHARS:
        raise ValidationError(_("This draft cannot be saved."))
    draft = _without_nul(draft)  # PostgreSQL refuses NUL in JSON; the rest is kept as typed
    with transaction.atomic():
        sheet, _created = Worksheet.objects.select_for_update().get_or_create(
            cohort=cohort, organisation=organisation, moment=moment, workshop_number=workshop_number,
            defaults={"entered_by": by},
        )  # fmt: skip
        sheet.draft = draft
        sheet.save(update_fields=["draft", "updated_at"])
    return sheet


def _values(*, indicators, raw: dict) -> dict:
    values, errors = {}, {}
    for indicator in indicators:
        given = raw.get(indicator.code)
        if given is None or str(given).strip() == "":
            continue
        try:
            values[indicator.code] = (indicator, value_check(indicator=indicator, value=given))
        except ValidationError as error:
            errors[indicator.code] = error.messages
    unit, costs, people = UNIT_COST
    by_code = {ind.code: ind for ind in indicators}
    computable = unit in by_code and unit not in values and unit not in errors and costs in values
    if computable and people in values and values[people][1] > 0:
        values[unit] = (by_code[unit], (values[costs][1] / values[people][1]).quantize(Decimal("0.01")))
    if errors:
        raise ValidationError(errors)
    return values


def worksheet_submit(
    *, cohort, organisation, moment: str, workshop_number: int, by, client_id: uuid.UUID,
    measured_on: date | None, values: dict, note: str = "",
) -> tuple[Worksheet, bool]:  # fmt: skip
    """Record the worksheet's figures as measurements; returns (worksheet, applied). The same
    client id again returns the worksheet unchanged (applied False)."""
    _check_can_fill(cohort=cohort, organisation=organisation, by=by)
    _check_moment(moment, workshop_number)
    receipt = WorksheetReceipt.objects.filter(client_id=client_id).select_related("worksheet").first()
    if receipt is not None:
        return _same_sheet(receipt, cohort, organisation)
    today = timezone.localdate()
    if measured_on is None:
        raise ValidationError({"measured_on": _("Give the date of these figures.")})
    if not EARLIEST <= measured_on <= today + timedelta(days=1):
        raise ValidationError({"measured_on": _("The date must be between 2000 and today.")})
    if "\x00" in note:
        raise ValidationError({"note": _("The note contains a character that cannot be saved.")})
    indicators = indicators_for_worksheet(program_id=cohort.program_id, moment=moment, workshop_number=workshop_number)
    checked = _values(indicators=indicators, raw=values)
    if not checked:
        raise ValidationError(_("Give at least one figure."))
    try:
        with transaction.atomic():
            return _apply(
                cohort=cohort, organisation=organisation, moment=moment, workshop_number=workshop_number, by=by,
                client_id=client_id, measured_on=measured_on, values=checked, note=note,
            )  # fmt: skip
    except IntegrityError:
        # A concurrent send of the same client id won the race: its figures stand.
        receipt = WorksheetReceipt.objects.select_related("worksheet").get(client_id=client_id)
        return _same_sheet(receipt, cohort, organisation)


def _same_sheet(receipt: WorksheetReceipt, cohort, organisation) -> tuple[Worksheet, bool]:
    sheet = receipt.worksheet
    if (sheet.cohort_id, sheet.organisation_id) != (cohort.pk, organisation.pk):
        raise PermissionDenied("Another organisation's worksheet.")
    return sheet, False


def _apply(*, cohort, organisation, moment, workshop_number, by, client_id, measured_on, values, note):
    sheet, _created = Worksheet.objects.select_for_update().get_or_create(
        cohort=cohort, organisation=organisation, moment=moment, workshop_number=workshop_number,
        defaults={"entered_by": by},
    )  # fmt: skip
    WorksheetReceipt.objects.create(client_id=client_id, worksheet=sheet)
    sheet.status = WorksheetStatus.SUBMITTED
    sheet.measured_on = measured_on
    sheet.note = note.strip()
    sheet.entered_by = by
    sheet.draft = {}
    sheet.submitted_at = timezone.now()
    sheet.full_clean()
    sheet.save()
    existing = {m.indicator_id: m for m in Measurement.objects.filter(worksheet=sheet)}
    source = MOMENT_SOURCE[moment]
    number = workshop_number or None
    for indicator, value in values.values():
        row = existing.pop(indicator.pk, None)
        if row is None:
            Measurement.objects.create(
                indicator=indicator, cohort=cohort, organisation=organisation, value=value, measured_on=measured_on,
                source=source, workshop_number=number, worksheet=sheet, entered_by=by,
            )  # fmt: skip
        else:
            row.value, row.measured_on, row.entered_by = value, measured_on, by
            row.save(update_fields=["value", "measured_on", "entered_by"])
    if existing:  # figures left empty in the correction
        Measurement.objects.filter(pk__in=[m.pk for m in existing.values()]).delete()
    return sheet, True
