"""The coaching part of a person's PDPA download: the coach gets their profile and the visits
they wrote (with photos); the leader gets the visits shared with their organisation; nobody
gets a visit they may not read (a draft, one not shared, another organisation's)."""

import pytest
from django.core.files.base import ContentFile

from coaching.enums import VisitStatus
from coaching.models import VisitPhoto
from coaching.pdpa import personal_data
from coaching.tests.factories import MatchFactory, VisitFactory, jpeg_bytes, leader_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def visits():
    match = MatchFactory()
    other_match = MatchFactory(cohort=match.cohort)
    shared = VisitFactory(match=match, observations="แบ่งปันกับผู้นำ")
    hidden = VisitFactory(match=match, shared_with_leader=False, observations="ไม่แบ่งปัน")
    draft = VisitFactory(match=match, status=VisitStatus.DRAFT, submitted_at=None, observations="ฉบับร่าง")
    elsewhere = VisitFactory(match=other_match, observations="องค์กรอื่น")
    photo = VisitPhoto(visit=shared)
    photo.image.save("x.jpg", ContentFile(jpeg_bytes(size=(10, 10))), save=True)
    return {
        "match": match,
        "leader": leader_of(match),
        "shared": shared,
        "hidden": hidden,
        "draft": draft,
        "elsewhere": elsewhere,
        "photo": photo,
    }


def _ids(data, key):
    return sorted(row["id"] for row in next(s for s in data.sections if s.key == key).rows)


def test_coach_gets_profile_and_every_visit_they_wrote_with_photos(visits):
    data = personal_data(visits["match"].coach.user)

    assert _ids(data, "coach_profile") == [visits["match"].coach.pk]
    assert _ids(data, "visits") == sorted([visits["shared"].pk, visits["hidden"].pk, visits["draft"].pk])
    assert [stored for _arcname, stored in data.files] == [visits["photo"].image.name]


def test_leader_gets_only_the_visits_shared_with_them(visits):
    data = personal_data(visits["leader"])

    assert _ids(data, "coach_profile") == []
    assert _ids(data, "visits") == [visits["shared"].pk]
    assert [stored for _arcname, stored in data.files] == [visits["photo"].image.name]
