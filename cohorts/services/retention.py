"""Retention of applications not accepted (PDPA): their answers and files are deleted
`Program.retention_months` after the decision, and the program's staff are told a week before.

Which applications: rejected and withdrawn ones; drafts never submitted once the call has
closed; waitlisted ones once the cohort runs or has ended (nobody is taken from the list any
more). Never one that made a participant. The application row stays with its status and dates
(the cohort's funnel still counts it); its answers, files and free text go, in the history
rows too.

Invariant: both steps select by time window plus a marker, never by date equality, so a
missed, late or doubled beat run neither skips nor repeats anyone:
- notice: every application due within `NOTICE_DAYS` and not yet announced is marked
  (`retention_noticed_at`) in the same transaction as one email per staff member, under a key
  naming the batch (its program and first and last application), so a batch is told once;
- purge: due, announced at least `NOTICE_DAYS` ago and not yet purged (`purged_at`). An
  application announced late is purged late, never before its week of notice.
"""

from __future__ import annotations

from datetime import timedelta

from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from cohorts.enums import ApplicationStatus, CohortStatus
from cohorts.models import Answer, Application, Program
from incubator.dates import format_date
from incubator.mail import message_key, queue_mail

NOTICE_DAYS = 7

# What a person wrote in an application; statuses, dates, track and consent stay (counted).
APPLICATION_TEXT = {
    "motivation": "",
    "expectations": "",
    "employer": "",
    "job_title": "",
    "skills": "",
    "sectors": [],
    "travel_provinces": [],
    "languages": [],
    "team_name": "",
    "idea_title": "",
    "idea_summary": "",
}


def applications_blank(ids: list[int]) -> None:
    """Remove the answers, files and free text of these applications (and of their history
    rows); files leave the private storage once the transaction commits."""
    from incubator.pdpa import delete_file_on_commit

    answers = Answer.objects.filter(application_id__in=ids)
    for name in answers.exclude(file="").values_list("file", flat=True):
        delete_file_on_commit(name)
    answers.update(value=None, file="")
    Application.objects.filter(pk__in=ids).update(**APPLICATION_TEXT)
    history = Application.history.model
    kept = {f.name for f in history._meta.concrete_fields}
    history.objects.filter(id__in=ids).update(**{k: v for k, v in APPLICATION_TEXT.items() if k in kept})


def purgeable(program: Program, now) -> QuerySet[Application]:
    """The program's applications not accepted whose retention runs, with `reference`: when
    it started (withdrawal, decision, else the close of the call)."""
    not_accepted = (
        Q(status__in=[ApplicationStatus.REJECTED, ApplicationStatus.WITHDRAWN])
        | Q(status=ApplicationStatus.DRAFT)
        | Q(status=ApplicationStatus.WAITLISTED, cohort__status__in=[CohortStatus.RUNNING, CohortStatus.COMPLETED])
    )
    return (
        Application.objects.filter(not_accepted, cohort__program=program, purged_at__isnull=True)
        .filter(cohort__applications_close_at__lt=now, participant__isnull=True)
        .annotate(reference=Coalesce("withdrawn_at", "decided_at", "cohort__applications_close_at"))
    )


def _staff_of(program: Program):
    staff = list(program.staff.filter(is_active=True).order_by("pk"))
    return staff or list(get_user_model().objects.filter(is_superuser=True, is_active=True).order_by("pk"))


def retention_plan(*, now=None) -> dict:
    """Beat: purge what is due and was announced a week ago, then announce what falls due
    within the week. Returns how many applications were purged and announced."""
    now = now or timezone.now()
    purged = noticed = 0
    for program in Program.objects.order_by("pk"):
        cutoff = now - relativedelta(months=program.retention_months)
        with transaction.atomic():
            due = list(
                purgeable(program, now)
                .filter(reference__lte=cutoff, retention_noticed_at__lte=now - timedelta(days=NOTICE_DAYS))
                .select_for_update(of=("self",))
                .values_list("pk", flat=True)
            )
            if due:
                applications_blank(due)
                Application.objects.filter(pk__in=due).update(purged_at=now)
                purged += len(due)
        with transaction.atomic():
            batch = sorted(
                purgeable(program, now)
                .filter(reference__lte=cutoff + timedelta(days=NOTICE_DAYS), retention_noticed_at__isnull=True)
                .select_for_update(of=("self",))
                .values_list("pk", flat=True)
            )
            if not batch:
                continue
            Application.objects.filter(pk__in=batch).update(retention_noticed_at=now)
            noticed += len(batch)
            for person in _staff_of(program):
                queue_mail(
                    key=message_key("retention-notice", program.pk, f"{batch[0]}-{batch[-1]}", person.pk),
                    to=person.email,
                    user=person,
                    template="cohorts/retention_notice",
                    context={
                        "name": person.get_full_name() or person.email,
                        "program": program,
                        "count": len(batch),
                        "purge_on": format_date(now + timedelta(days=NOTICE_DAYS), language=person.preferred_language),
                        "months": program.retention_months,
                    },
                    related=program,
                )
    return {"purged": purged, "noticed": noticed}
