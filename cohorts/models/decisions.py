"""Staged decisions and the waiting list.

- `PendingDecision`: a decision staff prepared for one handed-in application (accept,
  waitlist, reject or shortlist), changed freely and emailed to nobody until staff send the
  cohort's batch (`cohorts.services.staging.decisions_send`), which then deletes it.
- `WaitlistSpot`: where a waitlisted application stands on the waiting list once the batch is
  sent (lowest position moves up first); written by the batch, read by the promotion.
- `PlaceFreed`: that an accepted applicant declined their place, written once per declined
  application (its unique key is what makes "one promotion per declined place" hold under
  concurrency), with the application that moved up into the place, if any.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cohorts.enums import DECISION_STATUSES, ApplicationStatus
from cohorts.models.core import Application, Cohort
from incubator.dates import DateRangeValidator
from incubator.validators import text_limit

DECISION_NOTE_MAX = 500
WAITLIST_POSITION_MAX = 10_000


class PendingDecision(models.Model):
    cohort = models.ForeignKey(
        Cohort, verbose_name=_("cohort"), on_delete=models.CASCADE, related_name="pending_decisions"
    )
    application = models.OneToOneField(
        Application, verbose_name=_("application"), on_delete=models.CASCADE, related_name="pending_decision"
    )
    status = models.CharField(_("decision"), max_length=16, choices=[(s.value, s.label) for s in DECISION_STATUSES])
    waitlist_position = models.PositiveIntegerField(
        _("waiting list position"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(WAITLIST_POSITION_MAX)],
        help_text=_("For the waiting list: 1 moves up first."),
    )
    note = models.TextField(_("note for staff"), blank=True, **text_limit(DECISION_NOTE_MAX))
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("prepared by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    prepared_at = models.DateTimeField(_("prepared at"), default=timezone.now, validators=[DateRangeValidator()])

    class Meta:
        verbose_name = _("staged decision")
        verbose_name_plural = _("staged decisions")
        ordering = ["cohort", "application"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in DECISION_STATUSES]), name="pending_decision_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(waitlist_position__isnull=True) | Q(status=ApplicationStatus.WAITLISTED),
                name="pending_decision_position_only_waitlisted",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.get_status_display()}"


class WaitlistSpot(models.Model):
    cohort = models.ForeignKey(Cohort, verbose_name=_("cohort"), on_delete=models.CASCADE, related_name="+")
    application = models.OneToOneField(
        Application, verbose_name=_("application"), on_delete=models.CASCADE, related_name="waitlist_spot"
    )
    position = models.PositiveIntegerField(
        _("waiting list position"), validators=[MinValueValidator(1), MaxValueValidator(WAITLIST_POSITION_MAX)]
    )

    class Meta:
        verbose_name = _("waiting list position")
        verbose_name_plural = _("waiting list positions")
        ordering = ["cohort", "position", "application"]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.position}"


class PlaceFreed(models.Model):
    cohort = models.ForeignKey(Cohort, verbose_name=_("cohort"), on_delete=models.CASCADE, related_name="+")
    declined = models.OneToOneField(
        Application, verbose_name=_("declined application"), on_delete=models.CASCADE, related_name="place_freed"
    )
    promoted = models.OneToOneField(
        Application,
        verbose_name=_("application moved up"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="promoted_into",
    )
    freed_at = models.DateTimeField(_("freed at"), default=timezone.now, validators=[DateRangeValidator()])

    class Meta:
        verbose_name = _("place freed")
        verbose_name_plural = _("places freed")
        ordering = ["cohort", "freed_at"]

    def __str__(self) -> str:
        return f"{self.declined_id} → {self.promoted_id or '–'}"
