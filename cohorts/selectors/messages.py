"""Who a staff message to a group of a call's applicants reaches, and what each one reads.

A group is a set of applications of one cohort (one per person: an applicant applies once per
cohort), of people whose account is active:

- shortlisted, waitlisted, accepted, not selected: the applications with that status now;
- drafts: applications still drafts (never handed in), nothing else;
- a phase: the applications standing in that phase (`Application.phase`) that are still in the
  running (not withdrawn, not rejected).
"""

from __future__ import annotations

from django.db.models import QuerySet

from cohorts.enums import MESSAGE_GROUP_STATUS, ApplicationStatus, MessageGroup
from cohorts.models import Application, Cohort, CohortMessage, Phase
from cohorts.selectors.emails import application_url

MESSAGE_TEMPLATE = "cohorts/cohort_message"
OUT_OF_THE_RUNNING = (ApplicationStatus.WITHDRAWN, ApplicationStatus.REJECTED)


def message_recipients(*, cohort: Cohort, group: str, phase: Phase | None = None) -> QuerySet[Application]:
    """The applications (with their applicants) a message to `group` of `cohort` goes to."""
    applications = Application.objects.filter(cohort=cohort, applicant__is_active=True)
    if group == MessageGroup.PHASE:
        if phase is None or phase.cohort_id != cohort.pk:
            return applications.none()
        applications = applications.filter(phase=phase).exclude(status__in=OUT_OF_THE_RUNNING)
    elif group in MESSAGE_GROUP_STATUS:
        applications = applications.filter(status=MESSAGE_GROUP_STATUS[group])
    else:
        return applications.none()
    return applications.select_related("applicant", "cohort", "cohort__program", "track").order_by("pk")


def message_text(*, subject: str, body: str, subject_en: str, body_en: str, language: str) -> tuple[str, str]:
    """What a reader in `language` gets: the English text if they read English and staff wrote
    one, the Thai text otherwise."""
    if language == "en" and body_en.strip():
        return (subject_en.strip() or subject), body_en
    return subject, body


def message_context(
    *, application: Application, subject: str, body: str, subject_en: str, body_en: str, language: str
) -> dict:
    """The context of `cohorts/cohort_message` for one recipient reading `language`."""
    applicant = application.applicant
    chosen_subject, chosen_body = message_text(
        subject=subject, body=body, subject_en=subject_en, body_en=body_en, language=language
    )
    return {
        "recipient_name": applicant.full_name or applicant.email,
        "subject": chosen_subject,
        "body": chosen_body,
        "cohort": application.cohort,
        "program": application.cohort.program,
        "application_url": application_url(application),
    }


def cohort_messages(*, cohort: Cohort) -> QuerySet[CohortMessage]:
    """The messages sent to the cohort's applicants, newest first."""
    return CohortMessage.objects.filter(cohort=cohort).select_related("sent_by", "phase").order_by("-sent_at", "-pk")
