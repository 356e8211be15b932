"""Fixtures shared by the cohorts test files."""

import pytest
from django.conf import settings
from django.utils import translation

from incubator.tests.conftest import jpeg_with_gps  # noqa: F401 - the same upload files as the core


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Uploaded files go to a temporary folder, never into the project's media/."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def english(client):
    """Pages in English, so that assertions read the source strings whatever the Thai catalog says."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield client
