"""Interviews of an interview phase: the slots staff publish and the applicants' bookings.

- `InterviewSlot`: one time at one place (or online link) for `capacity` applicants, scored
  by its `panel`. `seats_taken` counts the slot's live bookings; the services change it only
  with the slot's row locked, and the database refuses more than `capacity` (a check
  constraint), so two applicants racing for the last seat cannot both get it.
- `InterviewBooking`: one per application and phase (a unique constraint). Moving changes its
  slot and raises `sequence`; cancelling empties its slot and raises `sequence`; booking again
  after a cancellation reuses the row. Every version is kept in its history (who, when, why:
  booked, moved, cancelled), and `sequence` is the calendar event's SEQUENCE and the version
  in the keys of its emails and reminders.
- `InterviewReminder`: that the applicant was reminded (or told, by the confirmation) at one
  offset for one version of the booking: written with the outbox row, so planning never
  repeats or skips anyone (see `cohorts.services.interviews`).
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from cohorts.enums import PhaseKind
from cohorts.models.core import Application
from cohorts.models.phases import Phase
from incubator.dates import DateRangeValidator
from incubator.validators import TEXT_MAX, NoNulValidator, text_limit

SLOT_CAPACITY_MAX = 50
PLACE_MAX = 300


class InterviewSlot(models.Model):
    phase = models.ForeignKey(
        Phase,
        verbose_name=_("phase"),
        on_delete=models.CASCADE,
        related_name="interview_slots",
        limit_choices_to={"kind": PhaseKind.INTERVIEW},
    )
    starts_at = models.DateTimeField(_("starts at"), validators=[DateRangeValidator()])
    ends_at = models.DateTimeField(_("ends at"), validators=[DateRangeValidator()])
    place = models.CharField(_("place"), max_length=PLACE_MAX, blank=True, validators=[NoNulValidator()])
    online_url = models.URLField(_("online meeting link"), max_length=500, blank=True)
    capacity = models.PositiveSmallIntegerField(
        _("places"), default=1, validators=[MinValueValidator(1), MaxValueValidator(SLOT_CAPACITY_MAX)]
    )
    seats_taken = models.PositiveSmallIntegerField(_("places booked"), default=0, editable=False)
    panel = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("panel"),
        related_name="interview_slots",
        blank=True,
        help_text=_("The people who interview and score in this slot."),
    )
    note = models.TextField(_("note for applicants"), blank=True, **text_limit(TEXT_MAX))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("interview slot")
        verbose_name_plural = _("interview slots")
        ordering = ["phase", "starts_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="interview_slot_ends_after_start"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="interview_slot_capacity_positive"),
            models.CheckConstraint(
                condition=Q(seats_taken__lte=F("capacity")), name="interview_slot_not_over_capacity"
            ),
            models.CheckConstraint(condition=~Q(place="") | ~Q(online_url=""), name="interview_slot_place_or_link"),
        ]
        indexes = [models.Index(fields=["phase", "starts_at"], name="interview_slot_phase_start_idx")]

    def __str__(self) -> str:
        from incubator.dates import format_date

        return format_date(self.starts_at, with_time=True)

    @property
    def seats_free(self) -> int:
        return max(0, self.capacity - self.seats_taken)


class BookingStatus(models.TextChoices):
    BOOKED = "booked", pgettext_lazy("interview booking", "Booked")
    CANCELLED = "cancelled", pgettext_lazy("interview booking", "Cancelled")


class InterviewBooking(models.Model):
    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.CASCADE, related_name="interview_bookings"
    )
    phase = models.ForeignKey(
        Phase, verbose_name=_("phase"), on_delete=models.CASCADE, related_name="interview_bookings"
    )
    slot = models.ForeignKey(
        InterviewSlot,
        verbose_name=_("interview slot"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="bookings",
    )
    status = models.CharField(_("status"), max_length=10, choices=BookingStatus.choices, default=BookingStatus.BOOKED)
    sequence = models.PositiveIntegerField(_("version"), default=0)
    booked_at = models.DateTimeField(_("booked at"), default=timezone.now, validators=[DateRangeValidator()])
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True, validators=[DateRangeValidator()])
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("interview booking")
        verbose_name_plural = _("interview bookings")
        ordering = ["phase", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["application", "phase"], name="interview_booking_one_per_phase"),
            models.CheckConstraint(
                condition=(Q(status=BookingStatus.BOOKED) & Q(slot__isnull=False))
                | (Q(status=BookingStatus.CANCELLED) & Q(slot__isnull=True)),
                name="interview_booking_slot_when_booked",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application} · {self.slot or self.get_status_display()}"


class InterviewReminder(models.Model):
    """That the applicant was reminded at one offset for one version of the booking."""

    booking = models.ForeignKey(InterviewBooking, on_delete=models.CASCADE, related_name="reminders")
    offset_hours = models.PositiveIntegerField(_("hours before the interview"))
    sequence = models.PositiveIntegerField(_("booking version"))
    queued_at = models.DateTimeField(_("queued at"), default=timezone.now, validators=[DateRangeValidator()])

    class Meta:
        verbose_name = _("interview reminder")
        verbose_name_plural = _("interview reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["booking", "offset_hours", "sequence"], name="interview_reminder_once_per_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.booking_id} -{self.offset_hours}h v{self.sequence}"
