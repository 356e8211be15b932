from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# What the "Program staff" group may do in this app's admin (scoped to their programs).
PROGRAM_STAFF_PERMISSIONS = [
    *(f"{action}_{model}" for model in ("indicator", "measurement") for action in ("view", "change", "add", "delete")),
    "view_worksheet",
    *(f"{action}_indicatorquestion" for action in ("view", "change", "add", "delete")),
]


class OutcomesConfig(AppConfig):
    name = "outcomes"
    verbose_name = _("Outcomes")

    def ready(self):
        # What this app holds about a person: their PDPA download and erasure.
        from incubator import pdpa
        from outcomes import pdpa as _pdpa

        pdpa.register_personal_data_exporter("outcomes", _pdpa.personal_data)
        pdpa.register_personal_data_anonymiser("outcomes", _pdpa.anonymise)
        from cohorts.services.staff import program_staff_permissions_register
        from outcomes import signals  # noqa: F401 - connects the receivers

        program_staff_permissions_register(f"outcomes.{name}" for name in PROGRAM_STAFF_PERMISSIONS)
