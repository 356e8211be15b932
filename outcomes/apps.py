from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# What the "Program staff" group may do in this app's admin (scoped to their programs).
PROGRAM_STAFF_PERMISSIONS = [
    *(f"{action}_{model}" for model in ("indicator", "measurement") for action in ("view", "change", "add", "delete")),
    "view_worksheet",
]


class OutcomesConfig(AppConfig):
    name = "outcomes"
    verbose_name = _("Outcomes")

    def ready(self):
        from cohorts.services.staff import program_staff_permissions_register
        from outcomes import signals  # noqa: F401 - connects the receivers

        program_staff_permissions_register(f"outcomes.{name}" for name in PROGRAM_STAFF_PERMISSIONS)
