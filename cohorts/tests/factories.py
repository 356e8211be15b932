from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from cohorts import enums, models
from incubator.tests.factories import UserFactory

# Numbered names are zero-padded to five digits: a bare 2011 on a Thai page reads as a Common
# Era year to the Thai walks (incubator.tests.thai.gregorian_years) once a long run reaches it.


class ProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Program
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"โครงการบ่มเพาะ {n:05d}")
    name_en = factory.Sequence(lambda n: f"Incubator program {n:05d}")
    slug = factory.Sequence(lambda n: f"program-{n}")
    description = "ระบบบ่มเพาะโครงการและกิจการสังคม"
    supports = [enums.Support.FUNDING, enums.Support.COACHING]


class CohortFactory(factory.django.DjangoModelFactory):
    """An open cohort whose call closes in ten days."""

    class Meta:
        model = models.Cohort
        django_get_or_create = ("slug",)

    program = factory.SubFactory(ProgramFactory)
    number = factory.Sequence(lambda n: n + 1)
    name = factory.LazyAttribute(lambda o: f"รุ่นที่ {o.number:05d}")
    slug = factory.Sequence(lambda n: f"cohort-{n}")
    status = enums.CohortStatus.OPEN
    call_text = "เปิดรับสมัครผู้นำองค์กรและ Intrapreneur"
    applications_open_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=20))
    applications_close_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=10))
    privacy_notice = "เราเก็บข้อมูลของท่านเพื่อการคัดเลือกเท่านั้น"
    privacy_notice_version = "1.0"


class TrackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Track
        django_get_or_create = ("cohort", "kind")

    cohort = factory.SubFactory(CohortFactory)
    kind = enums.TrackKind.ORGANISATION
    name = factory.LazyAttribute(lambda o: dict(enums.TrackKind.choices)[o.kind])
    capacity = 10


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Organisation

    name = factory.Sequence(lambda n: f"มูลนิธิเพื่อชุมชน {n:05d}")
    kind = enums.OrganisationKind.NGO
    province = "TH-82"
    region = "south"
    needs = [enums.Need.STRATEGY]
    focus_areas = ["environment"]


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Question

    cohort = factory.SubFactory(CohortFactory)
    text = factory.Sequence(lambda n: f"คำถามที่ {n:05d}")
    kind = enums.QuestionKind.LONG_TEXT
    required = False


class ApplicationFactory(factory.django.DjangoModelFactory):
    """A draft application on the organisation track of an open cohort."""

    class Meta:
        model = models.Application

    cohort = factory.SubFactory(CohortFactory)
    track = factory.LazyAttribute(lambda o: TrackFactory(cohort=o.cohort))
    applicant = factory.SubFactory(UserFactory)
    status = enums.ApplicationStatus.DRAFT
    motivation = "อยากพัฒนากลยุทธ์ขององค์กร"


class SubmittedApplicationFactory(ApplicationFactory):
    status = enums.ApplicationStatus.SUBMITTED
    submitted_at = factory.LazyFunction(timezone.now)
    consent_version = "1.0"
    consented_at = factory.LazyFunction(timezone.now)


class PhaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Phase

    cohort = factory.SubFactory(CohortFactory)
    order = factory.Sequence(lambda n: n + 1)
    kind = "review"
    name = factory.Sequence(lambda n: f"รอบที่ {n + 1:05d}")
    name_en = factory.Sequence(lambda n: f"Round {n + 1:05d}")


class CriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Criterion

    cohort = factory.SubFactory(CohortFactory)
    name = factory.Sequence(lambda n: f"เกณฑ์ {n:05d}")
    weight = Decimal("1.00")
    min_score = 1
    max_score = 5


class ReviewAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ReviewAssignment

    application = factory.SubFactory(SubmittedApplicationFactory)
    reviewer = factory.SubFactory(UserFactory)


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Participant

    cohort = factory.SubFactory(CohortFactory)
    user = factory.SubFactory(UserFactory)
    role = enums.ParticipantRole.ORGANISATION_LEADER
