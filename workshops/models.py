"""The workshop series of a cohort: workshops, sessions, registration, attendance, feedback,
calendar feeds and the "sent once" rows of reminders and notices.

Models stay thin; every change goes through `workshops/services/`.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cohorts.models import Cohort, Participant
from incubator.dates import DateRangeValidator
from incubator.geo import PROVINCE_MODEL_CHOICES
from incubator.storage import opaque_name, private_storage
from incubator.validators import (
    MATERIAL_EXTENSIONS,
    MATERIAL_MAX_BYTES,
    MESSAGE_MAX,
    NOTE_MAX,
    TEXT_MAX,
    UploadValidator,
    extension_of,
    text_limit,
)
from workshops.enums import AttendanceStatus, NoticeKind, Rsvp, SessionStatus


def default_session_offsets() -> list[int]:
    """Hours before a session: 7 days, 1 day, 2 hours."""
    return [168, 24, 2]


def _english() -> bool:
    return (get_language() or "th").startswith("en")


class WorkshopSeries(models.Model):
    cohort = models.OneToOneField(
        Cohort, verbose_name=_("cohort"), on_delete=models.CASCADE, related_name="workshop_series"
    )
    starts_on = models.DateField(_("starts on"), validators=[DateRangeValidator()])
    reminder_offsets = models.JSONField(
        _("session reminders (hours before)"),
        default=default_session_offsets,
        blank=True,
        help_text=_("Hours before each session at which participants are reminded, e.g. [168, 24, 2]."),
    )
    rsvp_reminder_days = models.PositiveSmallIntegerField(
        _("RSVP reminder (days before)"),
        default=14,
        help_text=_("People who have not answered an optional workshop are reminded this many days before it."),
    )
    followup_hours = models.PositiveSmallIntegerField(
        _("follow-up (hours after)"),
        default=24,
        help_text=_("Hours after a workshop's last session ends when the follow-up with the feedback link goes out."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("workshop series")
        verbose_name_plural = _("workshop series")
        ordering = ["-starts_on"]

    def __str__(self) -> str:
        return str(self.cohort)


def material_upload_to(instance: Material, filename: str) -> str:
    """A random name in the private storage, keeping only the file's type: handed out by
    `workshops.views.participant.material_file` to the cohort and its program's staff, under
    the material's title."""
    return opaque_name("materials", extension=extension_of(filename))


class Workshop(models.Model):
    series = models.ForeignKey(
        WorkshopSeries, verbose_name=_("series"), on_delete=models.CASCADE, related_name="workshops"
    )
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    title = models.CharField(_("title (Thai)"), max_length=255)
    title_en = models.CharField(_("title (English)"), max_length=255, blank=True)
    description = models.TextField(_("description (Thai)"), blank=True, **text_limit(TEXT_MAX))
    description_en = models.TextField(_("description (English)"), blank=True, **text_limit(TEXT_MAX))
    starts_on = models.DateField(_("first day"), validators=[DateRangeValidator()])
    ends_on = models.DateField(_("last day"), validators=[DateRangeValidator()])
    venue = models.CharField(_("venue"), max_length=255, blank=True)
    province = models.CharField(_("province"), max_length=6, choices=PROVINCE_MODEL_CHOICES, blank=True)
    online_url = models.URLField(_("online link"), blank=True)
    facilitators = models.CharField(_("facilitators"), max_length=500, blank=True)
    preparation = models.TextField(_("what to prepare"), blank=True, **text_limit(TEXT_MAX))
    required = models.BooleanField(
        pgettext_lazy("workshop", "required"),
        default=True,
        help_text=_("Required workshops register every participant."),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("workshop")
        verbose_name_plural = _("workshops")
        ordering = ["series", "order", "starts_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="workshop_ends_after_start"),
        ]

    def __str__(self) -> str:
        return self.display_title

    @property
    def display_title(self) -> str:
        return self.title_en if _english() and self.title_en else self.title

    @property
    def display_description(self) -> str:
        return self.description_en if _english() and self.description_en else self.description


class Material(models.Model):
    """A file for a workshop, downloadable by the cohort's participants and staff only."""

    workshop = models.ForeignKey(
        Workshop, verbose_name=_("workshop"), on_delete=models.CASCADE, related_name="materials"
    )
    title = models.CharField(_("title"), max_length=255)
    file = models.FileField(
        _("file"),
        upload_to=material_upload_to,
        storage=private_storage,
        max_length=300,
        validators=[UploadValidator(extensions=MATERIAL_EXTENSIONS, max_bytes=MATERIAL_MAX_BYTES)],
        help_text=_("PDF, Word, Excel, PowerPoint or a picture (JPG, PNG), at most 20 MB."),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now, validators=[DateRangeValidator()])

    class Meta:
        verbose_name = _("material")
        verbose_name_plural = _("materials")
        ordering = ["workshop", "pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def download_name(self) -> str:
        """The title, with the stored file's type: "แผ่นงานกลยุทธ์.pdf"."""
        extension = extension_of(self.file.name)
        return f"{self.title}.{extension}" if extension else self.title


class Session(models.Model):
    workshop = models.ForeignKey(
        Workshop, verbose_name=_("workshop"), on_delete=models.CASCADE, related_name="sessions"
    )
    title = models.CharField(_("title"), max_length=255, blank=True)
    starts_at = models.DateTimeField(_("starts at"), validators=[DateRangeValidator()])
    ends_at = models.DateTimeField(_("ends at"), validators=[DateRangeValidator()])
    room = models.CharField(_("room"), max_length=200, blank=True)
    facilitator = models.CharField(_("facilitator"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED
    )
    sequence = models.PositiveIntegerField(
        _("revision"), default=0, help_text=_("Raised on every move or cancellation (calendar SEQUENCE).")
    )
    change_reason = models.TextField(_("reason of the last change"), blank=True, **text_limit(NOTE_MAX))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="session_ends_after_start"),
        ]
        indexes = [models.Index(fields=["status", "starts_at"], name="session_status_start_idx")]

    def __str__(self) -> str:
        return self.title or str(self.workshop)

    @property
    def is_cancelled(self) -> bool:
        return self.status == SessionStatus.CANCELLED


class Registration(models.Model):
    """A participant on a workshop: automatic for required ones, by RSVP for optional ones;
    with what they need to attend."""

    workshop = models.ForeignKey(
        Workshop, verbose_name=_("workshop"), on_delete=models.CASCADE, related_name="registrations"
    )
    participant = models.ForeignKey(
        Participant, verbose_name=_("participant"), on_delete=models.CASCADE, related_name="workshop_registrations"
    )
    rsvp = models.CharField(_("RSVP"), max_length=8, choices=Rsvp.choices, default=Rsvp.PENDING)
    reason = models.TextField(_("why they cannot come"), blank=True, **text_limit(NOTE_MAX))
    needs_travel = models.BooleanField(_("needs travel support"), default=False)
    needs_accommodation = models.BooleanField(_("needs accommodation"), default=False)
    travel_notes = models.TextField(_("travel and accommodation notes"), blank=True, **text_limit(NOTE_MAX))
    dietary_needs = models.CharField(_("dietary needs"), max_length=255, blank=True)
    responded_at = models.DateTimeField(_("answered at"), null=True, blank=True, validators=[DateRangeValidator()])
    created_at = models.DateTimeField(_("registered at"), default=timezone.now, validators=[DateRangeValidator()])

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["workshop", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["workshop", "participant"], name="registration_unique_participant"),
        ]

    def __str__(self) -> str:
        return f"{self.participant.user} · {self.workshop}"


class Attendance(models.Model):
    session = models.ForeignKey(Session, verbose_name=_("session"), on_delete=models.CASCADE, related_name="attendance")
    participant = models.ForeignKey(
        Participant, verbose_name=_("participant"), on_delete=models.CASCADE, related_name="workshop_attendance"
    )
    status = models.CharField(_("attendance"), max_length=8, choices=AttendanceStatus.choices)
    marked_at = models.DateTimeField(_("marked at"), default=timezone.now, validators=[DateRangeValidator()])
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("marked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        ordering = ["session", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["session", "participant"], name="attendance_unique_participant"),
        ]

    def __str__(self) -> str:
        return f"{self.participant.user} · {self.get_status_display()}"


class Feedback(models.Model):
    workshop = models.ForeignKey(
        Workshop, verbose_name=_("workshop"), on_delete=models.CASCADE, related_name="feedback"
    )
    participant = models.ForeignKey(
        Participant, verbose_name=_("participant"), on_delete=models.CASCADE, related_name="workshop_feedback"
    )
    learned = models.TextField(_("what you learned"), **text_limit(TEXT_MAX))
    will_try = models.TextField(_("what you will try before the next workshop"), **text_limit(TEXT_MAX))
    rating = models.PositiveSmallIntegerField(
        _("rating (1-5)"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now, validators=[DateRangeValidator()])

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        ordering = ["workshop", "-submitted_at"]
        constraints = [
            models.UniqueConstraint(fields=["workshop", "participant"], name="feedback_unique_participant"),
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="feedback_rating_1_5"),
        ]

    def __str__(self) -> str:
        return f"{self.participant.user} · {self.workshop} · {self.rating}"


def new_feed_token() -> str:
    return secrets.token_urlsafe(24)


class CalendarFeed(models.Model):
    """A person's private calendar URL; revoking gives a new token and the old URL answers 404."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(_("token"), max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, validators=[DateRangeValidator()])

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return str(self.user)


class SessionReminder(models.Model):
    """That a participant was reminded of a session (at its current revision) at one offset;
    written with the outbox row, so planning never repeats or skips anyone."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="reminders")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    offset_hours = models.PositiveIntegerField(_("hours before"))
    sequence = models.PositiveIntegerField(_("session revision"), default=0)
    queued_at = models.DateTimeField(_("queued at"), default=timezone.now, validators=[DateRangeValidator()])

    class Meta:
        verbose_name = _("session reminder")
        verbose_name_plural = _("session reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "participant", "offset_hours", "sequence"], name="session_reminder_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session_id}/{self.participant_id} -{self.offset_hours}h"


class WorkshopNotice(models.Model):
    """That a participant got a workshop-level notice (RSVP reminder, follow-up) once."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="notices")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=NoticeKind.choices)
    queued_at = models.DateTimeField(_("queued at"), default=timezone.now, validators=[DateRangeValidator()])

    class Meta:
        verbose_name = _("workshop notice")
        verbose_name_plural = _("workshop notices")
        constraints = [
            models.UniqueConstraint(fields=["workshop", "participant", "kind"], name="workshop_notice_once"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.workshop_id}/{self.participant_id}"


class ReminderText(models.Model):
    """Staff's own words for the session reminder of a series, per language. Plain text with
    a few {placeholders}; never template code."""

    series = models.ForeignKey(
        WorkshopSeries, verbose_name=_("series"), on_delete=models.CASCADE, related_name="reminder_texts"
    )
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES)
    body = models.TextField(_("text"), **text_limit(NOTE_MAX))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("reminder text")
        verbose_name_plural = _("reminder texts")
        constraints = [models.UniqueConstraint(fields=["series", "language"], name="reminder_text_unique_language")]

    def __str__(self) -> str:
        return f"{self.series} · {self.language}"


class Announcement(models.Model):
    series = models.ForeignKey(
        WorkshopSeries, verbose_name=_("series"), on_delete=models.CASCADE, related_name="announcements"
    )
    workshop = models.ForeignKey(
        Workshop,
        verbose_name=_("workshop"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        help_text=_("Leave empty to write to the whole cohort."),
    )
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"), **text_limit(MESSAGE_MAX))
    recipients = models.PositiveIntegerField(_("recipients"), default=0)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("sent by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now, validators=[DateRangeValidator()])

    class Meta:
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return self.subject
