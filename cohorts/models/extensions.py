"""More time for one person: a deadline extension or a late-entry link (issue 16, item 9).

A `DeadlineExtension` gives one person of one call a later deadline (`until`). Either staff
grant it to an applicant who has an account (`person` set), or they send a late-entry link
to an address (`email` set, `person` empty) and opening the link binds it to the account with
that address. Only `cohorts.selectors.deadlines` reads it to answer "until when may this person
start, edit or submit?"; only `cohorts.services.extensions` writes it.

An extension counts while it is not revoked (`revoked_at` empty); a person has at most one
such extension per call (constraint). `until` is after the call's deadline and within
`EXTENSION_MAX_DAYS` of it (checked by the service, which knows the deadline).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cohorts.models.core import Cohort
from incubator.dates import DateRangeValidator
from incubator.validators import text_limit

EXTENSION_REASON_MAX = 500
# The latest `until` staff may give, in days after the call's deadline.
EXTENSION_MAX_DAYS = 60


class DeadlineExtension(models.Model):
    cohort = models.ForeignKey(
        Cohort, verbose_name=_("cohort"), on_delete=models.CASCADE, related_name="deadline_extensions"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deadline_extensions",
        help_text=_("Empty for a late-entry link that nobody has opened yet."),
    )
    email = models.EmailField(
        _("email address"), blank=True, help_text=_("Where the late-entry link was sent; the account must match.")
    )
    is_late_entry = models.BooleanField(_("late-entry link"), default=False)
    until = models.DateTimeField(_("new deadline"), validators=[DateRangeValidator()])
    reason = models.TextField(_("reason"), **text_limit(EXTENSION_REASON_MAX))
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("granted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now, validators=[DateRangeValidator()])
    used_at = models.DateTimeField(_("used at"), null=True, blank=True, validators=[DateRangeValidator()])
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, validators=[DateRangeValidator()])
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("deadline extension")
        verbose_name_plural = _("deadline extensions")
        ordering = ["-granted_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(person__isnull=False) | ~Q(email=""), name="extension_person_or_email"),
            models.UniqueConstraint(
                fields=["cohort", "person"],
                condition=Q(revoked_at__isnull=True, person__isnull=False),
                name="extension_one_active_per_person",
            ),
        ]
        indexes = [models.Index(fields=["person", "cohort"], name="extension_person_cohort_idx")]

    def __str__(self) -> str:
        return f"{self.person or self.email} · {self.cohort_id} → {self.until:%Y-%m-%d %H:%M}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class ExtensionReminder(models.Model):
    """That the holder of an extension was reminded of their own deadline at one offset:
    written with the outbox row (key `extension-reminder:<extension>:<offset>`), so planning
    selects "window open and no row yet" and never repeats or skips anyone. Per extension, not
    per application: a new extension (a later `until`) reminds again."""

    extension = models.ForeignKey(DeadlineExtension, on_delete=models.CASCADE, related_name="reminders")
    offset_hours = models.PositiveIntegerField(_("hours before the deadline"))
    queued_at = models.DateTimeField(_("queued at"), default=timezone.now, validators=[DateRangeValidator()])

    class Meta:
        verbose_name = _("extension reminder")
        verbose_name_plural = _("extension reminders")
        constraints = [
            models.UniqueConstraint(fields=["extension", "offset_hours"], name="extension_reminder_unique_offset")
        ]

    def __str__(self) -> str:
        return f"{self.extension_id} -{self.offset_hours}h"
