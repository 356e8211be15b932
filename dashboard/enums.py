from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ReportSection(models.TextChoices):
    SELECTION = "selection", _("Who was selected and how")
    WORKSHOPS = "workshops", _("Workshops and attendance")
    VISITS = "visits", _("Field visits")
    OUTCOMES = "outcomes", _("Outcomes per organisation")
    FEEDBACK = "feedback", _("What participants said")


class ConsentSubject(models.TextChoices):
    ORGANISATION = "organisation", pgettext_lazy("consent subject", "Organisation")
    COACH = "coach", pgettext_lazy("consent subject", "Coach")
