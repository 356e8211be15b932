"""Reads for the interview pages: a phase's slots for its staff, the open slots and the
booking for the applicant. Each page gets a fixed number of queries, whatever the number of
slots, bookings and panel members."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.db.models import F, Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from cohorts.access import program_ids_for_staff, scope_to_programs
from cohorts.enums import PhaseKind
from cohorts.models import Application, BookingStatus, InterviewBooking, InterviewSlot, Phase


def interview_phase_for(application: Application) -> Phase | None:
    """The interview phase the application stands in, or None (no query without a phase)."""
    phase = application.phase
    return phase if phase is not None and phase.kind == PhaseKind.INTERVIEW else None


def interview_phase_get_for_staff(*, user, pk: int) -> Phase:
    """An interview phase of a program the staff member runs, with its cohort; 404 otherwise."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        raise Http404("No such phase.")
    phases = Phase.objects.select_related("cohort__program").filter(pk=pk, kind=PhaseKind.INTERVIEW)
    phase = scope_to_programs(phases, program_ids_for_staff(user=user)).first()
    if phase is None:
        raise Http404("No such phase.")
    return phase


def interview_slots_for_staff(*, phase: Phase) -> list[InterviewSlot]:
    """The phase's slots in time order, each with its panel and its live bookings (with the
    applicants): three queries."""
    from django.contrib.auth import get_user_model

    bookings = InterviewBooking.objects.filter(status=BookingStatus.BOOKED).select_related("application__applicant")
    panel = get_user_model().objects.order_by("full_name", "email")
    return list(
        InterviewSlot.objects.filter(phase=phase)
        .prefetch_related(
            Prefetch("bookings", queryset=bookings.order_by("booked_at", "pk"), to_attr="live_bookings"),
            Prefetch("panel", queryset=panel),
        )
        .order_by("starts_at", "pk")
    )


def interview_application_get_for_applicant(user, pk: int) -> Application:
    """The user's own application `pk`, standing in an interview phase, with its cohort and
    phase; 404 if it is someone else's, does not exist or is not at an interview."""
    if not user.is_authenticated:
        raise Http404("No such application.")
    application = (
        Application.objects.select_related("cohort__program", "phase", "applicant")
        .filter(pk=pk, applicant=user, phase__kind=PhaseKind.INTERVIEW)
        .first()
    )
    if application is None:
        raise Http404("No such application.")
    return application


def interview_booking_for(*, application: Application) -> InterviewBooking | None:
    """The application's booking in the interview phase it stands in (live or cancelled)."""
    if application.phase_id is None:
        return None
    return (
        InterviewBooking.objects.select_related("slot__phase", "phase")
        .filter(application=application, phase_id=application.phase_id)
        .first()
    )


def interview_slots_open(*, phase: Phase, now: datetime | None = None, exclude: Sequence[int] = ()) -> QuerySet:
    """The phase's slots that still take bookings: before their cut-off and not full."""
    now = now or timezone.now()
    return (
        InterviewSlot.objects.filter(
            phase=phase,
            starts_at__gt=now + timedelta(hours=phase.booking_cutoff_hours),
            seats_taken__lt=F("capacity"),
        )
        .exclude(pk__in=exclude)
        .select_related("phase")
        .order_by("starts_at", "pk")
    )
