from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

# What the "Program staff" group may do in this app's admin (scoped to their programs).
PROGRAM_STAFF_PERMISSIONS = [
    f"{action}_{model}"
    for model in ("workshopseries", "workshop", "session", "material", "registration", "attendance", "feedback")
    for action in ("view", "add", "change")
] + ["view_announcement", "delete_material"]


def grant_program_staff_permissions(sender, **kwargs) -> None:
    """Give the cohorts app's "Program staff" group this app's permissions (after migrate)."""
    from django.contrib.auth.models import Permission

    from cohorts.services.reviews import program_staff_group

    group = program_staff_group()
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="workshops", codename__in=PROGRAM_STAFF_PERMISSIONS)
    )


class WorkshopsConfig(AppConfig):
    name = "workshops"
    verbose_name = _("Workshops")

    def ready(self):
        from workshops import rules  # noqa: F401  (registers the permissions)

        post_migrate.connect(grant_program_staff_permissions, sender=self)
