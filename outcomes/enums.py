"""Choices of the outcomes app: what an indicator measures, which way is better, where a
figure came from, and the moments of the worksheet."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class IndicatorKind(models.TextChoices):
    NUMBER = "number", pgettext_lazy("indicator kind", "Number")
    MONEY = "money", pgettext_lazy("indicator kind", "Money (baht)")
    PERCENT = "percent", pgettext_lazy("indicator kind", "Percent")
    SCALE = "scale", pgettext_lazy("indicator kind", "Scale 1 to 5")
    YES_NO = "yes_no", pgettext_lazy("indicator kind", "Yes or no")
    STAGE = "stage", pgettext_lazy("indicator kind", "Stage")


class Direction(models.TextChoices):
    UP = "up", _("Higher is better")
    DOWN = "down", _("Lower is better")
    NONE = "none", _("Neither is better")


class MeasurementSource(models.TextChoices):
    BASELINE = "baseline", pgettext_lazy("measurement source", "Baseline")
    APPLICATION = "application", pgettext_lazy("measurement source", "Application")
    WORKSHEET_BEFORE = "worksheet_before", pgettext_lazy("measurement source", "Worksheet before the workshop")
    WORKSHEET_AFTER = "worksheet_after", pgettext_lazy("measurement source", "Worksheet after the workshop")
    VISIT = "visit", pgettext_lazy("measurement source", "Field visit")
    STAFF = "staff", pgettext_lazy("measurement source", "Entered by staff")


BASELINE_SOURCES = (MeasurementSource.BASELINE, MeasurementSource.APPLICATION)


class WorksheetMoment(models.TextChoices):
    BASELINE = "baseline", pgettext_lazy("worksheet moment", "Baseline (start of the cohort)")
    BEFORE = "before", pgettext_lazy("worksheet moment", "Before the workshop")
    AFTER = "after", pgettext_lazy("worksheet moment", "After the workshop")


MOMENT_SOURCE = {
    WorksheetMoment.BASELINE: MeasurementSource.BASELINE,
    WorksheetMoment.BEFORE: MeasurementSource.WORKSHEET_BEFORE,
    WorksheetMoment.AFTER: MeasurementSource.WORKSHEET_AFTER,
}


class WorksheetStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("worksheet status", "Draft")
    SUBMITTED = "submitted", pgettext_lazy("worksheet status", "Submitted")


class Stage(models.IntegerChoices):
    """The stage of the idea, stored as its number so that a change can be measured."""

    IDEA = 1, pgettext_lazy("idea stage", "Idea")
    TESTED = 2, pgettext_lazy("idea stage", "Tested")
    WORKING_MODEL = 3, pgettext_lazy("idea stage", "Working model")
    SCALING = 4, pgettext_lazy("idea stage", "Scaling")


YES_NO_CHOICES = ((1, _("Yes")), (0, _("No")))

SCALE_CHOICES = (
    (1, _("1 · struggling")),
    (2, _("2 · strained")),
    (3, _("3 · steady")),
    (4, _("4 · good")),
    (5, _("5 · thriving")),
)
