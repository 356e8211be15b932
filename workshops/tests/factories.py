from datetime import date

from cohorts import enums
from cohorts.services.reviews import staff_grant_program_role
from cohorts.tests.factories import CohortFactory, OrganisationFactory, ParticipantFactory, ProgramFactory
from incubator.tests.factories import UserFactory
from workshops.services.series import series_create_from_template

START = date(2027, 1, 11)  # a Monday


def world(*, participants: int = 2, starts_on: date = START, language: str = "th"):
    """A program with staff, a running cohort with participants and its series from the
    template; and an unrelated program with its own staff and cohort."""
    program = ProgramFactory()
    cohort = CohortFactory(program=program, status=enums.CohortStatus.RUNNING)
    staff = UserFactory(full_name="ศิริพร ผู้ประสานงาน")
    staff_grant_program_role(user=staff, program=program)
    people = [
        ParticipantFactory(
            cohort=cohort,
            user=UserFactory(full_name=f"ผู้เข้าร่วม {n}", preferred_language=language),
            organisation=OrganisationFactory(),
        )
        for n in range(participants)
    ]
    series = series_create_from_template(cohort=cohort, starts_on=starts_on)
    other_program = ProgramFactory()
    other_cohort = CohortFactory(program=other_program, status=enums.CohortStatus.RUNNING)
    other_staff = UserFactory()
    staff_grant_program_role(user=other_staff, program=other_program)
    other_participant = ParticipantFactory(cohort=other_cohort, user=UserFactory())
    return {
        "program": program,
        "cohort": cohort,
        "series": series,
        "staff": staff,
        "participants": people,
        "other_staff": other_staff,
        "other_participant": other_participant,
    }
