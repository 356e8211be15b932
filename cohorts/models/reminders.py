"""Reviewer reminders before a phase's review deadline (see `cohorts.services.review_reminders`).

`ReviewReminder(phase, reviewer, offset_days)` is the "sent once" row: written in the same
transaction as the outbox row of the email, unique per phase, reviewer and offset, so planning
selects "window open and no row yet" and never repeats or skips anyone. A row whose `emailed`
is false was covered by a nearer reminder (beat was down across several offsets) and sent nothing.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incubator.dates import DateRangeValidator


class ReviewReminder(models.Model):
    phase = models.ForeignKey(
        "cohorts.Phase", verbose_name=_("phase"), on_delete=models.CASCADE, related_name="review_reminders"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        on_delete=models.CASCADE,
        related_name="review_reminders",
    )
    offset_days = models.PositiveSmallIntegerField(_("days before the review deadline"))
    deadline = models.DateTimeField(_("review deadline"), validators=[DateRangeValidator()])
    pending = models.PositiveIntegerField(_("reviews pending"), default=0)
    emailed = models.BooleanField(
        _("emailed"), default=True, help_text=_("No: covered by a nearer reminder, nothing was sent for it.")
    )
    queued_at = models.DateTimeField(_("queued at"), default=timezone.now, validators=[DateRangeValidator()])

    class Meta:
        verbose_name = _("reviewer reminder")
        verbose_name_plural = _("reviewer reminders")
        ordering = ["-queued_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["phase", "reviewer", "offset_days"], name="review_reminder_unique_phase_reviewer_offset"
            )
        ]

    def __str__(self) -> str:
        return f"{self.phase_id}/{self.reviewer_id} -{self.offset_days}d"
