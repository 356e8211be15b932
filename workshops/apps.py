from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# What the "Program staff" group may do in this app's admin (scoped to their programs).
PROGRAM_STAFF_PERMISSIONS = [
    f"{action}_{model}"
    for model in ("workshopseries", "workshop", "session", "material", "registration", "attendance", "feedback")
    for action in ("view", "add", "change")
] + ["view_announcement", "delete_material"]


class WorkshopsConfig(AppConfig):
    name = "workshops"
    verbose_name = _("Workshops")

    def ready(self):
        # What this app holds about a person: their PDPA download and erasure.
        from incubator import pdpa
        from workshops import pdpa as _pdpa

        pdpa.register_personal_data_exporter("workshops", _pdpa.personal_data)
        pdpa.register_personal_data_anonymiser("workshops", _pdpa.anonymise)
        from cohorts.services.staff import program_staff_permissions_register
        from workshops import line, rules  # noqa: F401  (rules registers the permissions)

        line.register()  # session reminders and notices as LINE Flex messages

        program_staff_permissions_register(f"workshops.{name}" for name in PROGRAM_STAFF_PERMISSIONS)
        from incubator.storage import register_private_folder

        register_private_folder("materials", "workshops.views.participant.material_file")
