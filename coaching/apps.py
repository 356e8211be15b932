from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# What the "Program staff" group may do in this app's admin (scoped to their programs).
PROGRAM_STAFF_PERMISSIONS = [
    *(
        f"{action}_{model}"
        for model in (
            "coachprofile",
            "match",
            "matchingrun",
            "pairrule",
            "conflictofinterest",
            "preference",
            "relationshipplan",
            "visit",
            "actionitem",
            "visitphoto",
            "researcheraccess",
            "cohortcoachingsettings",
            "followupalert",
        )
        for action in ("view", "change")
    ),
    *(
        f"{action}_{model}"
        for model in (
            "pairrule",
            "conflictofinterest",
            "researcheraccess",
            "cohortcoachingsettings",
            "coachprofile",
            "actionitem",
        )
        for action in ("add", "delete")
    ),
    # The goals and milestones of a relationship plan (inlines of its admin page).
    *(f"{action}_{model}" for model in ("plangoal", "milestone") for action in ("view", "add", "change", "delete")),
]


def _is_coach_or_researcher(user) -> bool:
    from coaching.models import CoachProfile, ResearcherAccess

    return CoachProfile.objects.filter(user=user).exists() or ResearcherAccess.objects.filter(user=user).exists()


class CoachingConfig(AppConfig):
    name = "coaching"
    verbose_name = _("Coaching")

    def ready(self):
        # What this app holds about a person: their PDPA download and erasure.
        from coaching import pdpa as _pdpa
        from incubator import pdpa

        pdpa.register_personal_data_exporter("coaching", _pdpa.personal_data)
        pdpa.register_personal_data_anonymiser("coaching", _pdpa.anonymise)
        from cohorts.services.staff import program_staff_permissions_register

        program_staff_permissions_register(f"coaching.{name}" for name in PROGRAM_STAFF_PERMISSIONS)
        from coaching.roles import register_roles

        register_roles()
        from incubator.storage import register_private_folder

        register_private_folder("visit-photos", "coaching.views.photo_file")
        # Coaches read their organisations' visits, researchers every visit of their cohorts.
        from incubator.two_factor import register_two_factor_rule

        register_two_factor_rule(_is_coach_or_researcher)
