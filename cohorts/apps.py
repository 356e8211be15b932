from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _refresh_program_staff_group(sender, using="default", **kwargs) -> None:
    """A deployment that already has the "Program staff" group gets the permissions added
    since (e.g. adding cohorts, the outbox) when it migrates, without a data migration."""
    from django.contrib.auth.models import Group

    from cohorts.services.staff import PROGRAM_STAFF_GROUP, program_staff_group

    if Group.objects.using(using).filter(name=PROGRAM_STAFF_GROUP).exists():
        program_staff_group()


def _is_reviewer(user) -> bool:
    """Reviewers read other people's applications: those with a review and those named among a
    phase's reviewers before their first one (the same rule as their Reviews menu)."""
    from cohorts.selectors.assignment import is_reviewer

    return is_reviewer(user=user)


class CohortsConfig(AppConfig):
    name = "cohorts"
    verbose_name = _("Programs and cohorts")

    def ready(self) -> None:
        # What this app holds about a person: their PDPA download and erasure.
        from cohorts import pdpa as _pdpa
        from incubator import pdpa

        pdpa.register_personal_data_exporter("cohorts", _pdpa.personal_data)
        pdpa.register_personal_data_anonymiser("cohorts", _pdpa.anonymise)
        pdpa.register_personal_data_kept("cohorts", _pdpa.kept)
        # After every app's migrate (not only cohorts'): the apps above register permissions
        # that exist only once their own post_migrate has created them.
        post_migrate.connect(_refresh_program_staff_group, dispatch_uid="cohorts_program_staff_group")
        from cohorts.roles import register_roles

        register_roles()
        from incubator.storage import register_private_folder

        register_private_folder("answers", "cohorts.views.files.answer_file")
        # Reviewers read other people's applications: two-factor login (program staff are
        # staff, whom the core asks already).
        from incubator.two_factor import register_two_factor_rule

        register_two_factor_rule(_is_reviewer)
        # The email that tells an applicant their new deadline goes where their application
        # messages go (the late-entry link goes by email only: it is bound to the address).
        from incubator.channels import register_message_kind
        from incubator.enums import MessageKind

        register_message_kind("cohorts/deadline_extended", MessageKind.APPLICATION)
        # Staff messages to a group of applicants: an announcement (each person's channel for
        # announcements), the staff's whole text on LINE.
        from cohorts.selectors.messages import MESSAGE_TEMPLATE
        from incubator.line import register_line_full_text

        register_message_kind(MESSAGE_TEMPLATE, MessageKind.ANNOUNCEMENT)
        register_line_full_text(MESSAGE_TEMPLATE)
        # "Your application moved on to <phase>" is an application message like the decisions.
        register_message_kind("cohorts/phase_moved", MessageKind.APPLICATION)
        # Interview emails are about an application: by LINE for those who chose it.
        for template in ("interview_booked", "interview_moved", "interview_cancelled", "interview_reminder"):
            register_message_kind(f"cohorts/{template}", MessageKind.APPLICATION)
