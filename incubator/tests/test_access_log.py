"""The access log of personal data: append-only (the database refuses UPDATE and DELETE on
PostgreSQL), purged only by its beat task after the retention time, readable and filterable
by superusers in the admin and by nobody else."""

from datetime import timedelta

import pytest
import time_machine
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from incubator import tasks
from incubator.audit import access_log_record
from incubator.enums import AccessAction
from incubator.models import AccessLogEntry
from incubator.tests.factories import StaffFactory, SuperuserFactory, UserFactory

pytestmark = pytest.mark.django_db


def _entry(**kwargs):
    request = RequestFactory().get("/files/x", REMOTE_ADDR="192.0.2.7")
    request.user = kwargs.pop("user", None) or UserFactory()
    return access_log_record(request=request, action=AccessAction.DOWNLOAD, target="cohorts.answer", **kwargs)


def test_record_keeps_who_what_when_and_from_where():
    user = UserFactory(email="reader@example.org")

    entry = _entry(user=user, target_id=42, detail="plan.pdf")

    assert (entry.user_id, entry.user_email, entry.target, entry.target_id, entry.detail, entry.ip, entry.path) == (
        user.pk,
        "reader@example.org",
        "cohorts.answer",
        "42",
        "plan.pdf",
        "192.0.2.7",
        "/files/x",
    )


@pytest.mark.postgres
@pytest.mark.parametrize(
    "statement", ["UPDATE incubator_accesslogentry SET detail = 'x'", "DELETE FROM incubator_accesslogentry"]
)
def test_the_database_refuses_to_change_or_delete_an_entry(statement):
    _entry()

    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)

    assert AccessLogEntry.objects.count() == 1


@pytest.mark.postgres
def test_the_orm_cannot_change_or_delete_an_entry_either():
    entry = _entry()

    with pytest.raises(DatabaseError), transaction.atomic():
        AccessLogEntry.objects.filter(pk=entry.pk).update(detail="changed")
    with pytest.raises(DatabaseError), transaction.atomic():
        entry.delete()

    assert AccessLogEntry.objects.get().detail == ""


def test_purge_deletes_only_entries_older_than_the_retention_and_only_once(settings):
    settings.ACCESS_LOG_RETENTION_DAYS = 30
    with time_machine.travel(timezone.now() - timedelta(days=31)):
        _entry(detail="old")
    with time_machine.travel(timezone.now() - timedelta(days=29)):
        _entry(detail="kept")

    first, second = tasks.access_log_purge(), tasks.access_log_purge()

    assert (first, second) == (1, 0)
    assert list(AccessLogEntry.objects.values_list("detail", flat=True)) == ["kept"]


def test_only_superusers_read_the_log_in_the_admin_and_nobody_edits_it(client):
    entry = _entry()
    for user, status in ((StaffFactory(), 403), (SuperuserFactory(), 200)):
        client.force_login(user)
        assert client.get(reverse("admin:incubator_accesslogentry_changelist")).status_code == status
        assert client.get(reverse("admin:incubator_accesslogentry_change", args=[entry.pk])).status_code == status
        assert client.post(reverse("admin:incubator_accesslogentry_delete", args=[entry.pk])).status_code == 403
    assert client.get(reverse("admin:incubator_accesslogentry_add")).status_code == 403
    assert AccessLogEntry.objects.count() == 1


def test_admin_changelist_filters_with_a_flat_query_count(client, django_assert_num_queries):
    client.force_login(SuperuserFactory())
    url = reverse("admin:incubator_accesslogentry_changelist") + "?action__exact=download"
    _entry()
    with django_assert_num_queries(6):
        assert client.get(url).status_code == 200
    for _ in range(20):
        _entry()
    with django_assert_num_queries(6):
        response = client.get(url)
    assert len(response.context["cl"].result_list) == 21


def test_admin_changelist_answers_400_to_a_date_the_calendar_refuses(client):
    client.force_login(SuperuserFactory())

    response = client.get(reverse("admin:incubator_accesslogentry_changelist") + "?at__year=9999&at__month=13")

    assert response.status_code == 400
