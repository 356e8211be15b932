"""Fixtures shared by the core's test files. The upload fixtures are re-exported by the apps'
test conftest files, so every app tests its uploads with the same files."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from incubator.tests.files import gps_exif, image_bytes


@pytest.fixture
def jpeg_with_gps():
    """A phone photo as uploaded: a JPEG whose EXIF holds the camera and a GPS position."""
    return SimpleUploadedFile("visit.jpg", image_bytes("JPEG", exif=gps_exif()), "image/jpeg")
