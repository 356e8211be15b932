"""Thin Celery wrappers around the cohorts services (imported inside the task body, so that
nothing below the tasks imports them)."""

from celery import shared_task


@shared_task(name="cohorts.plan_deadline_reminders")
def plan_deadline_reminders() -> int:
    """Beat, every 10 minutes: queue the deadline reminders that are due (see `reminders_plan`)."""
    from cohorts.services.reminders import reminders_plan

    return reminders_plan()


@shared_task(name="cohorts.plan_retention")
def plan_retention() -> dict:
    """Beat, hourly: announce and purge applications not accepted (see `retention_plan`)."""
    from cohorts.services.retention import retention_plan

    return retention_plan()


@shared_task(name="cohorts.plan_review_reminders")
def plan_review_reminders() -> int:
    """Beat, every 10 minutes: remind reviewers with pending reviews before a phase's review
    deadline (see `review_reminders_plan`)."""
    from cohorts.services.review_reminders import review_reminders_plan

    return review_reminders_plan()


@shared_task(name="cohorts.plan_interview_reminders")
def plan_interview_reminders() -> int:
    """Beat, every 10 minutes: queue the interview reminders that are due (see `interview_reminders_plan`)."""
    from cohorts.services.interviews import interview_reminders_plan

    return interview_reminders_plan()
