"""A cohort with everything the dashboard reads: applications at each stage, reviewers,
organisations with leaders and coaches, visits, actions, a workshop series with attendance
and feedback, emails; and another program with its own staff and cohort."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from coaching.enums import ActionStatus
from coaching.models import ResearcherAccess
from coaching.tests.factories import ActionFactory, CoachProfileFactory, MatchFactory, VisitFactory, leader_of
from cohorts import enums
from cohorts.services.reviews import staff_grant_program_role
from cohorts.tests.factories import (
    ApplicationFactory,
    CohortFactory,
    OrganisationFactory,
    ProgramFactory,
    ReviewAssignmentFactory,
    SubmittedApplicationFactory,
    TrackFactory,
)
from dashboard.models import ShowcaseEntry
from incubator.enums import EmailState
from incubator.models import OutboundEmail
from incubator.tests.factories import UserFactory
from outcomes.tests.factories import MeasurementFactory, indicator
from workshops.enums import AttendanceStatus
from workshops.models import Attendance, Feedback
from workshops.services.series import series_create_from_template

SERIES_START = date(2026, 1, 12)


@dataclass
class World:
    program: object
    cohort: object
    staff: object
    other_staff: object
    other_cohort: object
    leaders: list
    coaches: list
    organisations: list
    matches: list
    researcher: object
    outsider: object
    entries: list


def build_world(*, organisations: int = 2, seed: int = 0) -> World:
    program = ProgramFactory()
    cohort = CohortFactory(program=program, status=enums.CohortStatus.RUNNING, slug=f"dash-{seed}")
    track = TrackFactory(cohort=cohort, kind=enums.TrackKind.ORGANISATION)
    staff = UserFactory(full_name="ศิริพร ผู้ประสานงาน")
    staff_grant_program_role(user=staff, program=program)
    orgs, leaders, coaches, matches, entries = [], [], [], [], []
    reviewer = UserFactory(full_name="ผู้พิจารณา หนึ่ง")
    for n in range(organisations):
        org = OrganisationFactory(name=f"วิสาหกิจชุมชนบ้านดอย {seed}-{n}", province="TH-57", region="north")
        application = SubmittedApplicationFactory(
            cohort=cohort, track=track, organisation=org, status=enums.ApplicationStatus.ACCEPTED,
            applicant=UserFactory(full_name=f"ผู้สมัคร {seed}-{n}"),
        )  # fmt: skip
        ReviewAssignmentFactory(application=application, reviewer=reviewer, state="completed")
        coach = CoachProfileFactory(user=UserFactory(full_name=f"โค้ช {n}"), cohorts=[cohort])
        match = MatchFactory(cohort=cohort, coach=coach, organisation=org)
        leaders.append(leader_of(match, UserFactory(full_name=f"ผู้นำ {n}")))
        VisitFactory(match=match, visited_on=date(2026, 2, 10))
        ActionFactory(match=match, due_on=date(2026, 1, 1), status=ActionStatus.OPEN)
        for source, on, value in (("baseline", date(2025, 11, 1), 100 + 10 * n), ("staff", date(2026, 5, 1), 150)):
            MeasurementFactory(
                indicator=indicator(program, "beneficiaries"), cohort=cohort, organisation=org, value=value,
                measured_on=on, source=source,
            )  # fmt: skip
        orgs.append(org)
        coaches.append(coach)
        matches.append(match)
        entries.append(
            ShowcaseEntry.objects.create(
                cohort=cohort, organisation=org, coach=coach, order=n,
                story=f"ชุมชนปลูกกาแฟอินทรีย์ เพิ่มรายได้ให้สมาชิก {n}",
                figures="ผู้ได้รับประโยชน์: 420",
            )
        )  # fmt: skip
    ApplicationFactory(cohort=cohort, track=track, applicant=UserFactory(full_name="ผู้สมัครร่าง"))  # a draft
    SubmittedApplicationFactory(
        cohort=cohort, track=track, organisation=OrganisationFactory(province="TH-10"),
        applicant=UserFactory(full_name="ผู้สมัครกรุงเทพ"),
    )  # fmt: skip
    series = series_create_from_template(cohort=cohort, starts_on=SERIES_START)
    workshop = series.workshops.order_by("order").first()
    for participant in cohort.participants.all():
        for session in workshop.sessions.all():
            Attendance.objects.create(session=session, participant=participant, status=AttendanceStatus.PRESENT)
        Feedback.objects.create(workshop=workshop, participant=participant, learned="ได้เรียนรู้", will_try="ลอง", rating=4)
    for n, leader in enumerate(leaders):
        OutboundEmail.objects.create(
            key=f"dash-test:{seed}:{n}", to=leader.email, recipient_user=leader, subject="s", body_text="b",
            state=EmailState.FAILED if n == 0 else EmailState.SENT, created_at=timezone.now() - timedelta(days=1),
        )  # fmt: skip
    other_program = ProgramFactory()
    other_cohort = CohortFactory(program=other_program, status=enums.CohortStatus.RUNNING, slug=f"other-{seed}")
    other_staff = UserFactory(full_name="เจ้าหน้าที่โครงการอื่น")
    staff_grant_program_role(user=other_staff, program=other_program)
    researcher = UserFactory(full_name="นักวิจัย")
    ResearcherAccess.objects.create(user=researcher, cohort=cohort)
    return World(
        program, cohort, staff, other_staff, other_cohort, leaders, coaches, orgs, matches, researcher,
        UserFactory(full_name="บุคคลภายนอก"), entries,
    )  # fmt: skip
