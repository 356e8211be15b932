"""A photo attached to an application is stored without its metadata (GPS position, camera)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

from cohorts.enums import QuestionKind
from cohorts.models import Answer
from cohorts.services.applications import application_answers_save
from cohorts.tests.factories import ApplicationFactory, QuestionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Model] = "FieldPhone 12"
    exif[ExifTags.IFD.GPSInfo] = {ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (14.0, 58.0, 1.5)}
    buffer = io.BytesIO()
    Image.new("RGB", (30, 20), (0, 120, 60)).save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def test_application_answers_save_stores_a_photo_without_gps_or_camera():
    application = ApplicationFactory()
    question = QuestionFactory(cohort=application.cohort, kind=QuestionKind.FILE)
    photo = SimpleUploadedFile("ที่ตั้งองค์กร.jpg", _jpeg_with_gps(), "image/jpeg")

    application_answers_save(application=application, answers={question.pk: photo})

    answer = Answer.objects.get()
    with answer.file.open("rb") as stored:
        data = stored.read()
    with Image.open(io.BytesIO(data)) as image:
        assert image.getexif().get_ifd(ExifTags.IFD.GPSInfo) == {}
        assert dict(image.getexif()) == {}
        assert image.size == (30, 20)
    assert b"FieldPhone" not in data
    assert answer.value == "ที่ตั้งองค์กร.jpg"
