"""Coach profiles, matching, relationship plans, field visits, action items and photos.

A `Match` pairs a coach with an organisation in a cohort (proposed -> confirmed -> ended,
with history). A confirmed match has a `RelationshipPlan` (goals after each workshop,
milestones with dates); the coach logs `Visit`s against it, each made by the phone with a
client id (`client_id`, unique) so that an offline retry makes one visit, never two.
"""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from coaching.enums import (
    WELLBEING_SCALE,
    ActionOwner,
    ActionStatus,
    AlertKind,
    CoachKind,
    ConflictKind,
    MatchStatus,
    PairRuleKind,
    PreferenceSide,
    VisitMode,
    VisitPhase,
    VisitStatus,
)
from cohorts.models import Cohort, Organisation
from incubator.dates import DateRangeValidator, format_date
from incubator.geo import PROVINCE_MODEL_CHOICES
from incubator.storage import opaque_name, private_storage
from incubator.validators import NOTE_MAX, PHOTO_EXTENSIONS, TEXT_MAX, UploadValidator, text_limit

# A goal after a workshop (the form's limit since the start).
GOAL_MAX = 2000
PHOTO_MAX_BYTES = 10 * 1024 * 1024


class CohortCoachingSettings(models.Model):
    """Per-cohort follow-up settings (alerts)."""

    cohort = models.OneToOneField(
        Cohort, verbose_name=_("cohort"), on_delete=models.CASCADE, related_name="coaching_settings"
    )
    no_visit_alert_days = models.PositiveSmallIntegerField(
        _("alert after days without a visit"), default=30, validators=[MinValueValidator(1)]
    )
    visit_reminder_days = models.PositiveSmallIntegerField(
        _("remind the coach days before a planned visit"), default=2, validators=[MinValueValidator(1)]
    )
    action_due_days = models.PositiveSmallIntegerField(
        _("remind action owners days before due"), default=3, validators=[MinValueValidator(1)]
    )

    class Meta:
        verbose_name = _("cohort coaching settings")
        verbose_name_plural = _("cohort coaching settings")

    def __str__(self) -> str:
        return str(self.cohort)


class CoachProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE, related_name="coach_profile"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=CoachKind.choices, default=CoachKind.INTRAPRENEUR)
    cohorts = models.ManyToManyField(
        Cohort,
        verbose_name=_("cohorts"),
        related_name="coach_profiles",
        blank=True,
        help_text=_("Cohorts in which this person coaches."),
    )
    skills = models.JSONField(_("skills"), default=list, blank=True)
    sectors = models.JSONField(_("sectors"), default=list, blank=True)
    employer = models.CharField(_("employer"), max_length=255, blank=True)
    business_background = models.TextField(_("business background"), blank=True, **text_limit(TEXT_MAX))
    home_province = models.CharField(_("home province"), max_length=6, choices=PROVINCE_MODEL_CHOICES, blank=True)
    travel_provinces = models.JSONField(_("provinces one can travel to"), default=list, blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    capacity = models.PositiveSmallIntegerField(
        _("capacity"), default=1, validators=[MaxValueValidator(20)], help_text=_("Organisations at once.")
    )
    availability_days_per_month = models.PositiveSmallIntegerField(
        _("days a month one can give"), null=True, blank=True, validators=[MaxValueValidator(31)]
    )
    availability_note = models.CharField(_("availability"), max_length=255, blank=True)
    bio = models.TextField(_("about me"), blank=True, **text_limit(TEXT_MAX))
    source_application = models.ForeignKey(
        "cohorts.Application",
        verbose_name=_("filled from application"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("coach profile")
        verbose_name_plural = _("coach profiles")
        ordering = ["user__full_name", "pk"]

    def __str__(self) -> str:
        return str(self.user)


class MatchingRun(models.Model):
    """One run of the solver for a cohort: what it proposed and who was left without a coach."""

    cohort = models.ForeignKey(Cohort, verbose_name=_("cohort"), on_delete=models.CASCADE, related_name="matching_runs")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("run by"), null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(_("run at"), default=timezone.now, validators=[DateRangeValidator()])
    total_score = models.FloatField(_("total fit"), default=0)
    unassigned_organisations = models.JSONField(_("organisations left without a coach"), default=list, blank=True)

    class Meta:
        verbose_name = _("matching run")
        verbose_name_plural = _("matching runs")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.cohort} · {format_date(self.created_at, with_time=True)}"  # Bangkok, Buddhist Era in Thai


class Match(models.Model):
    cohort = models.ForeignKey(Cohort, verbose_name=_("cohort"), on_delete=models.PROTECT, related_name="matches")
    coach = models.ForeignKey(CoachProfile, verbose_name=_("coach"), on_delete=models.PROTECT, related_name="matches")
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="coaching_matches"
    )
    status = models.CharField(_("status"), max_length=10, choices=MatchStatus.choices, default=MatchStatus.PROPOSED)
    score = models.FloatField(_("fit score"), default=0)
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    run = models.ForeignKey(
        MatchingRun,
        verbose_name=_("matching run"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="matches",
    )
    proposed_at = models.DateTimeField(_("proposed at"), default=timezone.now, validators=[DateRangeValidator()])
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True, validators=[DateRangeValidator()])
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True, validators=[DateRangeValidator()])
    ended_reason = models.TextField(_("reason for ending"), blank=True, **text_limit(NOTE_MAX))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("match")
        verbose_name_plural = _("matches")
        ordering = ["cohort", "organisation__name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "organisation"],
                condition=~Q(status=MatchStatus.ENDED),
                name="match_one_live_per_organisation",
            ),
            models.CheckConstraint(
                condition=~Q(status=MatchStatus.ENDED) | ~Q(ended_reason=""), name="match_ended_has_reason"
            ),
        ]
        indexes = [models.Index(fields=["coach", "status"], name="match_coach_status_idx")]

    def __str__(self) -> str:
        return f"{self.coach} ↔ {self.organisation}"


class PairRule(models.Model):
    """A pair that staff fixed (always matched) or forbade (never matched) in a cohort."""

    cohort = models.ForeignKey(Cohort, verbose_name=_("cohort"), on_delete=models.CASCADE, related_name="pair_rules")
    coach = models.ForeignKey(CoachProfile, verbose_name=_("coach"), on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE)
    kind = models.CharField(_("rule"), max_length=10, choices=PairRuleKind.choices)
    note = models.CharField(_("note"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("set by"), null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        verbose_name = _("fixed or forbidden pair")
        verbose_name_plural = _("fixed and forbidden pairs")
        constraints = [
            models.UniqueConstraint(fields=["cohort", "coach", "organisation"], name="pairrule_unique_pair"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.coach} ↔ {self.organisation}"


class ConflictOfInterest(models.Model):
    """A declared or found conflict: the pair is never proposed."""

    coach = models.ForeignKey(CoachProfile, verbose_name=_("coach"), on_delete=models.CASCADE, related_name="conflicts")
    organisation = models.ForeignKey(Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE)
    kind = models.CharField(_("kind"), max_length=10, choices=ConflictKind.choices)
    note = models.CharField(_("note"), max_length=255, blank=True)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("declared by"), null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(_("declared at"), default=timezone.now, validators=[DateRangeValidator()])

    class Meta:
        verbose_name = _("conflict of interest")
        verbose_name_plural = _("conflicts of interest")
        constraints = [
            models.UniqueConstraint(fields=["coach", "organisation", "kind"], name="conflict_unique_pair_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.coach} ↔ {self.organisation}"


class Preference(models.Model):
    """A ranked preference given after meeting: a coach ranks organisations, or an
    organisation's leader ranks coaches (1 = first choice)."""

    cohort = models.ForeignKey(Cohort, verbose_name=_("cohort"), on_delete=models.CASCADE, related_name="+")
    side = models.CharField(_("given by"), max_length=12, choices=PreferenceSide.choices)
    coach = models.ForeignKey(CoachProfile, verbose_name=_("coach"), on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE)
    rank = models.PositiveSmallIntegerField(_("rank"), validators=[MinValueValidator(1)])

    class Meta:
        verbose_name = _("preference")
        verbose_name_plural = _("preferences")
        ordering = ["cohort", "side", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["cohort", "side", "coach", "organisation"], name="preference_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_side_display()} #{self.rank}: {self.coach} ↔ {self.organisation}"


class RelationshipPlan(models.Model):
    match = models.OneToOneField(Match, verbose_name=_("match"), on_delete=models.CASCADE, related_name="plan")
    summary = models.TextField(_("what we work on together"), blank=True, **text_limit(TEXT_MAX))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("relationship plan")
        verbose_name_plural = _("relationship plans")

    def __str__(self) -> str:
        return str(self.match)


class PlanGoal(models.Model):
    """A goal the leader sets after a workshop."""

    plan = models.ForeignKey(RelationshipPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="goals")
    after_workshop = models.PositiveSmallIntegerField(
        _("after workshop"), validators=[MinValueValidator(1), MaxValueValidator(3)]
    )
    text = models.TextField(_("goal"), **text_limit(GOAL_MAX))
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("set by"), null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(_("set at"), default=timezone.now, validators=[DateRangeValidator()])

    class Meta:
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        ordering = ["plan", "after_workshop", "pk"]

    def __str__(self) -> str:
        return self.text[:60]


class Milestone(models.Model):
    plan = models.ForeignKey(
        RelationshipPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="milestones"
    )
    title = models.CharField(_("milestone"), max_length=255)
    due_on = models.DateField(_("date"), validators=[DateRangeValidator()])
    done_on = models.DateField(_("reached on"), null=True, blank=True, validators=[DateRangeValidator()])

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["plan", "due_on", "pk"]

    def __str__(self) -> str:
        return self.title


def _decimal(label):
    return models.DecimalField(
        label, max_digits=14, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )


class Visit(models.Model):
    match = models.ForeignKey(Match, verbose_name=_("match"), on_delete=models.PROTECT, related_name="visits")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("coach"), on_delete=models.PROTECT, related_name="coaching_visits"
    )
    client_id = models.UUIDField(_("client id"), unique=True, default=uuid.uuid4, editable=False)
    status = models.CharField(_("status"), max_length=10, choices=VisitStatus.choices, default=VisitStatus.DRAFT)
    visited_on = models.DateField(_("date of the visit"), null=True, blank=True, validators=[DateRangeValidator()])
    mode = models.CharField(_("mode"), max_length=10, choices=VisitMode.choices, default=VisitMode.ON_SITE)
    place = models.CharField(_("place"), max_length=255, blank=True)
    province = models.CharField(_("province"), max_length=6, choices=PROVINCE_MODEL_CHOICES, blank=True)
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    phase = models.CharField(_("follows up"), max_length=10, choices=VisitPhase.choices, default=VisitPhase.STRATEGY)
    milestone = models.ForeignKey(
        Milestone,
        verbose_name=_("reports against milestone"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="visits",
    )
    observations = models.TextField(_("what was observed"), blank=True, **text_limit(TEXT_MAX))
    challenges = models.TextField(_("challenges"), blank=True, **text_limit(TEXT_MAX))
    # Phase 2 (finance): the organisation's figures, for impact unit cost.
    costs = _decimal(_("costs (baht)"))
    beneficiaries = models.PositiveIntegerField(_("beneficiaries"), null=True, blank=True)
    impact_unit_cost = _decimal(_("impact unit cost (baht per beneficiary)"))
    wellbeing_score = models.PositiveSmallIntegerField(
        _("wellbeing of the leader and team"), choices=WELLBEING_SCALE, null=True, blank=True
    )
    wellbeing_note = models.TextField(_("wellbeing note"), blank=True, **text_limit(NOTE_MAX))
    next_visit_on = models.DateField(_("next planned visit"), null=True, blank=True, validators=[DateRangeValidator()])
    shared_with_leader = models.BooleanField(_("shared with the leader"), default=True)
    draft = models.JSONField(_("draft as typed"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, validators=[DateRangeValidator()])
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True, validators=[DateRangeValidator()])

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-visited_on", "-pk"]
        indexes = [
            models.Index(fields=["match", "status", "visited_on"], name="visit_match_status_date_idx"),
            models.Index(fields=["status", "-visited_on", "-id"], name="visit_status_date_idx"),
            models.Index(fields=["author", "status"], name="visit_author_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.match.organisation} · {format_date(self.visited_on) or '-'}"  # Buddhist Era in Thai


class ActionItem(models.Model):
    match = models.ForeignKey(Match, verbose_name=_("match"), on_delete=models.CASCADE, related_name="actions")
    visit = models.ForeignKey(
        Visit,
        verbose_name=_("agreed at visit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="actions",
    )
    title = models.CharField(_("action"), max_length=300)
    owner = models.CharField(_("owner"), max_length=10, choices=ActionOwner.choices, default=ActionOwner.LEADER)
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner (person)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="coaching_actions",
    )
    due_on = models.DateField(_("due on"), null=True, blank=True, validators=[DateRangeValidator()])
    status = models.CharField(_("status"), max_length=12, choices=ActionStatus.choices, default=ActionStatus.OPEN)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, validators=[DateRangeValidator()])
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("action item")
        verbose_name_plural = _("action items")
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["status", "due_on"], name="action_status_due_idx")]

    def __str__(self) -> str:
        return self.title


def photo_upload_to(instance: "VisitPhoto", filename: str) -> str:
    """A random name in the private storage (photos are stored as JPEG, see coaching.photos):
    handed out by `coaching.views.photo_file` to those who may read the visit."""
    return opaque_name("visit-photos", extension="jpg")


class VisitPhoto(models.Model):
    visit = models.ForeignKey(Visit, verbose_name=_("visit"), on_delete=models.CASCADE, related_name="photos")
    client_id = models.UUIDField(_("client id"), unique=True, default=uuid.uuid4, editable=False)
    image = models.ImageField(
        _("photo"),
        upload_to=photo_upload_to,
        storage=private_storage,
        width_field="width",
        height_field="height",
        max_length=300,
        validators=[UploadValidator(extensions=PHOTO_EXTENSIONS, max_bytes=PHOTO_MAX_BYTES)],
    )
    width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    caption = models.CharField(_("caption"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now, validators=[DateRangeValidator()])

    class Meta:
        verbose_name = _("visit photo")
        verbose_name_plural = _("visit photos")
        ordering = ["visit", "pk"]

    def __str__(self) -> str:
        return self.caption or str(self.client_id)


class ResearcherAccess(models.Model):
    """A researcher may read (and export) every visit of this cohort."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("researcher"), on_delete=models.CASCADE, related_name="research_access"
    )
    cohort = models.ForeignKey(Cohort, verbose_name=_("cohort"), on_delete=models.CASCADE, related_name="+")
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("granted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now, validators=[DateRangeValidator()])

    class Meta:
        verbose_name = _("researcher access")
        verbose_name_plural = _("researcher access")
        constraints = [models.UniqueConstraint(fields=["user", "cohort"], name="research_unique_user_cohort")]

    def __str__(self) -> str:
        return f"{self.user} · {self.cohort}"


class FollowUpAlert(models.Model):
    """That one follow-up event was emailed: written with its outbox rows, in one transaction,
    so each event is alerted exactly once however often beat runs."""

    key = models.CharField(_("event"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=AlertKind.choices)
    match = models.ForeignKey(Match, verbose_name=_("match"), on_delete=models.CASCADE, related_name="+")
    queued_at = models.DateTimeField(_("queued at"), default=timezone.now, validators=[DateRangeValidator()])

    class Meta:
        verbose_name = _("follow-up alert")
        verbose_name_plural = _("follow-up alerts")
        ordering = ["-queued_at"]

    def __str__(self) -> str:
        return self.key
