"""Measurements: checked values by indicator kind, and the figures of field visits.

A visit's figures (coaching.Visit: costs, beneficiaries, impact unit cost, wellbeing) are
measurements of source "visit", one row per (visit, indicator) (a unique constraint): saving
the visit again updates those rows, emptying a figure removes its row, and a draft visit has
none. So the worksheet does not ask again what a visit recorded, and nothing is counted twice.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from coaching.enums import VisitStatus
from outcomes.defaults import VISIT_FIGURES
from outcomes.enums import IndicatorKind, MeasurementSource, Stage
from outcomes.models import Indicator, Measurement

MAX_VALUE = Decimal("99999999999999")


def value_check(*, indicator: Indicator, value) -> Decimal:
    """`value` as a Decimal that fits the indicator's kind, or a ValidationError that says why."""
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise ValidationError(_("Enter a number.")) from None
    if not number.is_finite():
        raise ValidationError(_("Enter a number."))
    number = number.quantize(Decimal("0.01")) if abs(number) <= MAX_VALUE else number
    if number < 0:
        raise ValidationError(_("The figure cannot be negative."))
    if number > MAX_VALUE:
        raise ValidationError(_("The figure is too large."))
    kind = indicator.kind
    if kind == IndicatorKind.PERCENT and number > 100:
        raise ValidationError(_("A percentage is between 0 and 100."))
    if kind == IndicatorKind.SCALE and (number < 1 or number > 5 or number != number.to_integral_value()):
        raise ValidationError(_("Choose 1 to 5."))
    if kind == IndicatorKind.YES_NO and number not in (0, 1):
        raise ValidationError(_("Choose yes or no."))
    if kind == IndicatorKind.STAGE and number not in Stage.values:
        raise ValidationError(_("Choose a stage from the list."))
    return number


def measurements_sync_visit(*, visit) -> None:
    """Make the visit's figures measurements (or remove them when the visit has none)."""
    if visit.status != VisitStatus.SUBMITTED or visit.visited_on is None:
        Measurement.objects.filter(visit=visit).delete()
        return
    match = visit.match
    indicators = {
        ind.code: ind
        for ind in Indicator.objects.filter(
            program_id=match.cohort.program_id, code__in=VISIT_FIGURES.values(), active=True
        )
    }
    existing = {m.indicator_id: m for m in Measurement.objects.filter(visit=visit)}
    keep = set()
    for field, code in VISIT_FIGURES.items():
        indicator = indicators.get(code)
        raw = getattr(visit, field)
        if indicator is None or raw is None:
            continue
        value = Decimal(raw).quantize(Decimal("0.01"))
        keep.add(indicator.pk)
        row = existing.get(indicator.pk)
        if row is None:
            Measurement.objects.create(
                indicator=indicator, cohort_id=match.cohort_id, organisation_id=match.organisation_id,
                value=value, measured_on=visit.visited_on, source=MeasurementSource.VISIT, visit=visit,
                entered_by_id=visit.author_id,
            )  # fmt: skip
        elif (row.value, row.measured_on) != (value, visit.visited_on):
            row.value, row.measured_on = value, visit.visited_on
            row.save(update_fields=["value", "measured_on"])
    stale = [pk for pk in existing if pk not in keep]
    if stale:
        Measurement.objects.filter(visit=visit, indicator_id__in=stale).delete()


def measurement_save_by_staff(*, measurement: Measurement, by) -> Measurement:
    """A figure staff enter or correct in the admin: checked like every other; a new one is
    of source "staff". Figures of visits and worksheets are changed where they were made."""
    if measurement.visit_id or measurement.worksheet_id:
        raise ValidationError(_("This figure comes from a visit or a worksheet; change it there."))
    if measurement.indicator.program_id != measurement.cohort.program_id:
        raise ValidationError({"indicator": _("This indicator belongs to another program.")})
    measurement.value = value_check(indicator=measurement.indicator, value=measurement.value)
    if measurement.pk is None:
        measurement.source = MeasurementSource.STAFF
        measurement.entered_by = by
    measurement.full_clean()
    measurement.save()
    return measurement
