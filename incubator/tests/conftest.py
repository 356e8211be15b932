"""Fixtures shared by the core's test files. The upload fixtures are re-exported by the apps'
test conftest files, so every app tests its uploads with the same files."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from incubator.tests.files import PDF, gps_exif, image_bytes


@pytest.fixture
def jpeg_with_gps():
    """A phone photo as uploaded: JPEG with camera and GPS EXIF."""
    return SimpleUploadedFile("visit.jpg", image_bytes("JPEG", exif=gps_exif()), "image/jpeg")


@pytest.fixture
def png_upload():
    return SimpleUploadedFile("map.png", image_bytes("PNG"), "image/png")


@pytest.fixture
def pdf_upload():
    return SimpleUploadedFile("plan.pdf", PDF, "application/pdf")
