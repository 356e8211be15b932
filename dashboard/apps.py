from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# What the "Program staff" group may do in this app's admin (scoped to their programs).
PROGRAM_STAFF_PERMISSIONS = [
    *(f"{action}_{model}" for model in ("showcaseentry", "reportnarrative") for action in ("view", "add", "change")),
    "view_showcaseconsent",
    "view_researchexport",
    *(f"{action}_researchdatagrant" for action in ("view", "add", "change", "delete")),
]


class DashboardConfig(AppConfig):
    name = "dashboard"
    verbose_name = _("Dashboard, report and showcase")

    def ready(self):
        from cohorts.services.staff import program_staff_permissions_register

        program_staff_permissions_register(f"dashboard.{name}" for name in PROGRAM_STAFF_PERMISSIONS)
