"""Absolute links for emails: SITE_URL plus a path or a named URL (incubator.links)."""

from incubator.links import absolute_url


def test_absolute_url_joins_site_url_and_a_path(settings):
    settings.SITE_URL = "https://incubator.example.org"

    assert absolute_url("/applications/7/") == "https://incubator.example.org/applications/7/"


def test_absolute_url_reverses_a_named_url(settings):
    settings.SITE_URL = "https://incubator.example.org"

    assert absolute_url("set_language") == "https://incubator.example.org/i18n/setlang/"
    assert absolute_url("cohorts:application_detail", pk=7) == "https://incubator.example.org/applications/7/"


def test_absolute_url_leaves_an_absolute_url_as_it_is():
    assert absolute_url("https://other.example.org/x") == "https://other.example.org/x"
