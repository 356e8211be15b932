from datetime import date
from decimal import Decimal

import pytest

from coaching.enums import VisitPhase, VisitStatus
from coaching.tests.factories import VisitFactory
from cohorts.tests.factories import ProgramFactory
from outcomes import selectors
from outcomes.enums import MeasurementSource
from outcomes.models import Indicator, Measurement
from outcomes.services.measurements import measurements_sync_visit
from outcomes.tests.factories import MeasurementFactory, indicator

pytestmark = pytest.mark.django_db


def test_a_new_program_gets_the_default_indicators_once():
    program = ProgramFactory()
    codes = list(Indicator.objects.filter(program=program).values_list("code", flat=True))
    assert len(codes) == 12
    assert {"vision_written", "impact_unit_cost", "wellbeing"} <= set(codes)
    program.save()
    assert Indicator.objects.filter(program=program).count() == 12


def _measure(world, code, value, day, source=MeasurementSource.STAFF, organisation=None):
    return MeasurementFactory(
        indicator=indicator(world.program, code), cohort=world.cohort,
        organisation=organisation or world.match.organisation, value=Decimal(value), measured_on=day, source=source,
    )  # fmt: skip


def test_summary_gives_median_and_spread_of_baseline_and_latest(world):
    org, other = world.match.organisation, world.other_match.organisation
    _measure(world, "paid_staff", 2, date(2026, 1, 5), MeasurementSource.BASELINE)
    _measure(world, "paid_staff", 5, date(2026, 6, 5), MeasurementSource.WORKSHEET_AFTER)
    _measure(world, "paid_staff", 4, date(2026, 1, 9), MeasurementSource.BASELINE, organisation=other)
    _measure(world, "paid_staff", 9, date(2026, 7, 1), MeasurementSource.STAFF, organisation=other)
    summary = {s.indicator.code: s for s in selectors.cohort_outcomes_summary(cohort=world.cohort)}
    paid = summary["paid_staff"]
    assert (paid.baseline_median, paid.baseline_min, paid.baseline_max) == (Decimal("3.00"), 2, 4)
    assert (paid.latest_median, paid.latest_min, paid.latest_max) == (Decimal("7.00"), 5, 9)
    assert (paid.organisations_reported, paid.organisations_total) == (2, 2)
    assert summary["volunteers"].organisations_reported == 0
    assert org.pk != other.pk


def test_baseline_prefers_a_baseline_source_over_an_earlier_visit(world):
    _measure(world, "impact_unit_cost", 500, date(2026, 1, 1), MeasurementSource.STAFF)
    _measure(world, "impact_unit_cost", 400, date(2026, 2, 1), MeasurementSource.BASELINE)
    _measure(world, "impact_unit_cost", 300, date(2026, 5, 1), MeasurementSource.WORKSHEET_AFTER)
    (change,) = selectors.organisation_changes(cohort=world.cohort)
    assert (change.baseline_value, change.latest_value, change.change, change.better) == (400, 300, -100, True)


def test_a_single_measurement_is_no_change(world):
    _measure(world, "volunteers", 7, date(2026, 1, 1), MeasurementSource.BASELINE)
    (change,) = selectors.organisation_changes(cohort=world.cohort)
    assert (change.change, change.better) == (None, None)


def test_visit_figures_are_measurements_once_and_follow_the_visit(world):
    visit = VisitFactory(
        match=world.match, phase=VisitPhase.FINANCE, costs=Decimal("12000"), beneficiaries=40,
        impact_unit_cost=Decimal("300"), wellbeing_score=4, visited_on=date(2026, 11, 28),
    )  # fmt: skip
    measurements_sync_visit(visit=visit)  # again: nothing counted twice
    rows = {m.indicator.code: m.value for m in Measurement.objects.filter(visit=visit).select_related("indicator")}
    assert rows == {"yearly_costs": 12000, "beneficiaries": 40, "impact_unit_cost": 300, "wellbeing": 4}
    visit.wellbeing_score = None
    visit.costs = Decimal("15000")
    visit.save()
    rows = {m.indicator.code: m.value for m in Measurement.objects.filter(visit=visit).select_related("indicator")}
    assert rows == {"yearly_costs": 15000, "beneficiaries": 40, "impact_unit_cost": 300}
    visit.status = VisitStatus.DRAFT
    visit.save()
    assert not Measurement.objects.filter(visit=visit).exists()


def test_series_lists_every_indicator_with_its_points_oldest_first(world):
    _measure(world, "volunteers", 7, date(2026, 3, 1))
    _measure(world, "volunteers", 5, date(2026, 1, 1), MeasurementSource.BASELINE)
    series = selectors.organisation_series(cohort=world.cohort, organisation=world.match.organisation)
    by_code = {ind.code: points for ind, points in series.items()}
    assert len(by_code) == 12
    assert [tuple(p) for p in by_code["volunteers"]] == [
        (date(2026, 1, 1), Decimal("5.00"), "baseline"),
        (date(2026, 3, 1), Decimal("7.00"), "staff"),
    ]


def test_selectors_cost_the_same_queries_for_one_or_many_organisations(world, django_assert_num_queries):
    _measure(world, "volunteers", 7, date(2026, 3, 1))
    with django_assert_num_queries(4):
        selectors.cohort_outcomes_summary(cohort=world.cohort)
    with django_assert_num_queries(4):
        selectors.organisation_changes(cohort=world.cohort)
    for code in ("paid_staff", "wellbeing", "vision_written"):
        _measure(world, code, 1, date(2026, 3, 1), organisation=world.other_match.organisation)
        _measure(world, code, 1, date(2026, 4, 1))
    with django_assert_num_queries(4):
        selectors.cohort_outcomes_summary(cohort=world.cohort)
    with django_assert_num_queries(4):
        assert len(selectors.organisation_changes(cohort=world.cohort)) == 7
    with django_assert_num_queries(1):
        assert len(list(selectors.measurements_for_export(cohorts=[world.cohort.pk]))) == 7
