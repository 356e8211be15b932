from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cohorts.enums import (
    ApplicationStatus,
    CohortStatus,
    OrganisationKind,
    OrganisationSize,
    ParticipantRole,
    QuestionKind,
    ReviewState,
    TrackKind,
)
from incubator.dates import DateRangeValidator
from incubator.geo import PROVINCE_MODEL_CHOICES, Region
from incubator.storage import opaque_name, private_storage
from incubator.validators import DOCUMENT_MAX, TEXT_MAX, text_limit

# Longest answers the forms and the model accept (characters): about two pages of Thai text
# for the long answers. The forms show the limit and a live count (static/js/char-count.js).
LONG_ANSWER_MAX = 3000
MEDIUM_ANSWER_MAX = 2000
QUESTION_ANSWER_MAX = 5000
REVIEW_COMMENT_MAX = 3000


def _limited(limit: int) -> dict:
    """`max_length` (forms) plus validators (services' full_clean): TextField enforces neither."""
    return text_limit(limit)


def default_reminder_offsets() -> list[int]:
    """Hours before the deadline: 7 days, 1 day, 3 hours."""
    return [168, 24, 3]


class BilingualNameMixin:
    """`display_name` picks the English name when English is active and one is given."""

    @property
    def display_name(self) -> str:
        if (get_language() or "th").startswith("en") and getattr(self, "name_en", ""):
            return self.name_en
        return self.name


class Program(BilingualNameMixin, models.Model):
    name = models.CharField(_("name (Thai)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    slug = models.SlugField(_("slug"), unique=True)
    description = models.TextField(_("description (Thai)"), blank=True, **text_limit(TEXT_MAX))
    description_en = models.TextField(_("description (English)"), blank=True, **text_limit(TEXT_MAX))
    supports = models.JSONField(_("support offered"), default=list, blank=True)
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("program staff"),
        related_name="staffed_programs",
        blank=True,
        help_text=_("Staff members who run this program; they see only their programs' applicants."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    retention_months = models.PositiveSmallIntegerField(
        _("keep applications not accepted for (months)"),
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text=_(
            "After this many months from the decision (or the close of the call), the answers and files of "
            "applications not accepted are deleted; the program's staff are told a week before."
        ),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("program")
        verbose_name_plural = _("programs")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.display_name


class Cohort(models.Model):
    program = models.ForeignKey(Program, verbose_name=_("program"), on_delete=models.PROTECT, related_name="cohorts")
    number = models.PositiveIntegerField(_("cohort number"))
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), unique=True)
    status = models.CharField(_("status"), max_length=12, choices=CohortStatus.choices, default=CohortStatus.DRAFT)
    call_text = models.TextField(_("call for applications"), blank=True, **text_limit(DOCUMENT_MAX))
    applications_open_at = models.DateTimeField(_("applications open at"), validators=[DateRangeValidator()])
    applications_close_at = models.DateTimeField(_("application deadline"), validators=[DateRangeValidator()])
    starts_on = models.DateField(_("starts on"), null=True, blank=True, validators=[DateRangeValidator()])
    ends_on = models.DateField(_("ends on"), null=True, blank=True, validators=[DateRangeValidator()])
    reminder_offsets = models.JSONField(
        _("deadline reminders (hours before)"),
        default=default_reminder_offsets,
        blank=True,
        help_text=_("Hours before the deadline at which draft holders are reminded, e.g. [168, 24, 3]."),
    )
    privacy_notice = models.TextField(_("privacy notice"), blank=True, **text_limit(DOCUMENT_MAX))
    privacy_notice_version = models.CharField(_("privacy notice version"), max_length=20, default="1.0")
    waitlist_auto_promote = models.BooleanField(
        _("move the waiting list up automatically"),
        default=False,
        help_text=_(
            "When an accepted applicant declines, the first on the waiting list is accepted and emailed at once; "
            "otherwise staff are told that a place is free."
        ),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("cohort")
        verbose_name_plural = _("cohorts")
        ordering = ["-applications_close_at"]
        constraints = [
            models.UniqueConstraint(fields=["program", "number"], name="cohort_unique_program_number"),
            models.CheckConstraint(
                condition=Q(applications_close_at__gt=F("applications_open_at")), name="cohort_close_after_open"
            ),
        ]
        indexes = [models.Index(fields=["status", "applications_close_at"], name="cohort_status_close_idx")]

    def __str__(self) -> str:
        return f"{self.program.display_name} · {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("cohorts:call_detail", kwargs={"slug": self.slug})

    def is_accepting(self, at=None) -> bool:
        at = at or timezone.now()
        return self.status == CohortStatus.OPEN and self.applications_open_at <= at < self.applications_close_at


class Track(BilingualNameMixin, models.Model):
    cohort = models.ForeignKey(Cohort, verbose_name=_("cohort"), on_delete=models.CASCADE, related_name="tracks")
    kind = models.CharField(_("kind"), max_length=20, choices=TrackKind.choices)
    name = models.CharField(_("name (Thai)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True, **text_limit(TEXT_MAX))
    capacity = models.PositiveIntegerField(_("capacity"), default=0, help_text=_("Places in this track; 0 = open."))

    class Meta:
        verbose_name = _("track")
        verbose_name_plural = _("tracks")
        ordering = ["cohort", "pk"]
        constraints = [models.UniqueConstraint(fields=["cohort", "kind"], name="track_unique_cohort_kind")]

    def __str__(self) -> str:
        return self.display_name


class Organisation(models.Model):
    name = models.CharField(_("name"), max_length=255)
    kind = models.CharField(_("kind"), max_length=30, choices=OrganisationKind.choices)
    province = models.CharField(_("province"), max_length=6, choices=PROVINCE_MODEL_CHOICES)
    region = models.CharField(_("region"), max_length=12, choices=Region.choices, editable=False)
    focus_areas = models.JSONField(_("focus areas"), default=list, blank=True)
    size = models.CharField(_("size"), max_length=8, choices=OrganisationSize.choices, blank=True)
    website = models.URLField(_("website"), blank=True)
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    needs = models.JSONField(_("needs"), default=list, blank=True)
    description = models.TextField(_("about the organisation"), blank=True, **_limited(LONG_ANSWER_MAX))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        indexes = [models.Index(fields=["province"], name="org_province_idx")]

    def __str__(self) -> str:
        return self.name


class Question(models.Model):
    """A cohort's own question on the application form, defined by staff in admin."""

    cohort = models.ForeignKey(Cohort, verbose_name=_("cohort"), on_delete=models.CASCADE, related_name="questions")
    track = models.ForeignKey(
        Track,
        verbose_name=_("track"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        help_text=_("Leave empty to ask every track."),
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    text = models.CharField(_("question (Thai)"), max_length=500)
    text_en = models.CharField(_("question (English)"), max_length=500, blank=True)
    help_text = models.CharField(_("help text"), max_length=500, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=QuestionKind.choices, default=QuestionKind.LONG_TEXT)
    required = models.BooleanField(_("required"), default=False)
    choices = models.TextField(
        _("choices"), blank=True, **text_limit(TEXT_MAX), help_text=_("One choice per line, for choice questions.")
    )
    max_length = models.PositiveIntegerField(_("maximum length"), null=True, blank=True)
    # Blind review (cohorts.selectors.blind): what a reviewer in a blind phase is not shown.
    identifying = models.BooleanField(
        _("answer reveals who applied"),
        default=False,
        help_text=_("Reviewers in a blind phase do not see the answer (nor its file)."),
    )
    hidden_from_blind = models.BooleanField(
        _("hide this file from blind reviewers"),
        default=False,
        help_text=_("For file questions: reviewers in a blind phase cannot open the file at all."),
    )

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["cohort", "order", "pk"]

    def __str__(self) -> str:
        return self.display_text

    @property
    def display_text(self) -> str:
        if (get_language() or "th").startswith("en") and self.text_en:
            return self.text_en
        return self.text

    @property
    def choice_list(self) -> list[str]:
        return [line.strip() for line in self.choices.splitlines() if line.strip()]


class Application(models.Model):
    cohort = models.ForeignKey(Cohort, verbose_name=_("cohort"), on_delete=models.PROTECT, related_name="applications")
    track = models.ForeignKey(Track, verbose_name=_("track"), on_delete=models.PROTECT, related_name="applications")
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("applicant"),
        on_delete=models.PROTECT,
        related_name="applications",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="applications",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ApplicationStatus.choices, default=ApplicationStatus.DRAFT
    )
    phase = models.ForeignKey(
        "cohorts.Phase",
        verbose_name=_("selection phase"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
        help_text=_("Where the application stands in the call's selection; empty before the first phase."),
    )
    # Standard fields, for every track.
    motivation = models.TextField(_("why you want to join"), blank=True, **_limited(LONG_ANSWER_MAX))
    expectations = models.TextField(_("what you hope to gain"), blank=True, **_limited(MEDIUM_ANSWER_MAX))
    # Intrapreneur track.
    employer = models.CharField(_("employer"), max_length=255, blank=True)
    job_title = models.CharField(_("job title"), max_length=255, blank=True)
    skills = models.TextField(_("skills you offer"), blank=True, **_limited(MEDIUM_ANSWER_MAX))
    sectors = models.JSONField(_("sectors"), default=list, blank=True)
    travel_provinces = models.JSONField(_("provinces you can travel to"), default=list, blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    availability_days_per_month = models.PositiveSmallIntegerField(
        _("days a month you can give"), null=True, blank=True, validators=[MaxValueValidator(31)]
    )
    # Team / idea track.
    team_name = models.CharField(_("team name"), max_length=255, blank=True)
    idea_title = models.CharField(_("idea"), max_length=255, blank=True)
    idea_summary = models.TextField(_("idea summary"), blank=True, **_limited(LONG_ANSWER_MAX))
    team_size = models.PositiveSmallIntegerField(_("team size"), null=True, blank=True)
    # Consent to the privacy notice (PDPA).
    consent_version = models.CharField(_("privacy notice version agreed"), max_length=20, blank=True)
    consented_at = models.DateTimeField(_("consented at"), null=True, blank=True, validators=[DateRangeValidator()])
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True, validators=[DateRangeValidator()])
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True, validators=[DateRangeValidator()])
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True, validators=[DateRangeValidator()])
    # Retention (cohorts.services.retention): staff told of the coming purge, then purged.
    retention_noticed_at = models.DateTimeField(_("deletion announced at"), null=True, blank=True)
    purged_at = models.DateTimeField(_("answers and files deleted at"), null=True, blank=True)

    history = HistoricalRecords(
        excluded_fields=[
            "motivation",
            "expectations",
            "skills",
            "idea_summary",
            "updated_at",
            "sectors",
            "travel_provinces",
            "languages",
            "retention_noticed_at",
            "purged_at",
        ]
    )

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["cohort", "applicant"], name="application_one_per_cohort"),
        ]
        indexes = [
            models.Index(fields=["cohort", "status"], name="application_cohort_status_idx"),
            models.Index(fields=["status", "cohort"], name="application_status_cohort_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.applicant} · {self.cohort.name}"

    def get_absolute_url(self) -> str:
        return reverse("cohorts:application_detail", kwargs={"pk": self.pk})


def answer_upload_to(instance: "Answer", filename: str) -> str:
    """A random name in the private storage: nothing about the applicant, call or file shows.
    The original name is kept in `Answer.value` and given back on download."""
    return opaque_name("answers")


class Answer(models.Model):
    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.CASCADE, related_name="answers"
    )
    question = models.ForeignKey(Question, verbose_name=_("question"), on_delete=models.CASCADE)
    value = models.JSONField(_("value"), null=True, blank=True)
    file = models.FileField(
        _("file"), upload_to=answer_upload_to, storage=private_storage, blank=True, max_length=300, db_index=True
    )

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["application", "question"], name="answer_unique_application_question")
        ]

    def __str__(self) -> str:
        return f"{self.question}: {self.value}"


class Criterion(models.Model):
    """One line of a cohort's review rubric."""

    cohort = models.ForeignKey(Cohort, verbose_name=_("cohort"), on_delete=models.CASCADE, related_name="criteria")
    phase = models.ForeignKey(
        "cohorts.Phase",
        verbose_name=_("phase"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="criteria",
        help_text=_("The phase whose rubric this is; empty for a cohort without phases."),
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    name = models.CharField(_("criterion (Thai)"), max_length=200)
    name_en = models.CharField(_("criterion (English)"), max_length=200, blank=True)
    description = models.TextField(_("what reviewers look for"), blank=True, **text_limit(TEXT_MAX))
    weight = models.DecimalField(
        _("weight"), max_digits=5, decimal_places=2, default=Decimal("1.00"), validators=[MinValueValidator(0)]
    )
    min_score = models.PositiveSmallIntegerField(_("lowest score"), default=1)
    max_score = models.PositiveSmallIntegerField(_("highest score"), default=5)

    class Meta:
        verbose_name = _("rubric criterion")
        verbose_name_plural = _("rubric criteria")
        ordering = ["cohort", "order", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(max_score__gt=F("min_score")), name="criterion_max_above_min"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if (get_language() or "th").startswith("en") and self.name_en:
            return self.name_en
        return self.name


class ReviewAssignment(models.Model):
    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.CASCADE, related_name="reviews"
    )
    phase = models.ForeignKey(
        "cohorts.Phase",
        verbose_name=_("phase"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reviews",
        help_text=_("The selection phase this review belongs to; empty for a cohort without phases."),
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reviewer"), on_delete=models.PROTECT, related_name="reviews"
    )
    state = models.CharField(_("state"), max_length=10, choices=ReviewState.choices, default=ReviewState.PENDING)
    comment = models.TextField(_("overall comment"), blank=True, **_limited(REVIEW_COMMENT_MAX))
    conflict_reason = models.TextField(_("conflict of interest"), blank=True, **_limited(MEDIUM_ANSWER_MAX))
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    assigned_at = models.DateTimeField(_("assigned at"), default=timezone.now, validators=[DateRangeValidator()])
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True, validators=[DateRangeValidator()])

    class Meta:
        verbose_name = _("review assignment")
        verbose_name_plural = _("review assignments")
        ordering = ["-assigned_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "reviewer", "phase"], name="review_unique_application_reviewer_phase"
            ),
            models.UniqueConstraint(
                fields=["application", "reviewer"],
                condition=Q(phase__isnull=True),
                name="review_unique_application_reviewer_nophase",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reviewer} → {self.application}"


class Score(models.Model):
    review = models.ForeignKey(
        ReviewAssignment, verbose_name=_("review"), on_delete=models.CASCADE, related_name="scores"
    )
    criterion = models.ForeignKey(Criterion, verbose_name=_("criterion"), on_delete=models.CASCADE)
    score = models.PositiveSmallIntegerField(_("score"))
    comment = models.TextField(_("comment"), blank=True, **_limited(REVIEW_COMMENT_MAX))

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [models.UniqueConstraint(fields=["review", "criterion"], name="score_unique_review_criterion")]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.score}"


class Participant(models.Model):
    """A person taking part in a cohort, in a role; made when their application is accepted."""

    cohort = models.ForeignKey(Cohort, verbose_name=_("cohort"), on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.PROTECT, related_name="participations"
    )
    role = models.CharField(_("role"), max_length=24, choices=ParticipantRole.choices)
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), null=True, blank=True, on_delete=models.SET_NULL
    )
    application = models.OneToOneField(
        Application,
        verbose_name=_("application"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="participant",
    )
    is_active = models.BooleanField(_("active"), default=True)
    joined_at = models.DateTimeField(_("joined at"), default=timezone.now, validators=[DateRangeValidator()])

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["cohort", "role", "pk"]
        constraints = [models.UniqueConstraint(fields=["cohort", "user"], name="participant_unique_cohort_user")]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"


class DeadlineReminder(models.Model):
    """That a draft's holder was reminded at one offset: written with the outbox row, so
    planning selects "window open and no row yet" and never repeats or skips anyone."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="deadline_reminders")
    offset_hours = models.PositiveIntegerField(_("hours before the deadline"))
    queued_at = models.DateTimeField(_("queued at"), default=timezone.now, validators=[DateRangeValidator()])

    class Meta:
        verbose_name = _("deadline reminder")
        verbose_name_plural = _("deadline reminders")
        constraints = [
            models.UniqueConstraint(fields=["application", "offset_hours"], name="reminder_unique_application_offset")
        ]

    def __str__(self) -> str:
        return f"{self.application_id} -{self.offset_hours}h"
