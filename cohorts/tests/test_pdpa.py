"""A person's PDPA download: the ZIP holds exactly their data (two applicants of one cohort,
each checked against the other), the emailed link works once, only for them, and expires;
a lost task is built by the sweep; the download is in the access log."""

import io
import json
import re
import zipfile
from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from cohorts.enums import QuestionKind
from cohorts.services.applications import application_save_draft
from cohorts.tests.factories import ApplicationFactory, CohortFactory, QuestionFactory, TrackFactory
from incubator import pdpa
from incubator.audit import access_log_record
from incubator.enums import AccessAction
from incubator.mail import queue_mail
from incubator.models import AccessLogEntry, DataExport, OutboundEmail
from incubator.tests.factories import StaffFactory, SuperuserFactory, UserFactory

pytestmark = pytest.mark.django_db

TEMPLATE = "incubator/data_export_ready"


@pytest.fixture
def two_applicants():
    """Two people who applied to the same cohort, each with a file, an answer, a message and
    an access-log entry about their application."""
    cohort = CohortFactory()
    track = TrackFactory(cohort=cohort)
    question = QuestionFactory(cohort=cohort, kind=QuestionKind.FILE, text="แผนงาน")
    people = {}
    for key, name, phone, plan in (
        ("a", "สมหญิง ใจดี", "0812345678", b"%PDF-1.4 somying's plan"),
        ("b", "สมชาย รักถิ่น", "0898765432", b"%PDF-1.4 somchai's plan"),
    ):
        user = UserFactory(email=f"{key}-person@example.org", full_name=name, phone=phone)
        application = ApplicationFactory(
            cohort=cohort, track=track, applicant=user, motivation=f"แรงจูงใจของ {name}", employer=f"บริษัท {key}"
        )
        application_save_draft(
            application=application,
            by=user,
            answers={question.pk: SimpleUploadedFile(f"แผน-{key}.pdf", plan, "application/pdf")},
        )
        queue_mail(key=f"hello:{key}", to=user.email, user=user, subject=f"สวัสดี {name}", body_text=f"ข้อความถึง {name}")
        access_log_record(user=StaffFactory(), action=AccessAction.VIEW, target=application)
        people[key] = {"user": user, "name": name, "phone": phone, "plan": plan, "application": application}
    return people


def _ask_and_open_link(client, user, django_capture_on_commit_callbacks):
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("my_data"))
    assert response.status_code == 302
    email = OutboundEmail.objects.get(template=TEMPLATE, recipient_user=user)
    return re.search(r"https?://\S+", email.body_text).group(0)


def _zip_texts(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


@pytest.mark.parametrize(("me", "other"), [("a", "b"), ("b", "a")])
def test_data_zip_holds_the_persons_data_and_nobody_elses(
    client, two_applicants, django_capture_on_commit_callbacks, me, other
):
    mine, theirs = two_applicants[me], two_applicants[other]
    url = _ask_and_open_link(client, mine["user"], django_capture_on_commit_callbacks)

    response = client.get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    files = _zip_texts(b"".join(response.streaming_content))
    assert {"data.json", "summary.html", f"files/application-{mine['application'].pk}/แผน-{me}.pdf"} == set(files)
    assert files[f"files/application-{mine['application'].pk}/แผน-{me}.pdf"] == mine["plan"]
    data = json.loads(files["data.json"])
    assert data["person"] == mine["user"].email
    assert [row["id"] for row in data["sections"]["applications"]] == [mine["application"].pk]
    assert [row["subject"] for row in data["sections"]["messages"]] == [f"สวัสดี {mine['name']}"]
    about = [(row["target"], row["target_id"]) for row in data["sections"]["access_log"]]
    assert about == [("cohorts.application", str(mine["application"].pk))]
    everything = b"".join(files.values()).decode("utf-8", "replace")
    for text in (mine["name"], mine["user"].email, mine["phone"], f"แรงจูงใจของ {mine['name']}"):
        assert text in everything
    for text in (theirs["name"], theirs["user"].email, theirs["phone"], f"บริษัท {other}", f"แผน-{other}"):
        assert text not in everything
    assert theirs["plan"].decode() not in everything


def test_download_is_in_the_access_log(client, two_applicants, django_capture_on_commit_callbacks):
    person = two_applicants["a"]["user"]
    url = _ask_and_open_link(client, person, django_capture_on_commit_callbacks)

    client.get(url)

    entry = AccessLogEntry.objects.get(action=AccessAction.DATA_DOWNLOAD)
    assert (entry.user_id, entry.target, entry.target_id) == (person.pk, "incubator.user", str(person.pk))


def test_link_works_once(client, two_applicants, django_capture_on_commit_callbacks):
    url = _ask_and_open_link(client, two_applicants["a"]["user"], django_capture_on_commit_callbacks)
    assert client.get(url).status_code == 200

    again = client.get(url)

    assert again.status_code == 410
    assert "used" in again.content.decode() or "ใช้" in again.content.decode()
    assert AccessLogEntry.objects.filter(action=AccessAction.DATA_DOWNLOAD).count() == 1


@pytest.mark.parametrize(("days", "status"), [(6.9, 200), (7.01, 410)])
def test_link_expires_after_seven_days(client, two_applicants, django_capture_on_commit_callbacks, days, status):
    url = _ask_and_open_link(client, two_applicants["a"]["user"], django_capture_on_commit_callbacks)

    with time_machine.travel(timezone.now() + timedelta(days=days)):
        response = client.get(url)

    assert response.status_code == status


@pytest.mark.parametrize("who", ["anonymous", "other", "staff", "superuser"])
def test_link_is_only_for_its_person(client, two_applicants, django_capture_on_commit_callbacks, who):
    url = _ask_and_open_link(client, two_applicants["a"]["user"], django_capture_on_commit_callbacks)
    client.logout()
    if who != "anonymous":
        client.force_login(
            {"other": two_applicants["b"]["user"], "staff": StaffFactory(), "superuser": SuperuserFactory()}[who]
        )

    response = client.get(url)

    if who == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    else:
        assert response.status_code == 404
    assert DataExport.objects.get().used_at is None  # the person's link is still unspent
    assert not AccessLogEntry.objects.filter(action=AccessAction.DATA_DOWNLOAD).exists()


def test_a_forged_or_altered_token_is_404(client, two_applicants, django_capture_on_commit_callbacks):
    url = _ask_and_open_link(client, two_applicants["a"]["user"], django_capture_on_commit_callbacks)
    forged = reverse("data_export_download", kwargs={"token": pdpa.signing.dumps({"e": 1}, salt="other")})

    assert client.get(forged).status_code == 404
    assert client.get(url[:-3] + "xx/").status_code == 404


@pytest.mark.parametrize("who", ["anonymous", "person"])
def test_my_data_page(client, who):
    if who == "person":
        client.force_login(UserFactory())

    response = client.get(reverse("my_data"))

    assert response.status_code == (200 if who == "person" else 302)


def test_asking_twice_builds_one_export(client, django_capture_on_commit_callbacks, settings):
    person = UserFactory()
    client.force_login(person)
    from incubator.celery import app

    app.conf.task_always_eager = False  # the broker "loses" the task: the request stays unbuilt
    settings.CELERY_BROKER_URL = "memory://"
    try:
        with django_capture_on_commit_callbacks(execute=False):
            client.post(reverse("my_data"))
            client.post(reverse("my_data"))
    finally:
        app.conf.task_always_eager = True

    assert DataExport.objects.filter(user=person).count() == 1


def test_sweep_builds_a_lost_request_and_deletes_spent_files(client):
    person = UserFactory()
    lost = DataExport.objects.create(user=person, requested_at=timezone.now() - timedelta(minutes=30))

    assert pdpa.data_exports_sweep()["rebuilt"] == 1

    lost.refresh_from_db()
    assert lost.built_at is not None
    assert OutboundEmail.objects.filter(template=TEMPLATE, recipient_user=person).count() == 1
    storage = pdpa.private_storage()
    assert storage.exists(lost.file_name)
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        assert pdpa.data_exports_sweep() == {"rebuilt": 0, "deleted": 1}
    assert not storage.exists(lost.file_name)
    assert pdpa.data_exports_sweep(now=timezone.now() + timedelta(days=9)) == {"rebuilt": 0, "deleted": 0}


def test_build_is_done_once(client):
    export = DataExport.objects.create(user=UserFactory())

    assert pdpa.data_export_build(export=export) is True
    assert pdpa.data_export_build(export=export) is False
    assert OutboundEmail.objects.filter(template=TEMPLATE).count() == 1
