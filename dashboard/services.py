"""Every state change of the dashboard: consent given and withdrawn (each clears the cohort's
showcase cache in the same step, so a withdrawal takes the page down at once), the report's
narrative paragraphs, and the log row of a research export.

Consent is versioned: giving adds a row with the next version and the exact text agreed to;
withdrawing stamps the standing row. Nothing is edited in place, so the history answers
"who agreed to what, when" (PDPA).
"""

from __future__ import annotations

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from dashboard.enums import ConsentSubject, ReportSection
from dashboard.models import ReportNarrative, ResearchExport, ShowcaseConsent, ShowcaseEntry

SHOWCASE_LANGUAGES = ("th", "en")


def showcase_cache_key(*, cohort_id: int) -> str:
    return f"dashboard:showcase:{cohort_id}"


def showcase_cache_clear(*, cohort_id: int) -> None:
    cache.delete(showcase_cache_key(cohort_id=cohort_id))


def consent_text(*, entry: ShowcaseEntry, subject: str) -> str:
    """The words a person agrees to: what will be public, as it stands now."""
    if subject == ConsentSubject.COACH:
        return _(
            "I agree that my name is shown as the coach of %(organisation)s on the public showcase of %(cohort)s."
        ) % {"organisation": entry.organisation.name, "cohort": entry.cohort.name}
    parts = [
        _(
            "I agree, for %(organisation)s, that the showcase of %(cohort)s shows publicly the organisation's "
            "name, province, photo and this story and these figures:"
        )
        % {"organisation": entry.organisation.name, "cohort": entry.cohort.name},
        entry.story,
    ]
    if entry.story_en:
        parts.append(entry.story_en)
    parts.extend(entry.figure_lines)
    return "\n".join(parts)


def consent_current(*, entry: ShowcaseEntry, subject: str) -> ShowcaseConsent | None:
    consent = ShowcaseConsent.objects.filter(entry=entry, subject=subject).order_by("-version").first()
    return consent if consent is not None and consent.withdrawn_at is None else None


@transaction.atomic
def consent_give(*, entry: ShowcaseEntry, subject: str, by) -> ShowcaseConsent:
    """Record `by`'s consent to the entry as it stands (a new version); idempotent while the
    text is unchanged."""
    if subject not in ConsentSubject.values:
        raise ValidationError(_("Unknown consent."))
    ShowcaseEntry.objects.select_for_update().filter(pk=entry.pk).first()
    text = consent_text(entry=entry, subject=subject)
    standing = consent_current(entry=entry, subject=subject)
    if standing is not None and standing.text == text:
        return standing
    if standing is not None:  # the entry changed since: the old consent ends, the new one starts
        standing.withdrawn_at = timezone.now()
        standing.withdrawn_by = by
        standing.save(update_fields=["withdrawn_at", "withdrawn_by"])
    last = ShowcaseConsent.objects.filter(entry=entry, subject=subject).aggregate(v=Max("version"))["v"] or 0
    consent = ShowcaseConsent(entry=entry, subject=subject, given_by=by, text=text, version=last + 1)
    consent.full_clean()
    consent.save()
    transaction.on_commit(lambda: showcase_cache_clear(cohort_id=entry.cohort_id))
    showcase_cache_clear(cohort_id=entry.cohort_id)
    return consent


@transaction.atomic
def consent_withdraw(*, entry: ShowcaseEntry, subject: str, by) -> ShowcaseConsent | None:
    """Withdraw the standing consent; the showcase stops showing it at once."""
    ShowcaseEntry.objects.select_for_update().filter(pk=entry.pk).first()
    standing = consent_current(entry=entry, subject=subject)
    if standing is None:
        return None
    standing.withdrawn_at = timezone.now()
    standing.withdrawn_by = by
    standing.save(update_fields=["withdrawn_at", "withdrawn_by"])
    showcase_cache_clear(cohort_id=entry.cohort_id)
    transaction.on_commit(lambda: showcase_cache_clear(cohort_id=entry.cohort_id))
    return standing


def showcase_entry_changed(*, entry: ShowcaseEntry) -> None:
    """Staff changed an entry (admin): the showcase shows the consented version only, so
    its cache is cleared; the consent still names the old text until given again."""
    showcase_cache_clear(cohort_id=entry.cohort_id)


@transaction.atomic
def narratives_save(*, cohort, texts: dict[str, str], by) -> list[ReportNarrative]:
    """Save staff's paragraphs per report section (an empty text keeps an empty row)."""
    saved = []
    for section, text in texts.items():
        if section not in ReportSection.values:
            raise ValidationError(_("Unknown report section."))
        narrative = ReportNarrative.objects.select_for_update().filter(cohort=cohort, section=section).first()
        if narrative is None:
            narrative = ReportNarrative(cohort=cohort, section=section)
        elif narrative.text == text:
            saved.append(narrative)
            continue
        narrative.text = text
        narrative.updated_by = by
        narrative.updated_at = timezone.now()
        narrative.full_clean()
        narrative.save()
        saved.append(narrative)
    return saved


def research_export_log(
    *, user, cohorts, tables: dict[str, int], free_text: bool, contact_data: bool
) -> ResearchExport:
    """Log that `user` exported these tables (name -> rows) of these cohorts."""
    with transaction.atomic():
        row = ResearchExport.objects.create(user=user, tables=tables, free_text=free_text, contact_data=contact_data)
        row.cohorts.set(cohorts)
    return row
