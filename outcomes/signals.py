"""Receivers that keep outcomes in step with the apps below, which do not know this app.

- A new program gets the default indicators (`indicators_apply_template`).
- A submitted visit's finance figures and wellbeing are measurements
  (`measurements_sync_visit`: one row per visit and indicator, updated in place, so a
  figure is counted once however often the visit is saved). Both run in the caller's
  transaction.
"""

from django.db.models.signals import post_save
from django.dispatch import receiver

from coaching.models import Visit
from cohorts.models import Program


@receiver(post_save, sender=Program, dispatch_uid="outcomes_program_template")
def _program_saved(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        from outcomes.services.indicators import indicators_apply_template

        indicators_apply_template(program=instance)


@receiver(post_save, sender=Visit, dispatch_uid="outcomes_visit_figures")
def _visit_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        from outcomes.services.measurements import measurements_sync_visit

        measurements_sync_visit(visit=instance)
