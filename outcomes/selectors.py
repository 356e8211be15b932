"""Reads of outcomes shared by the leader's and coach's pages, the staff pages and the
dashboard app above. Query counts are flat: each selector costs the same number of queries
for one organisation or sixty.

Baseline and latest: per organisation and indicator, the baseline is the earliest measurement
of a baseline source (the baseline worksheet, the application), else the earliest of any
source; the latest is the most recent one (the baseline itself when it is the only one). Both
are picked in the database with a window function (ROW_NUMBER), on PostgreSQL and SQLite
alike; the median, minimum and maximum over a cohort's organisations (at most a few hundred
values per indicator) are then taken from those rows.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When, Window
from django.db.models.functions import RowNumber
from django.http import Http404

from coaching.enums import MatchStatus
from coaching.models import Match
from cohorts.access import program_ids_for_staff
from cohorts.enums import ParticipantRole
from cohorts.models import Cohort, Organisation, Participant
from outcomes.enums import BASELINE_SOURCES, Direction, WorksheetMoment
from outcomes.models import Indicator, Measurement, Worksheet


@dataclass(frozen=True)
class IndicatorSummary:
    indicator: Indicator
    baseline_median: Decimal | None
    baseline_min: Decimal | None
    baseline_max: Decimal | None
    latest_median: Decimal | None
    latest_min: Decimal | None
    latest_max: Decimal | None
    organisations_reported: int
    organisations_total: int


@dataclass(frozen=True)
class OrganisationChange:
    organisation: Organisation
    indicator: Indicator
    baseline_value: Decimal | None
    baseline_on: date | None
    latest_value: Decimal | None
    latest_on: date | None
    change: Decimal | None
    better: bool | None  # None: no change yet, or the indicator has no better direction


@dataclass(frozen=True)
class SeriesPoint:
    measured_on: date
    value: Decimal
    source: str

    def __iter__(self):  # (date, value, source), as a tuple
        return iter((self.measured_on, self.value, self.source))


# Indicators and organisations of a cohort --------------------------------------------------------


def indicators_for_program(*, program_id: int) -> list[Indicator]:
    return list(Indicator.objects.filter(program_id=program_id, active=True).order_by("order", "pk"))


def indicators_for_worksheet(*, program_id: int, moment: str, workshop_number: int) -> list[Indicator]:
    """The baseline asks every indicator; a worksheet before or after a workshop, its own."""
    indicators = Indicator.objects.filter(program_id=program_id, active=True)
    if moment != WorksheetMoment.BASELINE:
        indicators = indicators.filter(workshop_number=workshop_number)
    return list(indicators.order_by("order", "pk"))


def cohort_organisation_ids(*, cohort) -> QuerySet:
    """The organisations taking part in `cohort` (its active participants' organisations)."""
    return (
        Participant.objects.filter(cohort=cohort, is_active=True, organisation__isnull=False)
        .values_list("organisation_id", flat=True)
        .distinct()
    )


# Baseline and latest per organisation and indicator ----------------------------------------------


def _ends(*, cohort, organisation_id: int | None = None) -> tuple[dict, dict]:
    """{(indicator_id, organisation_id): (value, measured_on, pk)} for the baseline and the
    latest measurement: two queries whatever the size."""
    base = Measurement.objects.filter(cohort=cohort, indicator__active=True)
    if organisation_id is not None:
        base = base.filter(organisation_id=organisation_id)
    partition = [F("indicator_id"), F("organisation_id")]
    baseline_first = Case(
        When(source__in=BASELINE_SOURCES, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    fields = ("indicator_id", "organisation_id", "value", "measured_on", "pk")
    baseline_rows = (
        base.annotate(
            rank=Window(
                RowNumber(),
                partition_by=partition,
                order_by=[baseline_first.asc(), F("measured_on").asc(), F("pk").asc()],
            )
        )
        .filter(rank=1)
        .values_list(*fields)
    )
    latest_rows = (
        base.annotate(
            rank=Window(
                RowNumber(),
                partition_by=partition,
                order_by=[F("measured_on").desc(), F("created_at").desc(), F("pk").desc()],
            )
        )
        .filter(rank=1)
        .values_list(*fields)
    )
    baseline = {(i, o): (v, d, s) for i, o, v, d, s in baseline_rows}
    latest = {(i, o): (v, d, s) for i, o, v, d, s in latest_rows}
    return baseline, latest


def _spread(values: list[Decimal]) -> tuple[Decimal | None, Decimal | None, Decimal | None]:
    if not values:
        return None, None, None
    return Decimal(statistics.median(values)).quantize(Decimal("0.01")), min(values), max(values)


def cohort_outcomes_summary(*, cohort: Cohort) -> list[IndicatorSummary]:
    """Per active indicator of the cohort's program: the cohort's baseline and latest values
    (median, minimum, maximum over organisations) and how many organisations reported."""
    indicators = indicators_for_program(program_id=cohort.program_id)
    total = len(set(cohort_organisation_ids(cohort=cohort)))
    baseline, latest = _ends(cohort=cohort)
    summaries = []
    for indicator in indicators:
        base_values = [v for (i, _o), (v, _d, _s) in baseline.items() if i == indicator.pk]
        latest_values = [v for (i, _o), (v, _d, _s) in latest.items() if i == indicator.pk]
        b_median, b_min, b_max = _spread(base_values)
        l_median, l_min, l_max = _spread(latest_values)
        summaries.append(
            IndicatorSummary(
                indicator=indicator,
                baseline_median=b_median,
                baseline_min=b_min,
                baseline_max=b_max,
                latest_median=l_median,
                latest_min=l_min,
                latest_max=l_max,
                organisations_reported=len(latest_values),
                organisations_total=total,
            )  # fmt: skip
        )
    return summaries


def is_better(*, direction: str, change: Decimal | None) -> bool | None:
    if change is None or change == 0 or direction == Direction.NONE:
        return None
    return change > 0 if direction == Direction.UP else change < 0


def organisation_changes(*, cohort: Cohort, organisation_id: int | None = None) -> list[OrganisationChange]:
    """Per organisation (by name) and indicator with a measurement: baseline, latest, the
    change and whether it is better by the indicator's direction."""
    indicators = {ind.pk: ind for ind in indicators_for_program(program_id=cohort.program_id)}
    baseline, latest = _ends(cohort=cohort, organisation_id=organisation_id)
    organisations = Organisation.objects.in_bulk({o for (_i, o) in latest})
    order = {pk: n for n, pk in enumerate(indicators)}
    changes = []
    for (indicator_id, organisation_id_), (l_value, l_on, l_pk) in latest.items():
        indicator = indicators.get(indicator_id)
        if indicator is None:
            continue
        b_value, b_on, b_pk = baseline[(indicator_id, organisation_id_)]
        change = None if b_pk == l_pk else l_value - b_value
        changes.append(
            OrganisationChange(
                organisation=organisations[organisation_id_],
                indicator=indicator,
                baseline_value=b_value,
                baseline_on=b_on,
                latest_value=l_value,
                latest_on=l_on,
                change=change,
                better=is_better(direction=indicator.direction, change=change),
            )  # fmt: skip
        )
    changes.sort(key=lambda c: (c.organisation.name, c.organisation.pk, order[c.indicator.pk]))
    return changes


def organisation_series(*, cohort: Cohort, organisation: Organisation) -> dict[Indicator, list[SeriesPoint]]:
    """Every active indicator of the program (in order) with the organisation's measurements
    in the cohort, oldest first: two queries."""
    indicators = indicators_for_program(program_id=cohort.program_id)
    series: dict[int, list[SeriesPoint]] = {ind.pk: [] for ind in indicators}
    rows = (
        Measurement.objects.filter(cohort=cohort, organisation=organisation, indicator_id__in=list(series))
        .order_by("measured_on", "created_at", "pk")
        .values_list("indicator_id", "measured_on", "value", "source")
    )
    for indicator_id, measured_on, value, source in rows:
        series[indicator_id].append(SeriesPoint(measured_on, value, source))
    return {ind: series[ind.pk] for ind in indicators}


def measurements_for_export(*, cohorts) -> QuerySet[Measurement]:
    """Every measurement of `cohorts` (a queryset or ids), with what an export row needs."""
    return (
        Measurement.objects.filter(cohort__in=cohorts)
        .select_related("indicator", "cohort__program", "organisation")
        .order_by("cohort_id", "organisation_id", "indicator__order", "indicator_id", "measured_on", "pk")
    )


# Who may see and fill whose outcomes ------------------------------------------------------------


@dataclass
class OutcomeEntry:
    """One organisation in one cohort that the user may see (and fill, as leader or coach)."""

    cohort: Cohort
    organisation: Organisation
    can_fill: bool
    roles: list[str] = field(default_factory=list)


def _leads_q(user) -> Q:
    return Q(user=user, role=ParticipantRole.ORGANISATION_LEADER, is_active=True, organisation__isnull=False)


def outcome_entries_for(user, *, cohort_id: int | None = None) -> list[OutcomeEntry]:
    """The organisations whose outcomes `user` sees: those they lead, those they coach
    (a confirmed or ended pair), and as staff every organisation of their programs' cohorts.
    Three queries whatever the number."""
    if not user.is_authenticated:
        return []
    entries: dict[tuple[int, int], OutcomeEntry] = {}
    led = Participant.objects.filter(_leads_q(user)).select_related("cohort__program", "organisation")
    coached = Match.objects.filter(
        coach__user=user, status__in=(MatchStatus.CONFIRMED, MatchStatus.ENDED)
    ).select_related("cohort__program", "organisation")
    if cohort_id is not None:
        led, coached = led.filter(cohort_id=cohort_id), coached.filter(cohort_id=cohort_id)
    for row in led:
        entries[(row.cohort_id, row.organisation_id)] = OutcomeEntry(row.cohort, row.organisation, True, ["leader"])
    for match in coached:
        key = (match.cohort_id, match.organisation_id)
        fill = match.status == MatchStatus.CONFIRMED
        if key in entries:
            entries[key].can_fill = entries[key].can_fill or fill
            entries[key].roles.append("coach")
        else:
            entries[key] = OutcomeEntry(match.cohort, match.organisation, fill, ["coach"])
    if user.is_active and user.is_staff:
        program_ids = program_ids_for_staff(user=user)
        staffed = Participant.objects.filter(is_active=True, organisation__isnull=False)
        if program_ids is not None:
            staffed = staffed.filter(cohort__program_id__in=program_ids)
        if cohort_id is not None:
            staffed = staffed.filter(cohort_id=cohort_id)
        for row in staffed.select_related("cohort__program", "organisation").order_by("pk"):
            key = (row.cohort_id, row.organisation_id)
            if key not in entries:
                entries[key] = OutcomeEntry(row.cohort, row.organisation, False, ["staff"])
            elif "staff" not in entries[key].roles:
                entries[key].roles.append("staff")
    return sorted(
        entries.values(),
        key=lambda e: (-(e.cohort.starts_on or date.min).toordinal(), e.cohort.pk, e.organisation.name),
    )


def outcome_entry_get_for_user(user, *, cohort_id: int, organisation_id: int) -> OutcomeEntry:
    """The one organisation in one cohort, if `user` may see it; 404 otherwise (ids reveal nothing)."""
    for entry in outcome_entries_for(user, cohort_id=cohort_id):
        if entry.organisation.pk == organisation_id:
            return entry
    raise Http404("No such organisation.")


def worksheets_for(*, cohort: Cohort, organisation: Organisation) -> dict[tuple[str, int], Worksheet]:
    return {
        (w.moment, w.workshop_number): w for w in Worksheet.objects.filter(cohort=cohort, organisation=organisation)
    }


def recent_visit_figures(*, cohort: Cohort, organisation: Organisation, since: date) -> dict[int, Measurement]:
    """{indicator id: the latest visit measurement since `since`}: figures a coach already
    recorded at a visit, which the worksheet shows instead of asking again."""
    rows = Measurement.objects.filter(
        cohort=cohort, organisation=organisation, source="visit", measured_on__gte=since
    ).order_by("indicator_id", "-measured_on", "-pk")
    figures: dict[int, Measurement] = {}
    for row in rows:
        figures.setdefault(row.indicator_id, row)
    return figures
