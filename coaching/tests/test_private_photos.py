"""Visit photos (issue 12, item 10): stored in the private storage under random names (never
under MEDIA_ROOT) and handed out only to those who may read the visit, from the visit page and
from the admin's link alike."""

import uuid
from datetime import date

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.urls import reverse

from coaching.models import VisitPhoto
from coaching.services.visits import PhotoUpload, VisitInput, visit_submit
from coaching.tests.factories import jpeg_bytes, photo_upload
from incubator.tests.factories import SuperuserFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def photo(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    data = VisitInput(fields={"visited_on": date(2026, 11, 28), "mode": "on_site", "phase": "strategy"})
    data.photos = [PhotoUpload(client_id=uuid.uuid4(), file=photo_upload(gps=True))]
    visit, _created = visit_submit(match=world.match, by=world.coach, client_id=uuid.uuid4(), data=data)
    return VisitPhoto.objects.get(visit=visit)


def test_a_visit_photo_is_stored_privately_under_a_random_name(photo, settings):
    name = photo.image.name

    assert name.startswith("visit-photos/")
    assert str(photo.visit.match_id) not in name.split("/", 1)[1][:3]
    assert storages["private"].exists(name)
    assert not (settings.MEDIA_ROOT.exists() and any(settings.MEDIA_ROOT.rglob("*.jpg")))
    assert photo.image.url == f"/files/{name}"


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 404),
        ("unrelated", 404),
        ("other_leader", 404),
        ("other_coach", 404),
        ("other_staff", 404),
        ("leader", 200),
        ("coach", 200),
        ("researcher", 200),
        ("staff", 200),
        ("superuser", 200),
    ],
)
def test_photo_link_of_the_private_storage_permission_matrix(client, world, photo, who, status):
    users = {
        "unrelated": UserFactory(),
        "superuser": SuperuserFactory(),
        **{name: getattr(world, name) for name in ("other_leader", "other_coach", "other_staff", "leader", "coach")},
        "researcher": world.researcher,
        "staff": world.staff,
    }
    if who != "anonymous":
        client.force_login(users[who])

    response = client.get(photo.image.url)

    assert response.status_code == status
    if status == 200:
        assert response["Content-Type"] == "image/jpeg"
        assert b"".join(response.streaming_content).startswith(b"\xff\xd8")


def test_admin_visit_page_links_the_photo_through_the_checked_view(client, world, photo):
    client.force_login(world.staff)

    body = client.get(reverse("admin:coaching_visit_change", args=[photo.visit_id])).content.decode()

    assert f'href="/files/{photo.image.name}"' in body
    assert "/media/" not in body


def test_migration_moves_public_photos_to_the_private_storage(photo):
    from django.apps import apps

    from incubator.storage import move_public_files_to_private

    public = storages["default"]
    old = public.save(f"coaching/visits/{photo.visit.match_id}/{photo.client_id}.jpg", ContentFile(jpeg_bytes()))
    VisitPhoto.objects.filter(pk=photo.pk).update(image=old)

    assert move_public_files_to_private(apps.get_model("coaching", "VisitPhoto"), "image", folder="visit-photos") == 1

    photo.refresh_from_db()
    assert photo.image.name.startswith("visit-photos/")
    assert photo.image.name.endswith(".jpg")
    assert storages["private"].open(photo.image.name).read().startswith(b"\xff\xd8")
    assert not public.exists(old)
