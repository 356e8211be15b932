"""Fixtures shared by the core's test files. The upload fixtures are re-exported by the apps'
test conftest files, so every app tests its uploads with the same files."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from incubator.linefake import start as start_fake_line
from incubator.tests.files import gps_exif, image_bytes
from incubator.tests.line_fixtures import CHANNEL_SECRET


@pytest.fixture
def jpeg_with_gps():
    """A phone photo as uploaded: a JPEG whose EXIF holds the camera and a GPS position."""
    return SimpleUploadedFile("visit.jpg", image_bytes("JPEG", exif=gps_exif()), "image/jpeg")


@pytest.fixture
def fake_line(settings):
    """The fake LINE (incubator.linefake) in a thread, and the LINE settings pointed at it."""
    fake = start_fake_line()
    settings.LINE_CHANNEL_ACCESS_TOKEN = "test-access-token"
    settings.LINE_CHANNEL_SECRET = CHANNEL_SECRET
    settings.LINE_API_HOST = fake.url
    settings.LINE_LOGIN_HOST = fake.url
    settings.LINE_LOGIN_API_HOST = fake.url
    yield fake
    fake.stop()
