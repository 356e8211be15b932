"""Outcome indicators per program and the measurements of each organisation over time.

An `Indicator` belongs to a program (the default template is applied to every program). A
`Measurement` is one figure of one organisation in one cohort on one date, with its source:
the baseline, a worksheet before or after a workshop (`Worksheet`, filled by the leader with
the coach, phone first and offline), a field visit (copied from coaching.Visit by
`outcomes.services.measurements.measurements_sync_visit`, one row per visit and indicator,
so a figure is never counted twice), or staff.

A worksheet is one per organisation, cohort, workshop and moment; each send carries a client
id (`WorksheetReceipt`, unique), so a retry or a queued send after reconnection is applied
once.
"""

import uuid

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from cohorts.models import Cohort, Organisation, Program
from outcomes.enums import Direction, IndicatorKind, MeasurementSource, WorksheetMoment, WorksheetStatus

NOTE_MAX = 1000


class Indicator(models.Model):
    program = models.ForeignKey(Program, verbose_name=_("program"), on_delete=models.CASCADE, related_name="indicators")
    code = models.SlugField(_("code"), max_length=50)
    name_th = models.CharField(_("name (Thai)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    unit_th = models.CharField(_("unit (Thai)"), max_length=40, blank=True)
    unit_en = models.CharField(_("unit (English)"), max_length=40, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=IndicatorKind.choices, default=IndicatorKind.NUMBER)
    direction = models.CharField(_("better when"), max_length=4, choices=Direction.choices, default=Direction.UP)
    workshop_number = models.PositiveSmallIntegerField(
        _("after workshop"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(3)]
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["program", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["program", "code"], name="indicator_unique_program_code"),
            models.CheckConstraint(
                condition=Q(workshop_number__isnull=True) | Q(workshop_number__gte=1, workshop_number__lte=3),
                name="indicator_workshop_1_to_3",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if (get_language() or "th").startswith("en") and self.name_en:
            return self.name_en
        return self.name_th

    @property
    def display_unit(self) -> str:
        if (get_language() or "th").startswith("en") and self.unit_en:
            return self.unit_en
        return self.unit_th


class Worksheet(models.Model):
    """What an organisation reports at one moment: the baseline (workshop 0), or before or
    after workshop 1 to 3. The draft is kept as typed; submitting writes measurements."""

    cohort = models.ForeignKey(Cohort, verbose_name=_("cohort"), on_delete=models.CASCADE, related_name="worksheets")
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="worksheets"
    )
    workshop_number = models.PositiveSmallIntegerField(
        _("workshop"), default=0, validators=[MaxValueValidator(3)], help_text=_("0 for the baseline.")
    )
    moment = models.CharField(_("moment"), max_length=10, choices=WorksheetMoment.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=WorksheetStatus.choices, default=WorksheetStatus.DRAFT
    )
    measured_on = models.DateField(_("figures as of"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True, max_length=NOTE_MAX, validators=[MaxLengthValidator(NOTE_MAX)])
    draft = models.JSONField(_("draft as typed"), default=dict, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("entered by"), null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("worksheet")
        verbose_name_plural = _("worksheets")
        ordering = ["cohort", "organisation", "workshop_number", "moment"]
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "organisation", "workshop_number", "moment"], name="worksheet_one_per_moment"
            ),
            models.CheckConstraint(
                condition=(Q(moment=WorksheetMoment.BASELINE) & Q(workshop_number=0))
                | (~Q(moment=WorksheetMoment.BASELINE) & Q(workshop_number__gte=1, workshop_number__lte=3)),
                name="worksheet_moment_fits_workshop",
            ),
        ]

    def __str__(self) -> str:
        if self.moment == WorksheetMoment.BASELINE:
            return f"{self.organisation} · {self.get_moment_display()}"
        return f"{self.organisation} · {self.get_moment_display()} {self.workshop_number}"


class WorksheetReceipt(models.Model):
    """One send of a worksheet, by the client id the phone made: a retry is recognised."""

    client_id = models.UUIDField(_("client id"), unique=True, default=uuid.uuid4, editable=False)
    worksheet = models.ForeignKey(
        Worksheet, verbose_name=_("worksheet"), on_delete=models.CASCADE, related_name="receipts"
    )
    received_at = models.DateTimeField(_("received at"), default=timezone.now)

    class Meta:
        verbose_name = _("worksheet receipt")
        verbose_name_plural = _("worksheet receipts")

    def __str__(self) -> str:
        return str(self.client_id)


class Measurement(models.Model):
    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), on_delete=models.CASCADE, related_name="measurements"
    )
    cohort = models.ForeignKey(Cohort, verbose_name=_("cohort"), on_delete=models.CASCADE, related_name="measurements")
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="measurements"
    )
    value = models.DecimalField(_("value"), max_digits=16, decimal_places=2)
    measured_on = models.DateField(_("measured on"))
    source = models.CharField(_("source"), max_length=20, choices=MeasurementSource.choices)
    workshop_number = models.PositiveSmallIntegerField(
        _("workshop"), null=True, blank=True, validators=[MaxValueValidator(3)]
    )
    worksheet = models.ForeignKey(
        Worksheet,
        verbose_name=_("worksheet"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="measurements",
    )
    visit = models.ForeignKey(
        "coaching.Visit",
        verbose_name=_("visit"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("measurement")
        verbose_name_plural = _("measurements")
        ordering = ["cohort", "organisation", "indicator", "measured_on", "pk"]
        constraints = [
            # A figure of a visit or a worksheet is one row, however often it is synced or sent.
            models.UniqueConstraint(fields=["visit", "indicator"], name="measurement_once_per_visit"),
            models.UniqueConstraint(fields=["worksheet", "indicator"], name="measurement_once_per_worksheet"),
            models.CheckConstraint(
                condition=~Q(source=MeasurementSource.VISIT) | Q(visit__isnull=False),
                name="measurement_visit_source_has_visit",
            ),
        ]
        indexes = [
            models.Index(fields=["cohort", "indicator", "organisation", "measured_on"], name="measurement_series_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} · {self.indicator} · {self.value}"
