"""The emails a program's applicants get, as program staff edit them.

Each program has its own texts: an override saved by the program's staff carries the scope
`program_mail_scope(program.pk)` ("program:12"), and every service of this app that queues an
applicant's email passes that scope to the outbox, which takes the program's text first, then
the superusers' global one, then the file template (`incubator.mail.render_email`).

`EDITABLE_EMAILS` lists those emails with the variables their text may use; the context of
each is built here, by the one function the sending service also uses, so the preview staff
see on a real application is the email that application's applicant would get.
Another part of this app that adds an applicant email registers it with
`editable_email_register`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import QuerySet
from django.http import Http404
from django.template.loader import select_template
from django.urls import NoReverseMatch
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from cohorts.access import programs_for_staff
from cohorts.enums import ApplicationStatus
from cohorts.models import Application, Program
from incubator.dates import format_date, time_left_text
from incubator.links import absolute_url
from incubator.models import EmailTemplate, EmailTemplateChange

SCOPE_PREFIX = "program"


def program_mail_scope(program_id: int) -> str:
    """The outbox scope of a program's own email texts."""
    return f"{SCOPE_PREFIX}:{program_id}"


def application_url(application: Application) -> str:
    try:
        path = application.get_absolute_url()
    except NoReverseMatch:  # the applicant pages are not installed
        path = "/"
    return absolute_url(path)


def application_edit_url(application_id: int | str) -> str:
    # Not reversed: the id may be the mark that the database replaces (cohorts.services.reminders).
    return absolute_url(f"/applications/{application_id}/edit/")


# The contexts, shared by the services that send and by the preview --------------------------------


def application_email_context(application: Application) -> dict:
    """What the submission and decision emails know about an application."""
    cohort = application.cohort
    return {
        "application": application,
        "applicant": application.applicant,
        "cohort": cohort,
        "program": cohort.program,
        "track": application.track,
        "deadline": cohort.applications_close_at,
        "application_url": application_url(application),
    }


def deadline_reminder_context(*, cohort, recipient_name: str, application_id: int | str, now: datetime) -> dict:
    """The deadline reminder's context (the planner passes marks the database fills in; the
    preview a real applicant's name and application). Call it in the reader's language."""
    deadline = cohort.applications_close_at
    return {
        "recipient_name": recipient_name,
        "program_name": cohort.program.display_name,
        "cohort_name": cohort.name,
        "deadline": timezone.localtime(deadline),
        "time_left": time_left_text(deadline - now),
        "application_url": application_edit_url(application_id),
    }


def _reminder_preview_context(application: Application) -> dict:
    applicant = application.applicant
    return deadline_reminder_context(
        cohort=application.cohort,
        recipient_name=applicant.full_name or applicant.email,
        application_id=application.pk,
        now=timezone.now(),
    )


# The registry -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EditableEmail:
    """An email program staff may reword: `key` names it in URLs, `template` in the outbox."""

    key: str
    template: str
    label: Promise | str
    when: Promise | str
    variables: tuple[tuple[str, Promise | str], ...]
    context: Callable[[Application], dict]
    # Variables that are dates ("cohort.starts_on": "bdate"), shown with that filter in the
    # text staff start from.
    dates: dict[str, str] = field(default_factory=dict)


_APPLICATION_VARIABLES = (
    ("applicant.full_name", _("the applicant's name")),
    ("program.display_name", _("the program's name")),
    ("cohort.name", _("the cohort's name")),
    ("track.display_name", _("the track applied to")),
    ("application.idea_title", _("the idea's title (team track)")),
    ("application.team_name", _("the team's name")),
    ("application.organisation.name", _("the organisation's name")),
    ("application.get_status_display", _("the application's status")),
    ("deadline|bdatetime", _("the application deadline, Bangkok time")),
    ("cohort.starts_on|bdate", _("the day the cohort starts")),
    ("application_url", _("the link to the application")),
    ("site_url", _("the platform's address")),
)
_DECISION_DATES = {"deadline": "bdatetime", "cohort.starts_on": "bdate", "cohort.ends_on": "bdate"}

EDITABLE_EMAILS: dict[str, EditableEmail] = {}


def editable_email_register(email: EditableEmail) -> None:
    EDITABLE_EMAILS[email.key] = email


for _status, _label, _when in (
    (ApplicationStatus.SHORTLISTED, _("Shortlisted"), _("When staff shortlist an application.")),
    (ApplicationStatus.ACCEPTED, _("Accepted"), _("When staff accept an application.")),
    (ApplicationStatus.WAITLISTED, _("Waitlisted"), _("When staff put an application on the waiting list.")),
    (ApplicationStatus.REJECTED, _("Not selected"), _("When staff decide not to select an application.")),
):
    editable_email_register(
        EditableEmail(
            key=f"decision_{_status}",
            template=f"cohorts/decision_{_status}",
            label=_label,
            when=_when,
            variables=_APPLICATION_VARIABLES,
            context=application_email_context,
            dates=_DECISION_DATES,
        )
    )
editable_email_register(
    EditableEmail(
        key="application_submitted",
        template="cohorts/application_submitted",
        label=_("Application received"),
        when=_("When an applicant hands in an application."),
        variables=_APPLICATION_VARIABLES,
        context=application_email_context,
        dates=_DECISION_DATES,
    )
)
editable_email_register(
    EditableEmail(
        key="deadline_reminder",
        template="cohorts/deadline_reminder",
        label=_("Deadline reminder"),
        when=_("Before the deadline, to applicants whose application is still a draft."),
        variables=(
            ("recipient_name", _("the applicant's name")),
            ("program_name", _("the program's name")),
            ("cohort_name", _("the cohort's name")),
            ("time_left", _("the time left, e.g. 3 days")),
            ("deadline|bdatetime", _("the application deadline, Bangkok time")),
            ("application_url", _("the link to finish the application")),
            ("site_url", _("the platform's address")),
        ),
        context=_reminder_preview_context,
        dates={"deadline": "bdatetime"},
    )
)


def phase_moved_context(application: Application, phase=None) -> dict:
    """The "moved on to the next phase" email's context: the application's and its phase's
    (the preview shows the phase the application stands in)."""
    return {**application_email_context(application), "phase": phase if phase is not None else application.phase}


editable_email_register(
    EditableEmail(
        key="phase_moved",
        template="cohorts/phase_moved",
        label=_("Moved on to the next phase"),
        when=_("When staff move an application to the next selection phase and choose to tell the applicant."),
        variables=(
            *_APPLICATION_VARIABLES,
            ("phase.display_name", _("the phase's name")),
            ("phase.display_description", _("what happens in the phase")),
            ("phase.ends_at|bdate", _("the day the phase ends")),
        ),
        context=phase_moved_context,
        dates={**_DECISION_DATES, "phase.ends_at": "bdate"},
    )
)


def editable_email_get(key: str) -> EditableEmail:
    try:
        return EDITABLE_EMAILS[key]
    except KeyError:
        raise Http404("No such email.") from None


# Reads for the staff pages ----------------------------------------------------------------------


def program_get_for_staff(*, user, pk: int) -> Program:
    """A program the staff member runs; 404 for anyone else."""
    try:
        return programs_for_staff(user=user).get(pk=pk)
    except (Program.DoesNotExist, ValueError, TypeError):
        raise Http404("No such program.") from None


def program_email_overrides(*, program: Program) -> dict[tuple[str, str], EmailTemplate]:
    """The program's own texts by (template, language), in one query."""
    rows = EmailTemplate.objects.filter(scope=program_mail_scope(program.pk)).select_related("updated_by")
    return {(row.name, row.language): row for row in rows}


def program_email_override(*, program: Program, email: EditableEmail, language: str) -> EmailTemplate | None:
    return (
        EmailTemplate.objects.filter(scope=program_mail_scope(program.pk), name=email.template, language=language)
        .select_related("updated_by")
        .first()
    )


def program_email_history(*, program: Program, email: EditableEmail, language: str, limit: int = 20):
    return list(
        EmailTemplateChange.objects.filter(
            scope=program_mail_scope(program.pk), name=email.template, language=language
        ).select_related("changed_by")[:limit]
    )


def applications_for_email_preview(*, program: Program) -> QuerySet[Application]:
    """The program's applications staff may preview an email on (newest first); never another
    program's."""
    return (
        Application.objects.filter(cohort__program=program, purged_at__isnull=True)
        .select_related("applicant", "cohort", "cohort__program", "track", "organisation")
        .order_by("-created_at", "-pk")
    )


# The text staff start from ----------------------------------------------------------------------


class _Echo:
    """A context value that prints the variable it stands for (`{{ applicant.full_name }}`),
    so the file template rendered with these gives a text in the sandbox's own syntax."""

    def __init__(self, path: str, dates: dict[str, str], stand_ins: dict):
        self._path, self._dates, self._stand_ins = path, dates, stand_ins

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        path = f"{self._path}.{name}"
        if path in self._dates:
            return self._stand_ins.setdefault(path, _stand_in(len(self._stand_ins)))
        if name == "get_full_name":  # a person's name, as staff know it from the page
            path = f"{self._path}.full_name"
        return _Echo(path, self._dates, self._stand_ins)

    def __str__(self) -> str:
        return "{{ " + self._path + " }}"


def _stand_in(index: int) -> datetime:
    """A date no email has (the year 2999 plus `index` days), replaced by its variable."""
    return timezone.make_aware(datetime(2999, 1, 1 + index, 9, 41))  # noqa: DTZ001 - made aware at once


def email_starting_text(*, email: EditableEmail, language: str) -> tuple[str, str]:
    """(subject, body) of the default email in `language`, written in the sandbox's syntax, for
    staff to start from: the file template rendered with every variable printing its name."""
    stand_ins: dict[str, datetime] = {}
    context = {}
    for name, _description in email.variables:
        top = name.split("|")[0].split(".")[0]
        if top in email.dates:
            context[top] = stand_ins.setdefault(top, _stand_in(len(stand_ins)))
        else:
            context[top] = _Echo(top, email.dates, stand_ins)
    with translation.override(language):
        subject = select_template([f"emails/{email.template}.{language}.subject", f"emails/{email.template}.subject"])
        body = select_template([f"emails/{email.template}.{language}.txt", f"emails/{email.template}.txt"])
        subject_text = " ".join(subject.render(context).split())
        body_text = body.render(context).strip() + "\n"
        for path, value in stand_ins.items():
            filter_name = email.dates.get(path, "bdate")
            shown = format_date(value, with_time=filter_name == "bdatetime")
            variable = "{{ " + f"{path}|{filter_name}" + " }}"
            for text in (shown, format_date(value.date() if isinstance(value, date) else value)):
                subject_text = subject_text.replace(text, variable)
                body_text = body_text.replace(text, variable)
    return subject_text, body_text
