"""The dashboard's reads: one cohort's figures, a program's cohorts side by side, the public
showcase, composed from the other apps' tables.

Every figure is a set-based aggregate (GROUP BY in the database), so the number of queries
of a page is the same for a cohort of 5 organisations and of 5,000 applications: the
cohort dashboard reads 15 (13 before a required workshop has ended; one more for the
cohort's follow-up settings unless `cohort_get_for_dashboard` brought them), its page 19 with
the session and the user, the program page 7.
Staff reach a cohort or a program only through `cohort_get_for_dashboard` /
`program_get_for_dashboard`, which answer 404 outside their programs.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Avg, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, TruncMonth
from django.http import Http404

from coaching.enums import ActionStatus, MatchStatus, VisitStatus
from coaching.models import ActionItem, CoachProfile, CohortCoachingSettings, Match, Visit
from cohorts.access import program_ids_for_staff
from cohorts.enums import SUBMITTED_STATUSES, ApplicationStatus, ParticipantRole, ReviewState
from cohorts.models import Application, Cohort, Organisation, Participant, Program, ReviewAssignment, Track
from dashboard.enums import ConsentSubject
from dashboard.models import ShowcaseConsent, ShowcaseEntry
from incubator.dates import bangkok_now
from incubator.enums import EmailState
from incubator.geo import Region
from incubator.models import OutboundEmail
from outcomes.models import Indicator
from outcomes.selectors import OrganisationChange, organisation_changes
from workshops.enums import ATTENDED, Rsvp, SessionStatus
from workshops.models import Attendance, Feedback, Registration, Session, Workshop
from workshops.selectors import missed_required

DEFAULT_NO_VISIT_DAYS = 30
OPEN_ACTION_STATUSES = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)
FUNNEL_STAGES = ("started", "submitted", "reviewed", "accepted")


# Who sees what -------------------------------------------------------------------------------


def _staff_program_filter(user, path: str) -> Q | None:
    """Q for "in the staff member's programs" (Q() for superusers); None for non-staff."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return None
    program_ids = program_ids_for_staff(user=user)
    if program_ids is None:
        return Q()
    return Q(**{f"{path}__in": program_ids})


def programs_for_dashboard(*, user) -> QuerySet[Program]:
    scope = _staff_program_filter(user, "pk")
    return Program.objects.none() if scope is None else Program.objects.filter(scope).order_by("name")


def cohorts_for_dashboard(*, user) -> QuerySet[Cohort]:
    scope = _staff_program_filter(user, "program")
    if scope is None:
        return Cohort.objects.none()
    return Cohort.objects.filter(scope).select_related("program").order_by("-applications_close_at", "pk")


def cohort_get_for_dashboard(*, user, pk: int) -> Cohort:
    cohort = cohorts_for_dashboard(user=user).select_related("coaching_settings").filter(pk=pk).first()
    if cohort is None:
        raise Http404("Not found.")
    return cohort


def program_get_for_dashboard(*, user, pk: int) -> Program:
    program = programs_for_dashboard(user=user).filter(pk=pk).first()
    if program is None:
        raise Http404("Not found.")
    return program


# The cohort dashboard --------------------------------------------------------------------------


@dataclass
class FunnelRow:
    key: str  # track kind, province code or region
    label: str
    started: int = 0
    submitted: int = 0
    reviewed: int = 0
    accepted: int = 0

    def add(self, *, status: str, reviewed: bool, count: int) -> None:
        self.started += count
        if status in SUBMITTED_STATUSES:
            self.submitted += count
        if reviewed:
            self.reviewed += count
        if status == ApplicationStatus.ACCEPTED:
            self.accepted += count


@dataclass
class Applications:
    total: FunnelRow
    by_track: list[FunnelRow]
    by_region: list[FunnelRow]
    by_province: list[FunnelRow]
    reviewers: list[dict]
    conflicts: int


@dataclass
class OrganisationFollowUp:
    organisation: Organisation
    coach_name: str
    visits: int
    last_visit: date | None
    overdue: bool  # no visit for the cohort's number of days


@dataclass
class Coaching:
    organisations: list[OrganisationFollowUp]
    matched: int
    unmatched: int
    no_visit_days: int
    overdue_count: int
    visits_by_month: list[tuple[date, int]]
    actions_open: int
    actions_overdue: int


@dataclass
class SessionRow:
    session: Session
    counts: dict[str, int]

    @property
    def attended(self) -> int:
        return sum(self.counts.get(status, 0) for status in ATTENDED)


@dataclass
class WorkshopRow:
    workshop: Workshop
    registered: int
    coming: int
    sessions: list[SessionRow]
    missed: int
    ratings: list[tuple[int, int]]  # (rating, count) for 1..5
    rating_average: float | None


@dataclass
class Workshops:
    rows: list[WorkshopRow]
    series_id: int | None
    missed: list = field(default_factory=list)


@dataclass
class Outbox:
    counts: dict[str, int]

    @property
    def waiting(self) -> int:
        return self.counts.get(EmailState.QUEUED, 0) + self.counts.get(EmailState.SENDING, 0)

    @property
    def failed(self) -> int:
        return self.counts.get(EmailState.FAILED, 0)

    @property
    def sent(self) -> int:
        return self.counts.get(EmailState.SENT, 0)


@dataclass
class OutcomeRow:
    indicator: Indicator
    organisations_total: int
    changes: list[OrganisationChange] = field(default_factory=list)
    baseline: tuple = (None, None, None)  # median, minimum, maximum
    latest: tuple = (None, None, None)
    better: int = 0
    worse: int = 0

    @property
    def reported(self) -> int:
        return len(self.changes)


@dataclass
class CohortDashboard:
    cohort: Cohort
    applications: Applications
    coaching: Coaching
    workshops: Workshops
    outbox: Outbox
    outcomes: list[OutcomeRow] = field(default_factory=list)


def _application_funnel(cohort: Cohort) -> Applications:
    """Two queries: the grouped applications (with their tracks), the reviewers."""
    completed = ReviewAssignment.objects.filter(application=OuterRef("pk"), state=ReviewState.COMPLETED)
    grouped = (
        Application.objects.filter(cohort=cohort)
        .annotate(reviewed=Exists(completed))
        .values(
            "track_id", "track__kind", "track__name", "track__name_en", "organisation__province",
            "organisation__region", "status", "reviewed",
        )
        .annotate(n=Count("pk"))
        .order_by("track_id")
    )  # fmt: skip
    total = FunnelRow(key="", label="")
    by_track: dict[int, FunnelRow] = {}
    by_region: dict[str, FunnelRow] = {}
    by_province: dict[str, FunnelRow] = {}
    provinces = dict(Organisation._meta.get_field("province").flatchoices)
    regions = dict(Region.choices)
    for row in grouped:
        kwargs = {"status": row["status"], "reviewed": row["reviewed"], "count": row["n"]}
        total.add(**kwargs)
        if row["track_id"] not in by_track:
            track = Track(kind=row["track__kind"], name=row["track__name"], name_en=row["track__name_en"])
            by_track[row["track_id"]] = FunnelRow(key=track.kind, label=track.display_name)
        by_track[row["track_id"]].add(**kwargs)
        region, province = row["organisation__region"], row["organisation__province"]
        if region:
            by_region.setdefault(region, FunnelRow(key=region, label=str(regions.get(region, region)))).add(**kwargs)
        if province:
            by_province.setdefault(province, FunnelRow(key=province, label=str(provinces.get(province, province)))).add(
                **kwargs
            )
    reviewers = list(
        ReviewAssignment.objects.filter(application__cohort=cohort)
        .values("reviewer_id", "reviewer__full_name", "reviewer__email")
        .annotate(
            total=Count("pk"),
            done=Count("pk", filter=Q(state=ReviewState.COMPLETED)),
            conflicts=Count("pk", filter=Q(state=ReviewState.CONFLICT)),
        )
        .order_by("reviewer__full_name", "reviewer__email")
    )
    return Applications(
        total=total,
        by_track=list(by_track.values()),
        by_region=sorted(by_region.values(), key=lambda r: -r.started),
        by_province=sorted(by_province.values(), key=lambda r: (-r.started, r.label)),
        reviewers=reviewers,
        conflicts=sum(r["conflicts"] for r in reviewers),
    )


def _cohort_organisations(cohort: Cohort) -> QuerySet[Organisation]:
    """The organisations taking part (an active leader), each with its coach and visits."""
    leaders = Participant.objects.filter(
        cohort=cohort, role=ParticipantRole.ORGANISATION_LEADER, is_active=True
    ).values("organisation_id")
    matches = Match.objects.filter(cohort=cohort, status=MatchStatus.CONFIRMED)
    return Organisation.objects.filter(Q(pk__in=leaders) | Q(pk__in=matches.values("organisation_id"))).order_by(
        "name", "pk"
    )


def _no_visit_days(cohort: Cohort) -> int:
    try:
        return cohort.coaching_settings.no_visit_alert_days
    except CohortCoachingSettings.DoesNotExist:
        return DEFAULT_NO_VISIT_DAYS


def _coaching(cohort: Cohort, today: date) -> Coaching:
    """Three queries: the organisations with their coach and visits, visits by month, actions
    (the cohort's follow-up settings come with the cohort: `cohort_get_for_dashboard`)."""
    no_visit_days = _no_visit_days(cohort)
    confirmed = Match.objects.filter(cohort=cohort, status=MatchStatus.CONFIRMED, organisation=OuterRef("pk"))
    visits = Visit.objects.filter(
        match__cohort=cohort, match__organisation=OuterRef("pk"), status=VisitStatus.SUBMITTED
    ).order_by()
    organisations = list(
        _cohort_organisations(cohort).annotate(
            matched=Exists(confirmed),
            coach_name=Subquery(confirmed.order_by("pk").values("coach__user__full_name")[:1]),
            visit_count=Subquery(
                visits.values("match__organisation").annotate(n=Count("pk")).values("n")[:1],
                output_field=IntegerField(),
            ),
            last_visit=Subquery(visits.order_by("-visited_on").values("visited_on")[:1]),
        )
    )
    limit = today - timedelta(days=no_visit_days)
    rows = [
        OrganisationFollowUp(
            organisation=organisation,
            coach_name=organisation.coach_name or "",
            visits=organisation.visit_count or 0,
            last_visit=organisation.last_visit,
            overdue=organisation.matched and (organisation.last_visit is None or organisation.last_visit < limit),
        )
        for organisation in organisations
    ]
    by_month = list(
        Visit.objects.filter(match__cohort=cohort, status=VisitStatus.SUBMITTED, visited_on__isnull=False)
        .annotate(month=TruncMonth("visited_on"))
        .values("month")
        .annotate(n=Count("pk"))
        .order_by("month")
        .values_list("month", "n")
    )
    actions = ActionItem.objects.filter(match__cohort=cohort).aggregate(
        open=Count("pk", filter=Q(status__in=OPEN_ACTION_STATUSES)),
        overdue=Count("pk", filter=Q(status__in=OPEN_ACTION_STATUSES, due_on__lt=today)),
    )
    matched = sum(1 for organisation in organisations if organisation.matched)
    return Coaching(
        organisations=rows,
        matched=matched,
        unmatched=len(rows) - matched,
        no_visit_days=no_visit_days,
        overdue_count=sum(1 for row in rows if row.overdue),
        visits_by_month=by_month,
        actions_open=actions["open"],
        actions_overdue=actions["overdue"],
    )


def _count(queryset: QuerySet, *, by: str) -> Subquery:
    """A correlated COUNT(*) of `queryset` (already filtered on OuterRef) as an annotation."""
    return Coalesce(
        Subquery(queryset.order_by().values(by).annotate(n=Count("pk")).values("n")[:1], output_field=IntegerField()),
        0,
    )


def _workshops(cohort: Cohort) -> Workshops:
    """Three queries: the workshops with their registration and rating counts, their
    sessions, the attendance per session; two more for who missed a required workshop once
    one has ended (`workshops.selectors.missed_required`)."""
    registrations = Registration.objects.filter(workshop=OuterRef("pk"))
    feedback = Feedback.objects.filter(workshop=OuterRef("pk"))
    workshops = list(
        Workshop.objects.filter(series__cohort=cohort)
        .select_related("series")
        .prefetch_related("sessions")
        .annotate(
            registered=_count(registrations, by="workshop"),
            coming=_count(registrations.filter(rsvp=Rsvp.YES), by="workshop"),
            **{f"rated_{r}": _count(feedback.filter(rating=r), by="workshop") for r in range(1, 6)},
        )
    )
    if not workshops:
        return Workshops(rows=[], series_id=None)
    attendance = defaultdict(dict)
    for session_id, status, n in (
        Attendance.objects.filter(session__workshop__in=workshops)
        .values("session_id", "status")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("session_id", "status", "n")
    ):
        attendance[session_id][status] = n
    missed = missed_required(series=workshops[0].series, workshops=workshops)
    missed_by_workshop = defaultdict(int)
    for item in missed:
        missed_by_workshop[item.workshop.pk] += 1
    rows = []
    for workshop in workshops:
        ratings = [(r, getattr(workshop, f"rated_{r}")) for r in range(1, 6)]
        answers = sum(n for _r, n in ratings)
        rows.append(
            WorkshopRow(
                workshop=workshop,
                registered=workshop.registered,
                coming=workshop.coming,
                sessions=[
                    SessionRow(session=s, counts=attendance[s.pk])
                    for s in workshop.sessions.all()
                    if s.status == SessionStatus.SCHEDULED
                ],
                missed=missed_by_workshop[workshop.pk],
                ratings=ratings,
                rating_average=round(sum(r * n for r, n in ratings) / answers, 2) if answers else None,
            )
        )
    return Workshops(rows=rows, series_id=workshops[0].series_id, missed=missed)


def _outbox(cohort: Cohort) -> Outbox:
    """One query: the emails to this cohort's people (participants and applicants), by state."""
    people = Q(recipient_user_id__in=Participant.objects.filter(cohort=cohort).values("user_id")) | Q(
        recipient_user_id__in=Application.objects.filter(cohort=cohort).values("applicant_id")
    )
    counts = dict(
        OutboundEmail.objects.filter(people)
        .values("state")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("state", "n")
    )
    return Outbox(counts=counts)


def _median(values: list[Decimal]) -> Decimal | None:
    return Decimal(statistics.median(values)).quantize(Decimal("0.01")) if values else None


def _outcomes(cohort: Cohort, organisations_total: int) -> list[OutcomeRow]:
    """Per indicator with a measurement: the cohort's baseline and latest (median, minimum,
    maximum), how many organisations reported, and the change per organisation.

    Four queries: `outcomes.selectors.organisation_changes` (baseline and latest per
    organisation and indicator), from which the cohort's spread is taken here, instead of
    also calling `cohort_outcomes_summary`, which would read the same two sets again."""
    rows: dict[int, OutcomeRow] = {}
    for change in organisation_changes(cohort=cohort):
        row = rows.setdefault(
            change.indicator.pk, OutcomeRow(indicator=change.indicator, organisations_total=organisations_total)
        )
        row.changes.append(change)
    for row in rows.values():
        baseline = [c.baseline_value for c in row.changes if c.baseline_value is not None]
        latest = [c.latest_value for c in row.changes if c.latest_value is not None]
        row.baseline = (_median(baseline), min(baseline, default=None), max(baseline, default=None))
        row.latest = (_median(latest), min(latest, default=None), max(latest, default=None))
        row.better = sum(1 for c in row.changes if c.better is True)
        row.worse = sum(1 for c in row.changes if c.better is False)
    return sorted(rows.values(), key=lambda r: (r.indicator.order, r.indicator.pk))


def outcome_row(*, cohort: Cohort, indicator_pk: int) -> OutcomeRow:
    """One indicator's row of the outcomes section, with the change per organisation; 404 for
    an indicator without a measurement in the cohort (or of another program)."""
    organisations = _cohort_organisations(cohort).count()
    row = next((r for r in _outcomes(cohort, organisations) if r.indicator.pk == indicator_pk), None)
    if row is None:
        raise Http404("Not found.")
    return row


def cohort_dashboard(*, cohort: Cohort, today: date | None = None) -> CohortDashboard:
    """Everything the cohort dashboard shows, in a fixed number of queries."""
    today = today or bangkok_now().date()
    coaching = _coaching(cohort, today)
    return CohortDashboard(
        cohort=cohort,
        applications=_application_funnel(cohort),
        coaching=coaching,
        workshops=_workshops(cohort),
        outbox=_outbox(cohort),
        outcomes=_outcomes(cohort, len(coaching.organisations)),
    )


# The program page: its cohorts side by side --------------------------------------------------


@dataclass
class CohortColumn:
    cohort: Cohort
    started: int = 0
    submitted: int = 0
    accepted: int = 0
    organisations: int = 0
    matched: int = 0
    visits: int = 0
    attendance_marked: int = 0
    attended: int = 0
    rating_average: float | None = None
    emails_failed: int = 0

    @property
    def attendance_rate(self) -> int | None:
        return round(100 * self.attended / self.attendance_marked) if self.attendance_marked else None


def program_comparison(*, program: Program) -> list[CohortColumn]:
    """Each cohort of the program with its headline figures: seven queries, any size."""
    cohorts = list(Cohort.objects.filter(program=program).select_related("program").order_by("number"))
    columns = {cohort.pk: CohortColumn(cohort=cohort) for cohort in cohorts}
    ids = list(columns)
    for cohort_id, status, n in (
        Application.objects.filter(cohort_id__in=ids)
        .values("cohort_id", "status")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("cohort_id", "status", "n")
    ):
        column = columns[cohort_id]
        column.started += n
        column.submitted += n if status in SUBMITTED_STATUSES else 0
        column.accepted += n if status == ApplicationStatus.ACCEPTED else 0
    for cohort_id, n in (
        Participant.objects.filter(
            cohort_id__in=ids, role=ParticipantRole.ORGANISATION_LEADER, is_active=True, organisation__isnull=False
        )
        .values("cohort_id")
        .annotate(n=Count("organisation_id", distinct=True))
        .order_by()
        .values_list("cohort_id", "n")
    ):
        columns[cohort_id].organisations = n
    for cohort_id, n in (
        Match.objects.filter(cohort_id__in=ids, status=MatchStatus.CONFIRMED)
        .values("cohort_id")
        .annotate(n=Count("organisation_id", distinct=True))
        .order_by()
        .values_list("cohort_id", "n")
    ):
        columns[cohort_id].matched = n
    for cohort_id, n in (
        Visit.objects.filter(match__cohort_id__in=ids, status=VisitStatus.SUBMITTED)
        .values("match__cohort_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("match__cohort_id", "n")
    ):
        columns[cohort_id].visits = n
    for cohort_id, marked, attended in (
        Attendance.objects.filter(session__workshop__series__cohort_id__in=ids)
        .values("session__workshop__series__cohort_id")
        .annotate(marked=Count("pk"), attended=Count("pk", filter=Q(status__in=ATTENDED)))
        .order_by()
        .values_list("session__workshop__series__cohort_id", "marked", "attended")
    ):
        columns[cohort_id].attendance_marked, columns[cohort_id].attended = marked, attended
    for cohort_id, average in (
        Feedback.objects.filter(workshop__series__cohort_id__in=ids)
        .values("workshop__series__cohort_id")
        .annotate(average=Avg("rating"))
        .order_by()
        .values_list("workshop__series__cohort_id", "average")
    ):
        columns[cohort_id].rating_average = round(average, 2) if average is not None else None
    return [columns[pk] for pk in ids]


# The public showcase ---------------------------------------------------------------------------


def current_consents(entries) -> dict[tuple[int, str], ShowcaseConsent]:
    """The latest consent per (entry, subject) that is given and not withdrawn: one query."""
    latest: dict[tuple[int, str], ShowcaseConsent] = {}
    for consent in ShowcaseConsent.objects.filter(entry__in=entries).order_by("entry_id", "subject", "-version"):
        latest.setdefault((consent.entry_id, consent.subject), consent)
    return {key: consent for key, consent in latest.items() if consent.withdrawn_at is None}


def showcase_entries(*, cohort: Cohort) -> list[dict]:
    """The organisations of `cohort` whose consent stands, as plain data (cacheable): name,
    province, stories, figures, photo id, and the coach's name only if the coach consented
    too. Three queries."""
    entries = list(
        ShowcaseEntry.objects.filter(cohort=cohort)
        .select_related("organisation", "coach__user")
        .order_by("order", "pk")
    )
    consents = current_consents(entries)
    shown = []
    for entry in entries:
        consent = consents.get((entry.pk, ConsentSubject.ORGANISATION))
        if consent is None:
            continue
        coach_consented = entry.coach_id and (entry.pk, ConsentSubject.COACH) in consents
        shown.append(
            {
                "id": entry.pk,
                "organisation": entry.organisation.name,
                "province": entry.organisation.province,
                "story": entry.story,
                "story_en": entry.story_en,
                "figures": entry.figure_lines,
                "photo_id": entry.photo_id,
                "coach": entry.coach.user.full_name if coach_consented else "",
            }
        )
    return shown


def showcase_cohort_get(*, slug: str) -> Cohort:
    cohort = Cohort.objects.select_related("program").filter(slug=slug).first()
    if cohort is None:
        raise Http404("Not found.")
    return cohort


def entries_for_consent(*, user) -> list[tuple[ShowcaseEntry, str]]:
    """The showcase entries `user` may consent for: as the active leader of the organisation
    (subject organisation) or as its coach (subject coach)."""
    if not user.is_authenticated:
        return []
    led = Participant.objects.filter(
        user=user, role=ParticipantRole.ORGANISATION_LEADER, is_active=True, cohort=OuterRef("cohort"),
        organisation=OuterRef("organisation"),
    )  # fmt: skip
    entries = list(
        ShowcaseEntry.objects.filter(Q(Exists(led)) | Q(coach__user=user))
        .annotate(leads=Exists(led))
        .select_related("cohort__program", "organisation", "coach__user")
        .order_by("-cohort__applications_close_at", "order", "pk")
    )
    rows = []
    for entry in entries:
        if entry.leads:
            rows.append((entry, ConsentSubject.ORGANISATION))
        if entry.coach_id and entry.coach.user_id == user.pk:
            rows.append((entry, ConsentSubject.COACH))
    return rows


def entry_get_for_consent(*, user, pk: int, subject: str) -> ShowcaseEntry:
    for entry, entry_subject in entries_for_consent(user=user):
        if entry.pk == pk and entry_subject == subject:
            return entry
    raise Http404("Not found.")


def coach_profile_of(user) -> CoachProfile | None:
    return CoachProfile.objects.filter(user=user).first() if user.is_authenticated else None
