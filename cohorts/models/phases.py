"""Selection phases of a call (a cohort's selection): eligibility screening, scored review,
interview or pitch, final decision. Each phase has its dates, its own rubric (`Criterion.phase`)
and its own reviewers (`ReviewAssignment.phase`); an application stands in one phase at a time
(`Application.phase`) and moves on by a staff decision.

A cohort without phases selects as before: its rubric and reviews have no phase.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from cohorts.enums import PhaseKind, default_review_reminder_days
from cohorts.models.core import BilingualNameMixin, Cohort
from incubator.dates import DateRangeValidator
from incubator.validators import TEXT_MAX, text_limit


class Phase(BilingualNameMixin, models.Model):
    cohort = models.ForeignKey(Cohort, verbose_name=_("cohort"), on_delete=models.CASCADE, related_name="phases")
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    kind = models.CharField(_("kind"), max_length=12, choices=PhaseKind.choices, default=PhaseKind.REVIEW)
    name = models.CharField(_("name (Thai)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    description = models.TextField(
        _("what happens in this phase (Thai)"),
        blank=True,
        **text_limit(TEXT_MAX),
        help_text=_("Shown to applicants whose application is in this phase."),
    )
    description_en = models.TextField(_("what happens in this phase (English)"), blank=True, **text_limit(TEXT_MAX))
    starts_at = models.DateTimeField(_("starts at"), null=True, blank=True, validators=[DateRangeValidator()])
    review_deadline = models.DateTimeField(
        _("review deadline"), null=True, blank=True, validators=[DateRangeValidator()]
    )
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True, validators=[DateRangeValidator()])
    # Review.
    reviewers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewers"),
        related_name="review_phases",
        blank=True,
        help_text=_("The people who review in this phase; automatic assignment chooses among them."),
    )
    reviewers_per_application = models.PositiveSmallIntegerField(
        _("reviewers per application"), default=2, validators=[MinValueValidator(1), MaxValueValidator(20)]
    )
    max_reviews_per_reviewer = models.PositiveIntegerField(
        _("most reviews per reviewer"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Empty: loads are kept within one of each other."),
    )
    reminder_days = models.JSONField(
        _("reviewer reminders (days before the deadline)"),
        default=default_review_reminder_days,
        blank=True,
        help_text=_(
            "Days before the review deadline at which reviewers with pending reviews are reminded, e.g. [3, 1]."
        ),
    )
    # Blind review.
    is_blind = models.BooleanField(
        _("blind review"),
        default=False,
        help_text=_("Reviewers see no name, email, organisation, file name or identifying answer."),
    )
    blind_lifted_at = models.DateTimeField(
        _("blind lifted at"), null=True, blank=True, validators=[DateRangeValidator()]
    )
    blind_lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("blind lifted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Interviews.
    booking_cutoff_hours = models.PositiveSmallIntegerField(
        _("interview bookings can be moved until (hours before)"),
        default=24,
        validators=[MaxValueValidator(24 * 30)],
    )
    # What applicants see.
    scores_published = models.BooleanField(
        _("scores shown to applicants"),
        default=False,
        help_text=_("Applicants see their scores in this phase once staff publish them."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("selection phase")
        verbose_name_plural = _("selection phases")
        ordering = ["cohort", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["cohort", "order"], name="phase_unique_cohort_order"),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(starts_at__isnull=True) | Q(ends_at__gt=F("starts_at")),
                name="phase_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.display_name}"

    @property
    def display_description(self) -> str:
        from django.utils.translation import get_language

        if (get_language() or "th").startswith("en") and self.description_en:
            return self.description_en
        return self.description

    @property
    def is_blind_now(self) -> bool:
        """Blind and not lifted: what every reviewer page, file and email checks."""
        return self.is_blind and self.blind_lifted_at is None
