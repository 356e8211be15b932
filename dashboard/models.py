"""What the dashboard keeps of its own: staff's narrative paragraphs for the funder's report,
the showcase entries with their versioned consents (PDPA), and the research exports' log.

Consent is a row per giving, never an edited flag: who gave it, when, the exact text they
agreed to (the story as it stood) and, once withdrawn, when and by whom. An entry is public
only while its organisation's latest consent is given and not withdrawn; the coach's name
only while the coach's is too.
"""

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from coaching.models import CoachProfile, ResearcherAccess, VisitPhoto
from cohorts.models import Cohort, Organisation
from dashboard.enums import ConsentSubject, ReportSection
from incubator.dates import format_date

NARRATIVE_MAX = 3000
STORY_MAX = 1200
FIGURES_MAX = 600
CONSENT_TEXT_MAX = 4000


def _limited(limit: int) -> dict:
    """`max_length` (forms) plus a validator (services' full_clean): TextField enforces neither."""
    return {"max_length": limit, "validators": [MaxLengthValidator(limit)]}


class ReportNarrative(models.Model):
    """A paragraph staff write for one section of a cohort's funder's report."""

    cohort = models.ForeignKey(Cohort, verbose_name=_("cohort"), on_delete=models.CASCADE, related_name="+")
    section = models.CharField(_("section"), max_length=16, choices=ReportSection.choices)
    text = models.TextField(_("narrative"), blank=True, **_limited(NARRATIVE_MAX))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("written by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("report narrative")
        verbose_name_plural = _("report narratives")
        ordering = ["cohort", "section"]
        constraints = [models.UniqueConstraint(fields=["cohort", "section"], name="narrative_unique_cohort_section")]

    def __str__(self) -> str:
        return f"{self.cohort_id} · {self.get_section_display()}"


class ShowcaseEntry(models.Model):
    """One organisation on a cohort's public showcase, as staff prepared it."""

    cohort = models.ForeignKey(Cohort, verbose_name=_("cohort"), on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="+"
    )
    coach = models.ForeignKey(
        CoachProfile, verbose_name=_("coach"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    story = models.TextField(_("short story (Thai)"), **_limited(STORY_MAX))
    story_en = models.TextField(_("short story (English)"), blank=True, **_limited(STORY_MAX))
    figures = models.TextField(
        _("figures to show"),
        blank=True,
        help_text=_("One figure per line, e.g. “Beneficiaries reached: 420”."),
        **_limited(FIGURES_MAX),
    )
    photo = models.ForeignKey(
        VisitPhoto,
        verbose_name=_("photo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("A photo from this organisation's visits."),
    )
    in_report = models.BooleanField(_("photo in the funder's report"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("showcase entry")
        verbose_name_plural = _("showcase entries")
        ordering = ["cohort", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["cohort", "organisation"], name="showcase_unique_cohort_organisation")
        ]

    def __str__(self) -> str:
        return self.organisation.name

    @property
    def display_story(self) -> str:
        if (get_language() or "th").startswith("en") and self.story_en:
            return self.story_en
        return self.story

    @property
    def figure_lines(self) -> list[str]:
        return [line.strip() for line in self.figures.splitlines() if line.strip()]


class ShowcaseConsent(models.Model):
    """One giving of consent to show an entry (the organisation's, or the coach's name)."""

    entry = models.ForeignKey(ShowcaseEntry, verbose_name=_("entry"), on_delete=models.CASCADE, related_name="consents")
    subject = models.CharField(_("consent for"), max_length=16, choices=ConsentSubject.choices)
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("given by"), on_delete=models.PROTECT, related_name="+"
    )
    given_at = models.DateTimeField(_("given at"), default=timezone.now)
    text = models.TextField(_("text agreed to"), **_limited(CONSENT_TEXT_MAX))
    version = models.PositiveIntegerField(_("version"))
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("withdrawn by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("showcase consent")
        verbose_name_plural = _("showcase consents")
        ordering = ["entry", "subject", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "subject", "version"], name="consent_unique_entry_subject_version")
        ]

    def __str__(self) -> str:
        return f"{self.entry.organisation.name} · {self.get_subject_display()} ({self.version})"


class ResearchDataGrant(models.Model):
    """What a researcher's export of a cohort may include beyond the de-identified core."""

    access = models.OneToOneField(
        ResearcherAccess, verbose_name=_("researcher access"), on_delete=models.CASCADE, related_name="data_grant"
    )
    free_text = models.BooleanField(_("may export free text"), default=False)
    contact_data = models.BooleanField(_("may export contact data"), default=False)
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)

    class Meta:
        verbose_name = _("research data grant")
        verbose_name_plural = _("research data grants")

    def __str__(self) -> str:
        return str(self.access)


class ResearchExport(models.Model):
    """That a researcher exported a dataset: who, when, what (read in the admin)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("researcher"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("exported at"), default=timezone.now)
    cohorts = models.ManyToManyField(Cohort, verbose_name=_("cohorts"), related_name="+")
    tables = models.JSONField(_("tables and rows"), default=dict)
    free_text = models.BooleanField(_("free text included"), default=False)
    contact_data = models.BooleanField(_("contact data included"), default=False)

    class Meta:
        verbose_name = _("research export")
        verbose_name_plural = _("research exports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.user} · {format_date(self.created_at, with_time=True)}"
