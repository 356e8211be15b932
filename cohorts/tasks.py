"""Thin Celery wrappers around the cohorts services."""

from celery import shared_task

from cohorts.services import reminders


@shared_task(name="cohorts.plan_deadline_reminders")
def plan_deadline_reminders() -> int:
    """Beat, every 10 minutes: queue the deadline reminders that are due (see `reminders_plan`)."""
    return reminders.reminders_plan()
