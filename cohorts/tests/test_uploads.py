"""A photo attached to an application is stored without its metadata (GPS position, camera)."""

import io

import pytest
from PIL import ExifTags, Image

from cohorts.enums import QuestionKind
from cohorts.models import Answer
from cohorts.services.applications import application_answers_save
from cohorts.tests.factories import ApplicationFactory, QuestionFactory
from incubator.tests.files import CAMERA

pytestmark = pytest.mark.django_db


def test_application_answers_save_stores_a_photo_without_gps_or_camera(jpeg_with_gps):
    application = ApplicationFactory()
    question = QuestionFactory(cohort=application.cohort, kind=QuestionKind.FILE)

    application_answers_save(application=application, answers={question.pk: jpeg_with_gps})

    answer = Answer.objects.get()
    with answer.file.open("rb") as stored:
        data = stored.read()
    with Image.open(io.BytesIO(data)) as image:
        assert image.getexif().get_ifd(ExifTags.IFD.GPSInfo) == {}
        assert dict(image.getexif()) == {}
        assert image.size == (40, 20)
    assert CAMERA.encode() not in data
    assert answer.value == "visit.jpg"
