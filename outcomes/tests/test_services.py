import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from coaching.enums import MatchStatus
from outcomes.enums import MeasurementSource, WorksheetMoment, WorksheetStatus
from outcomes.models import Measurement, Worksheet, WorksheetReceipt
from outcomes.services.measurements import value_check
from outcomes.services.worksheets import worksheet_draft_save, worksheet_submit
from outcomes.tests.factories import indicator

pytestmark = pytest.mark.django_db


def _submit(world, values, *, by=None, client_id=None, moment=WorksheetMoment.AFTER, number=2, day=None):
    return worksheet_submit(
        cohort=world.cohort, organisation=world.match.organisation, moment=moment, workshop_number=number,
        by=by or world.leader, client_id=client_id or uuid.uuid4(), measured_on=day or date(2026, 6, 1),
        values=values, note="",
    )  # fmt: skip


def test_submit_records_measurements_and_computes_the_impact_unit_cost(world):
    sheet, applied = _submit(world, {"yearly_costs": "120000", "beneficiaries": "300", "reserve_months": "2"})
    assert (applied, sheet.status) == (True, WorksheetStatus.SUBMITTED)
    rows = {
        m.indicator.code: (m.value, m.source, m.workshop_number) for m in sheet.measurements.select_related("indicator")
    }
    assert rows == {
        "yearly_costs": (Decimal("120000.00"), MeasurementSource.WORKSHEET_AFTER, 2),
        "beneficiaries": (Decimal("300.00"), MeasurementSource.WORKSHEET_AFTER, 2),
        "impact_unit_cost": (Decimal("400.00"), MeasurementSource.WORKSHEET_AFTER, 2),
        "reserve_months": (Decimal("2.00"), MeasurementSource.WORKSHEET_AFTER, 2),
    }


def test_the_same_client_id_is_applied_once(world):
    client_id = uuid.uuid4()
    first, applied = _submit(world, {"volunteers": "12"}, moment=WorksheetMoment.BEFORE, number=3, client_id=client_id)
    again, applied_again = _submit(
        world, {"volunteers": "99"}, moment=WorksheetMoment.BEFORE, number=3, client_id=client_id
    )
    assert (first.pk, applied, applied_again) == (again.pk, True, False)
    assert list(Measurement.objects.filter(worksheet=first).values_list("value", flat=True)) == [Decimal("12.00")]
    assert WorksheetReceipt.objects.filter(worksheet=first).count() == 1


def test_a_correction_replaces_the_figures_never_adds_to_them(world):
    _submit(world, {"paid_staff": "3", "volunteers": "10"}, moment=WorksheetMoment.AFTER, number=3)
    sheet, applied = _submit(world, {"paid_staff": "4"}, moment=WorksheetMoment.AFTER, number=3, by=world.coach)
    assert applied is True
    assert Worksheet.objects.filter(cohort=world.cohort, organisation=world.match.organisation).count() == 1
    rows = {m.indicator.code: m.value for m in Measurement.objects.filter(worksheet=sheet).select_related("indicator")}
    assert rows == {"paid_staff": Decimal("4.00")}


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"grant_income_share": "140"}, "grant_income_share"),
        ({"wellbeing": "7"}, "wellbeing"),
        ({"volunteers": "-3"}, "volunteers"),
        ({"paid_staff": "abc"}, "paid_staff"),
        ({"paid_staff": "NaN"}, "paid_staff"),
        ({"paid_staff": "1e40"}, "paid_staff"),
    ],
)
def test_bad_figures_are_refused_and_change_nothing(world, values, field):
    with pytest.raises(ValidationError) as error:
        _submit(world, values, moment=WorksheetMoment.BASELINE, number=0)
    assert field in error.value.message_dict
    assert not Measurement.objects.exists()
    assert not WorksheetReceipt.objects.exists()


def test_dates_out_of_range_and_empty_sheets_are_refused(world):
    with pytest.raises(ValidationError):
        _submit(
            world,
            {"volunteers": "1"},
            moment=WorksheetMoment.AFTER,
            number=3,
            day=timezone.localdate() + timedelta(days=5),
        )
    with pytest.raises(ValidationError):
        _submit(world, {"volunteers": "1"}, moment=WorksheetMoment.AFTER, number=3, day=date(1990, 1, 1))
    with pytest.raises(ValidationError):
        _submit(world, {}, moment=WorksheetMoment.AFTER, number=3)
    with pytest.raises(ValidationError):
        _submit(world, {"volunteers": "1"}, moment=WorksheetMoment.BASELINE, number=2)
    assert not Measurement.objects.exists()


def test_only_the_leader_and_the_coach_of_a_live_pair_fill_it_in(world):
    for person in (world.other_leader, world.other_coach, world.staff, world.researcher):
        with pytest.raises(PermissionDenied):
            _submit(world, {"volunteers": "1"}, moment=WorksheetMoment.AFTER, number=3, by=person)
        with pytest.raises(PermissionDenied):
            worksheet_draft_save(
                cohort=world.cohort, organisation=world.match.organisation, moment="after", workshop_number=3,
                by=person, draft={"ind_volunteers": "1"},
            )  # fmt: skip
    world.match.status = MatchStatus.ENDED
    world.match.ended_reason = "จบโครงการ"
    world.match.save()
    with pytest.raises(PermissionDenied):
        _submit(world, {"volunteers": "1"}, moment=WorksheetMoment.AFTER, number=3, by=world.coach)
    assert not Measurement.objects.exists()


def test_a_draft_is_kept_as_typed_and_the_figures_stay_until_sent(world):
    sheet = worksheet_draft_save(
        cohort=world.cohort, organisation=world.match.organisation, moment="baseline", workshop_number=0,
        by=world.leader, draft={"ind_volunteers": "1O"},
    )  # fmt: skip
    assert (sheet.status, sheet.draft) == (WorksheetStatus.DRAFT, {"ind_volunteers": "1O"})
    sheet = worksheet_draft_save(
        cohort=world.cohort, organisation=world.match.organisation, moment="baseline", workshop_number=0,
        by=world.leader, draft={"note": "a\x00b"},
    )  # fmt: skip
    sheet.refresh_from_db()
    assert sheet.draft == {"note": "ab"}  # kept, without the character the database refuses
    assert not Measurement.objects.exists()


def test_value_check_by_kind(world):
    assert value_check(indicator=indicator(world.program, "idea_stage"), value="3") == 3
    with pytest.raises(ValidationError):
        value_check(indicator=indicator(world.program, "idea_stage"), value="5")
    with pytest.raises(ValidationError):
        value_check(indicator=indicator(world.program, "vision_written"), value="2")
    assert value_check(indicator=indicator(world.program, "yearly_costs"), value="1,200.5") == Decimal("1200.50")
