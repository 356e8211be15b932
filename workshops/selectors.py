"""Reads for the workshop pages, the feeds and the tasks. Each owns its select_related and
prefetch_related, so a page costs the same queries for one row as for many; the `*_for_*`
getters answer 404 for what the user may not see."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from cohorts.access import program_ids_for_staff
from cohorts.models import Cohort, Participant
from incubator.dates import bangkok_now
from workshops.enums import ATTENDED, AttendanceStatus, Rsvp, SessionStatus
from workshops.models import Attendance, Feedback, Material, Registration, Session, Workshop, WorkshopSeries
from workshops.rules import is_cohort_participant, is_workshop_staff

_SESSIONS = Prefetch("sessions", queryset=Session.objects.order_by("starts_at", "pk"))
_MATERIALS = Prefetch("materials", queryset=Material.objects.order_by("pk"))


# --- Participants ----------------------------------------------------------------------------


@dataclass
class WorkshopView:
    workshop: Workshop
    registration: Registration | None
    attendance: dict[int, Attendance] = field(default_factory=dict)
    feedback: Feedback | None = None
    feedback_due: bool = False


@dataclass
class CohortTimeline:
    participant: Participant
    series: WorkshopSeries
    workshops: list[WorkshopView]

    @property
    def feedback_to_give(self) -> list[Workshop]:
        return [view.workshop for view in self.workshops if view.feedback_due]


def my_cohort_timelines(*, user, now: datetime | None = None) -> list[CohortTimeline]:
    """The person's cohorts that have a workshop series: each workshop with its sessions and
    materials, the person's RSVP, attendance and feedback. Seven queries for any size."""
    if not user.is_authenticated:
        return []
    now = now or timezone.now()
    participants = list(
        Participant.objects.select_related("cohort__program", "cohort__workshop_series")
        .filter(user=user, is_active=True, cohort__workshop_series__isnull=False)
        .order_by("-cohort__workshop_series__starts_on")
    )
    if not participants:
        return []
    series_ids = [p.cohort.workshop_series.pk for p in participants]
    workshops = defaultdict(list)
    for workshop in (
        Workshop.objects.filter(series_id__in=series_ids)
        .prefetch_related(_SESSIONS, _MATERIALS)
        .order_by("order", "starts_on", "pk")
    ):
        workshops[workshop.series_id].append(workshop)
    participant_ids = [p.pk for p in participants]
    registrations = {r.workshop_id: r for r in Registration.objects.filter(participant_id__in=participant_ids)}
    attendance = {a.session_id: a for a in Attendance.objects.filter(participant_id__in=participant_ids)}
    feedback = {f.workshop_id: f for f in Feedback.objects.filter(participant_id__in=participant_ids)}
    timelines = []
    for participant in participants:
        series = participant.cohort.workshop_series
        views = []
        for workshop in workshops[series.pk]:
            sessions = list(workshop.sessions.all())
            started = any(s.starts_at <= now for s in sessions)
            registration = registrations.get(workshop.pk)
            views.append(
                WorkshopView(
                    workshop=workshop,
                    registration=registration,
                    attendance={s.pk: attendance[s.pk] for s in sessions if s.pk in attendance},
                    feedback=feedback.get(workshop.pk),
                    feedback_due=started
                    and workshop.pk not in feedback
                    and registration is not None
                    and registration.rsvp != Rsvp.NO,
                )
            )
        timelines.append(CohortTimeline(participant=participant, series=series, workshops=views))
    return timelines


def sessions_for_person(*, user, exclude_rsvp: str | None = None) -> QuerySet[Session]:
    """Sessions of the workshops the person is registered for (in cohorts they are active in),
    each with the person's answer for its workshop (`person_rsvp`)."""
    registrations = Registration.objects.filter(
        workshop=OuterRef("workshop"), participant__user=user, participant__is_active=True
    )
    if exclude_rsvp:
        registrations = registrations.exclude(rsvp=exclude_rsvp)
    return (
        Session.objects.select_related("workshop")
        .filter(Exists(registrations))
        .annotate(person_rsvp=Subquery(registrations.values("rsvp")[:1]))
        .order_by("starts_at", "pk")
    )


def participant_for_workshop(*, user, workshop: Workshop) -> Participant | None:
    if not user.is_authenticated:
        return None
    return Participant.objects.filter(cohort_id=workshop.series.cohort_id, user=user, is_active=True).first()


def workshop_get_for_participant(*, user, pk: int) -> tuple[Workshop, Participant]:
    """A workshop of one of the user's cohorts, and their participation; 404 otherwise."""
    workshop = Workshop.objects.select_related("series__cohort__program").filter(pk=pk).first()
    participant = participant_for_workshop(user=user, workshop=workshop) if workshop else None
    if participant is None:
        raise Http404("No such workshop.")
    return workshop, participant


def registration_get_for_participant(*, user, workshop_pk: int) -> Registration:
    registration = (
        Registration.objects.select_related("workshop__series__cohort", "participant")
        .filter(workshop_id=workshop_pk, participant__user=user, participant__is_active=True)
        .first()
    )
    if registration is None:
        raise Http404("No such registration.")
    return registration


def material_get_by_file_for_user(*, user, name: str) -> Material:
    """A material stored as `name` (a cloned series shares its files) that `user` may open;
    404 otherwise."""
    if not (user.is_authenticated and user.is_active) or not name:
        raise Http404("No such file.")
    materials = Material.objects.select_related("workshop__series__cohort").filter(file=name).order_by("pk")
    for material in materials:
        if is_cohort_participant(user, material) or is_workshop_staff(user, material):
            return material
    raise Http404("No such file.")


def material_get_for_user(*, user, pk: int) -> Material:
    """A material, for the cohort's participants and the program's staff only."""
    material = Material.objects.select_related("workshop__series__cohort").filter(pk=pk).first()
    if material is None or not (is_cohort_participant(user, material) or is_workshop_staff(user, material)):
        raise Http404("No such material.")
    return material


def session_get_for_user(*, user, pk: int) -> Session:
    session = Session.objects.select_related("workshop__series__cohort").filter(pk=pk).first()
    if session is None or not (is_cohort_participant(user, session) or is_workshop_staff(user, session)):
        raise Http404("No such session.")
    return session


# --- Staff -----------------------------------------------------------------------------------


def _scoped(queryset: QuerySet, *, user, path: str) -> QuerySet:
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return queryset.none()
    program_ids = program_ids_for_staff(user=user)
    return queryset if program_ids is None else queryset.filter(**{f"{path}__in": program_ids})


def _get_or_404(queryset: QuerySet, pk: int):
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise Http404("Not found.")
    return obj


def cohorts_for_staff(*, user) -> QuerySet[Cohort]:
    return _scoped(Cohort.objects.select_related("program", "workshop_series"), user=user, path="program")


def cohort_get_for_staff(*, user, pk: int) -> Cohort:
    return _get_or_404(cohorts_for_staff(user=user), pk)


def series_for_staff(*, user) -> QuerySet[WorkshopSeries]:
    return _scoped(
        WorkshopSeries.objects.select_related("cohort__program"), user=user, path="cohort__program"
    ).order_by("-starts_on")


def series_get_for_staff(*, user, pk: int) -> WorkshopSeries:
    return _get_or_404(series_for_staff(user=user), pk)


def workshop_get_for_staff(*, user, pk: int) -> Workshop:
    return _get_or_404(
        _scoped(Workshop.objects.select_related("series__cohort__program"), user=user, path="series__cohort__program"),
        pk,
    )


def session_get_for_staff(*, user, pk: int) -> Session:
    return _get_or_404(
        _scoped(
            Session.objects.select_related("workshop__series__cohort__program"),
            user=user,
            path="workshop__series__cohort__program",
        ),
        pk,
    )


def series_workshops(*, series: WorkshopSeries) -> list[Workshop]:
    return list(series.workshops.prefetch_related(_SESSIONS, _MATERIALS).order_by("order", "starts_on", "pk"))


def session_overlaps(workshops: list[Workshop]) -> set[int]:
    """Ids of scheduled sessions that overlap another session of the same cohort (the same
    participants cannot be in both)."""
    sessions = sorted(
        (s for w in workshops for s in w.sessions.all() if s.status == SessionStatus.SCHEDULED),
        key=lambda s: (s.starts_at, s.pk),
    )
    flagged: set[int] = set()
    latest = None
    for session in sessions:
        if latest is not None and session.starts_at < latest.ends_at:
            flagged.update({session.pk, latest.pk})
        if latest is None or session.ends_at > latest.ends_at:
            latest = session
    return flagged


@dataclass(frozen=True)
class MissedWorkshop:
    participant: Participant
    workshop: Workshop


def missed_required(
    *, series: WorkshopSeries, workshops: list[Workshop], now: datetime | None = None
) -> list[MissedWorkshop]:
    """Participants who were at no session (present, late or excused) of a required workshop
    that has ended: flagged to staff. Two queries."""
    now = now or timezone.now()
    ended = [
        w
        for w in workshops
        if w.required
        and [s for s in w.sessions.all() if s.status == SessionStatus.SCHEDULED]
        and max(s.ends_at for s in w.sessions.all() if s.status == SessionStatus.SCHEDULED) <= now
    ]
    if not ended:
        return []
    participants = list(
        Participant.objects.select_related("user", "organisation").filter(cohort_id=series.cohort_id, is_active=True)
    )
    came = set(
        Attendance.objects.filter(
            session__workshop__in=ended, status__in=[*ATTENDED, AttendanceStatus.EXCUSED]
        ).values_list("participant_id", "session__workshop_id")
    )
    return [MissedWorkshop(participant=p, workshop=w) for w in ended for p in participants if (p.pk, w.pk) not in came]


def attendance_list(*, session: Session, query: str = "") -> QuerySet[Participant]:
    """The cohort's participants for the door, with their attendance at this session and their
    RSVP, searchable by name, email or organisation. One query."""
    participants = (
        Participant.objects.select_related("user", "organisation")
        .filter(cohort_id=session.workshop.series.cohort_id, is_active=True)
        .annotate(
            attendance_status=Subquery(
                Attendance.objects.filter(session=session, participant=OuterRef("pk")).values("status")[:1]
            ),
            rsvp=Subquery(
                Registration.objects.filter(workshop_id=session.workshop_id, participant=OuterRef("pk")).values("rsvp")[
                    :1
                ]
            ),
        )
        .order_by("user__full_name", "pk")
    )
    query = query.strip()
    if query:
        participants = participants.filter(
            Q(user__full_name__icontains=query)
            | Q(user__email__icontains=query)
            | Q(organisation__name__icontains=query)
        )
    return participants


@dataclass(frozen=True)
class FeedbackSummary:
    answers: list[Feedback]
    distribution: list[tuple[int, int]]  # (rating, count) for 1..5
    average: float | None


def feedback_summary(*, workshop: Workshop) -> FeedbackSummary:
    answers = list(
        Feedback.objects.select_related("participant__user", "participant__organisation")
        .filter(workshop=workshop)
        .order_by("-submitted_at")
    )
    counts = Counter(answer.rating for answer in answers)
    average = round(sum(a.rating for a in answers) / len(answers), 2) if answers else None
    return FeedbackSummary(answers=answers, distribution=[(r, counts.get(r, 0)) for r in range(1, 6)], average=average)


def next_workshops_by_cohort(cohort_ids) -> dict[int, Workshop]:
    """Each cohort's next workshop (the first whose last day is today or later, in Bangkok),
    for the coaches' workspace (`settings.COACHING_NEXT_WORKSHOP_SELECTOR`): one query."""
    today = bangkok_now().date()
    upcoming = (
        Workshop.objects.filter(series__cohort_id__in=list(cohort_ids), ends_on__gte=today)
        .annotate(cohort_id=F("series__cohort_id"))
        .order_by("series__cohort_id", "starts_on", "pk")
    )
    found: dict[int, Workshop] = {}
    for workshop in upcoming:
        found.setdefault(workshop.cohort_id, workshop)
    return found
