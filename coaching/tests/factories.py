import io
from datetime import date

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from coaching import enums, models
from cohorts.enums import ParticipantRole
from cohorts.tests.factories import CohortFactory, OrganisationFactory, ParticipantFactory
from incubator.tests.factories import UserFactory


class CoachProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.CoachProfile
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    kind = enums.CoachKind.INTRAPRENEUR
    skills = ["finance", "team"]
    sectors = ["environment"]
    employer = "ธนาคารตัวอย่าง"
    home_province = "TH-50"
    travel_provinces = ["TH-57"]
    languages = ["th", "nod"]
    capacity = 2

    @factory.post_generation
    def cohorts(self, create, extracted, **kwargs):
        if create and extracted:
            self.cohorts.add(*extracted)


class MatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Match

    cohort = factory.SubFactory(CohortFactory)
    coach = factory.SubFactory(CoachProfileFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    status = enums.MatchStatus.CONFIRMED
    score = 20.0
    reasons = [["needs", ["finance"]]]


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.RelationshipPlan
        django_get_or_create = ("match",)

    match = factory.SubFactory(MatchFactory)


class VisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Visit

    match = factory.SubFactory(MatchFactory)
    author = factory.LazyAttribute(lambda o: o.match.coach.user)
    status = enums.VisitStatus.SUBMITTED
    visited_on = factory.LazyFunction(lambda: date(2026, 11, 20))
    mode = enums.VisitMode.ON_SITE
    phase = enums.VisitPhase.STRATEGY
    observations = "ทีมทดลองกลยุทธ์ใหม่ในชุมชน"
    submitted_at = factory.LazyFunction(timezone.now)


class ActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ActionItem

    match = factory.SubFactory(MatchFactory)
    title = "ทำแผนการเงินรายเดือน"
    owner = enums.ActionOwner.LEADER
    due_on = factory.LazyFunction(lambda: date(2026, 12, 5))


def leader_of(match, user=None):
    return ParticipantFactory(
        cohort=match.cohort, organisation=match.organisation, role=ParticipantRole.ORGANISATION_LEADER,
        user=user or UserFactory(),
    ).user  # fmt: skip


def jpeg_bytes(*, size=(1200, 900), gps=False, fmt="JPEG") -> bytes:
    image = Image.new("RGB", size, (40, 120, 200))
    out = io.BytesIO()
    if gps:
        exif = Image.Exif()
        exif[0x010F] = "PhoneMaker"  # Make
        gps_ifd = {1: "N", 2: (18.0, 47.0, 0.0), 3: "E", 4: (98.0, 59.0, 0.0)}
        exif[0x8825] = gps_ifd
        image.save(out, format=fmt, exif=exif)
    else:
        image.save(out, format=fmt)
    return out.getvalue()


def photo_upload(name="photo.jpg", **kwargs) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg_bytes(**kwargs), content_type="image/jpeg")
