"""Admin: program staff see their programs' coaching rows only, in flat queries; exports work."""

import pytest
from django.contrib import admin as django_admin
from django.urls import reverse
from import_export.formats.base_formats import CSV

from coaching.exports import VisitResource
from coaching.models import Visit
from coaching.tests.factories import ActionFactory, MatchFactory, VisitFactory

pytestmark = pytest.mark.django_db

CHANGELISTS = ["match", "visit", "actionitem", "coachprofile", "relationshipplan", "visitphoto", "pairrule"]


@pytest.mark.parametrize("model", CHANGELISTS)
def test_changelists_open_for_program_staff(client, world, model):
    client.force_login(world.staff)

    response = client.get(reverse(f"admin:coaching_{model}_changelist"))

    assert response.status_code == 200


def test_staff_of_another_program_see_no_visits_or_matches(client, world):
    client.force_login(world.other_staff)

    visits = client.get(reverse("admin:coaching_visit_changelist")).content.decode()
    matches = client.get(reverse("admin:coaching_match_changelist")).content.decode()
    change = client.get(reverse("admin:coaching_visit_change", args=[world.visit.pk]))

    assert world.match.organisation.name not in visits
    assert world.match.organisation.name not in matches
    assert change.status_code == 302  # "not found": back to the admin index


@pytest.mark.parametrize("extra", [0, 5])
def test_visit_changelist_query_count_is_flat(client, world, django_assert_num_queries, extra):
    for _ in range(extra):
        VisitFactory(match=MatchFactory(cohort=world.cohort))
    client.force_login(world.staff)

    with django_assert_num_queries(12):
        response = client.get(reverse("admin:coaching_visit_changelist"))

    assert response.status_code == 200


@pytest.mark.parametrize("extra", [0, 5])
def test_match_changelist_query_count_is_flat(client, world, django_assert_num_queries, extra):
    for _ in range(extra):
        MatchFactory(cohort=world.cohort)
    client.force_login(world.staff)

    with django_assert_num_queries(10):
        response = client.get(reverse("admin:coaching_match_changelist"))

    assert response.status_code == 200


@pytest.mark.parametrize("extra", [0, 5])
def test_action_changelist_query_count_is_flat(client, world, django_assert_num_queries, extra):
    for _ in range(extra):
        ActionFactory(match=MatchFactory(cohort=world.cohort))
    client.force_login(world.staff)

    with django_assert_num_queries(8):
        response = client.get(reverse("admin:coaching_actionitem_changelist"))

    assert response.status_code == 200


def test_visit_export_has_program_rows_only(client, world):
    outside = VisitFactory(observations="โครงการอื่น")
    client.force_login(world.staff)
    model_admin = django_admin.site._registry[Visit]
    csv_index = next(i for i, f in enumerate(model_admin.get_export_formats()) if f is CSV)
    fields = {f"visitresource_{name}": "on" for name in VisitResource().get_export_order()}

    response = client.post(
        reverse("admin:coaching_visit_export"), {"format": str(csv_index), "resource": "0", **fields}
    )

    body = response.content.decode("utf-8-sig")
    assert response["Content-Type"].startswith("text/csv")
    assert world.visit.observations in body
    assert outside.observations not in body


def _coaching_emails(world):
    from django.contrib.auth.models import Permission

    from incubator.mail import queue_mail

    outbox = Permission.objects.filter(content_type__app_label="incubator", codename__endswith="outboundemail")
    world.staff.user_permissions.add(*outbox)
    world.other_staff.user_permissions.add(*outbox)
    queue_mail(key="t:match", to="match-mail@example.org", subject="จับคู่", body_text="…", related=world.match)
    queue_mail(key="t:visit", to="visit-mail@example.org", subject="เยี่ยม", body_text="…", related=world.visit)
    queue_mail(key="t:action", to="action-mail@example.org", subject="งาน", body_text="…", related=world.action)


@pytest.mark.parametrize(("who", "seen"), [("staff", True), ("other_staff", False)])
def test_outbox_shows_program_staff_their_coaching_emails_only(client, world, who, seen):
    _coaching_emails(world)
    client.force_login(getattr(world, who))

    response = client.get(reverse("admin:incubator_outboundemail_changelist"))

    body = response.content.decode()
    assert response.status_code == 200
    assert [address in body for address in ("match-mail@", "visit-mail@", "action-mail@")] == [seen] * 3
