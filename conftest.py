"""Suite-wide fixtures.

Tests that need PostgreSQL, Redis or Chromium skip with the reason when those are not
configured; with INCUBATOR_REQUIRE_SERVICES=1 (CI) they fail instead, so nothing skips there.
"""

import os
import shutil

import pytest
from django.conf import settings

REQUIRE_SERVICES = os.environ.get("INCUBATOR_REQUIRE_SERVICES") == "1"
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"


def _missing(marker: str) -> str | None:
    if marker == "postgres" and not settings.DATABASE_IS_POSTGRES:
        return "needs PostgreSQL: set DATABASE_URL=postgres://..."
    if marker == "redis" and not settings.REDIS_URL:
        return "needs Redis: set REDIS_URL=redis://..."
    if marker == "browser" and not os.path.exists(CHROMIUM):
        return f"needs Chromium at {CHROMIUM} (apt-get install chromium)"
    return None


def pytest_runtest_setup(item):
    for marker in ("postgres", "redis", "browser"):
        if item.get_closest_marker(marker) is None:
            continue
        reason = _missing(marker)
        if reason is None:
            continue
        if REQUIRE_SERVICES:
            pytest.fail(f"INCUBATOR_REQUIRE_SERVICES=1 but this test {reason}")
        pytest.skip(reason)


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The suite's staff predate two-factor login: a test that travels weeks ahead is not sent
    # to enrolment. The tests of two-factor login set the real grace period (`mfa_grace`).
    settings.MFA_GRACE_DAYS = 3650
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        # Uploads of a test go to its own temporary folder, never to var/private.
        "private": {"BACKEND": "incubator.storage.PrivateStorage", "OPTIONS": {"location": str(tmp_path / "private")}},
    }


@pytest.fixture(autouse=True)
def _celery_eager(request):
    """Tasks run in-process unless a test asks for the real broker (marker `redis`)."""
    from incubator.celery import app

    if request.node.get_closest_marker("redis"):
        yield
        return
    previous = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = previous


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def page(request, live_server, transactional_db):
    """A Chromium page (Playwright) against the live test server. Marks the test `browser`."""
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=15_000)  # a loaded 2-core CI machine is slower than a laptop

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-quic",
                "--no-first-run",
            ],
        )
        context = browser.new_context(base_url=live_server.url, locale="en-US", viewport={"width": 390, "height": 844})
        context.set_default_timeout(15_000)
        page = context.new_page()
        try:
            yield page
        finally:
            context.close()
            browser.close()
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture(autouse=True)
def _clear_email_template_overrides():
    """The outbox keeps staff template overrides (and a broker that just failed) per process; a
    test must not leave its own behind for the next one."""
    from incubator import tasks
    from incubator.mail import email_template_overrides_clear

    email_template_overrides_clear()
    tasks._broker["down_until"] = 0.0


@pytest.fixture
def fake_line(settings):
    """The fake LINE (incubator.linefake) in a thread, and the LINE settings pointed at it."""
    from incubator.linefake import start
    from incubator.tests.line_fixtures import CHANNEL_SECRET

    fake = start()
    settings.LINE_CHANNEL_ACCESS_TOKEN = "test-access-token"
    settings.LINE_CHANNEL_SECRET = CHANNEL_SECRET
    settings.LINE_API_HOST = fake.url
    settings.LINE_LOGIN_HOST = fake.url
    settings.LINE_LOGIN_API_HOST = fake.url
    yield fake
    fake.stop()
