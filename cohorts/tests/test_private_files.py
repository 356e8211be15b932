"""Uploaded files are private in every settings mode: random names, no static route, and
only the scoped views (applicant, assigned reviewer, program staff, the admin's link) hand
them out; Thai file names come back intact."""

import importlib
import re
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import clear_url_caches, reverse

from cohorts.enums import QuestionKind, ReviewState
from cohorts.services.applications import application_save_draft
from cohorts.services.reviews import staff_grant_program_role
from cohorts.tests.factories import (
    ApplicationFactory,
    CohortFactory,
    QuestionFactory,
    ReviewAssignmentFactory,
    TrackFactory,
)
from incubator.tests.factories import SuperuserFactory, UserFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4 the applicant's plan"
THAI_NAME = "แผนงานองค์กร.pdf"


@pytest.fixture(params=["debug", "production"])
def mode(request, settings):
    """The URLconf as each settings mode builds it (DEBUG decides what incubator.urls adds)."""
    settings.DEBUG = request.param == "debug"
    if request.param == "production":
        settings.SECURE_SSL_REDIRECT = True
        settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
        settings.SESSION_COOKIE_SECURE = True
        settings.CSRF_COOKIE_SECURE = True
    import incubator.urls

    importlib.reload(incubator.urls)
    clear_url_caches()
    yield request.param
    settings.DEBUG = False
    importlib.reload(incubator.urls)
    clear_url_caches()


@pytest.fixture
def stored():
    """A submitted application with one uploaded file, its reviewer, its program's staff."""
    cohort = CohortFactory()
    track = TrackFactory(cohort=cohort)
    question = QuestionFactory(cohort=cohort, kind=QuestionKind.FILE, text="แผนงาน")
    application = ApplicationFactory(cohort=cohort, track=track)
    application_save_draft(
        application=application,
        by=application.applicant,
        answers={question.pk: SimpleUploadedFile(THAI_NAME, PDF, "application/pdf")},
    )
    application.status = "submitted"
    application.save(update_fields=["status"])
    answer = application.answers.get()
    reviewer = UserFactory()
    review = ReviewAssignmentFactory(application=application, reviewer=reviewer)
    staff = UserFactory()
    staff_grant_program_role(user=staff, program=cohort.program)
    other_staff = UserFactory()
    staff_grant_program_role(user=other_staff, program=CohortFactory().program)
    return {
        "application": application,
        "question": question,
        "answer": answer,
        "review": review,
        "users": {
            "anonymous": None,
            "unrelated": UserFactory(),
            "staff_of_another_program": other_staff,
            "applicant": application.applicant,
            "assigned_reviewer": reviewer,
            "program_staff": staff,
            "superuser": SuperuserFactory(),
        },
    }


def _urls(stored) -> list[str]:
    """Every way to address the stored file: its storage URL, the static media route it
    used to have, and the applicant's and the reviewer's download views."""
    answer, application, question = stored["answer"], stored["application"], stored["question"]
    return [
        answer.file.url,
        f"/media/{answer.file.name}",
        f"/media/applications/{application.cohort_id}/{application.pk}/{THAI_NAME}",
        reverse("cohorts:application_file", kwargs={"pk": application.pk, "question_id": question.pk}),
        reverse("cohorts:review_file", kwargs={"pk": stored["review"].pk, "question_id": question.pk}),
    ]


def _get(client, url, mode):
    return client.get(url, secure=mode == "production")


def test_stored_file_name_reveals_nothing(stored):
    name = stored["answer"].file.name

    assert re.fullmatch(r"answers/[0-9a-f]{2}/[0-9a-f]{32}", name)
    assert stored["answer"].value == THAI_NAME
    assert stored["answer"].file.url == f"/files/{name}"
    assert not name.startswith("media")


@pytest.mark.parametrize("who", ["anonymous", "unrelated", "staff_of_another_program"])
def test_stored_file_answers_404_to_outsiders_in_every_mode(client, stored, mode, who):
    user = stored["users"][who]
    if user is not None:
        client.force_login(user)

    for url in _urls(stored):
        response = _get(client, url, mode)
        assert response.status_code == 404, (mode, who, url, response.status_code)
        assert PDF not in response.content


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("applicant", {0, 3}),
        ("assigned_reviewer", {0, 4}),
        ("program_staff", {0}),
        ("superuser", {0}),
    ],
)
def test_stored_file_opens_only_through_the_scoped_views(client, stored, mode, who, allowed):
    client.force_login(stored["users"][who])

    for index, url in enumerate(_urls(stored)):
        response = _get(client, url, mode)
        if index in allowed:
            assert response.status_code == 200, (mode, who, url)
            assert b"".join(response.streaming_content) == PDF
            assert response["Cache-Control"] == "private, no-store"
        else:
            assert response.status_code == 404, (mode, who, url, response.status_code)


def test_download_keeps_the_thai_file_name_with_its_tone_marks(client, stored):
    client.force_login(stored["users"]["applicant"])

    response = client.get(stored["answer"].file.url)

    disposition = response["Content-Disposition"]
    assert f"filename*=UTF-8''{quote(THAI_NAME, safe='')}" in disposition
    assert quote("องค์กร") in disposition  # ์ (U+0E4C) is kept, not stripped to องคกร
    assert 'filename="file.pdf"' in disposition


def test_reviewer_after_a_conflict_gets_404(client, stored):
    review = stored["review"]
    review.state = ReviewState.CONFLICT
    review.save(update_fields=["state"])
    client.force_login(stored["users"]["assigned_reviewer"])

    assert client.get(stored["answer"].file.url).status_code == 404


def test_staff_open_an_applicants_file_from_the_admin_in_production_settings(client, stored, mode):
    client.force_login(stored["users"]["program_staff"])
    page = _get(client, reverse("admin:cohorts_application_change", args=[stored["application"].pk]), mode)
    assert page.status_code == 200
    links = re.findall(r'href="(/files/[^"]+)"', page.content.decode())

    assert links == [stored["answer"].file.url]
    response = _get(client, links[0], mode)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF


def test_migration_moves_old_public_files_to_private_random_names(settings, tmp_path):
    """Files uploaded before (MEDIA_ROOT/applications/<cohort>/<application>/<name>) move to
    the private storage under a random name; the public copy is deleted."""
    from importlib import import_module

    from django.apps import apps
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage, storages

    from cohorts.models import Answer

    settings.MEDIA_ROOT = tmp_path / "media"
    application = ApplicationFactory()
    question = QuestionFactory(cohort=application.cohort, kind=QuestionKind.FILE)
    old = default_storage.save(f"applications/{application.cohort_id}/{application.pk}/องคกร.pdf", ContentFile(PDF))
    Answer.objects.create(application=application, question=question, value="องค์กร.pdf", file=old)

    import_module("cohorts.migrations.0002_answer_file_private").move_to_private(apps, None)

    answer = Answer.objects.get()
    assert re.fullmatch(r"answers/[0-9a-f]{2}/[0-9a-f]{32}", answer.file.name)
    assert answer.value == "องค์กร.pdf"
    assert storages["private"].open(answer.file.name).read() == PDF
    assert not default_storage.exists(old)
