"""What a phone on a slow line downloads: the purged Bootstrap and compressed pages.

The pages load `static/vendor/bootstrap/bootstrap.subset.min.css`, the part of Bootstrap the
code uses, built by `bin/build-css` (PurgeCSS). A class added to a template without rebuilding
would silently have no style: the first test finds it, with the same word-splitting PurgeCSS
uses, over the same files (bin/purgecss.config.cjs)."""

import gzip
import re
from pathlib import Path

import crispy_bootstrap5
import pytest
from django.conf import settings
from django.urls import reverse

ROOT = Path(settings.BASE_DIR)
BOOTSTRAP = ROOT / "static" / "vendor" / "bootstrap"
APPS = ("incubator", "cohorts", "coaching", "workshops", "dashboard")
CLASS = re.compile(r"\.(-?[A-Za-z_][A-Za-z0-9_-]*)")
TAG = re.compile(r"(?:^|[\s>+~])([a-z][a-z0-9]*)")
WORD = re.compile(r"[A-Za-z0-9_-]+")  # PurgeCSS's default extractor


def selectors(path: Path) -> set[str]:
    """Every selector of every rule (selector lists split), without attribute selectors."""
    text = re.sub(r"/\*.*?\*/", "", path.read_text(encoding="utf-8"), flags=re.S)
    found = set()
    for prelude in re.findall(r"([^{}]+)\{", text):
        for selector in prelude.split(","):
            selector = selector.strip()
            if selector.startswith(("@", ":root")) or "[" in selector or not CLASS.search(selector):
                continue
            found.add(selector)
    return found


def content_files() -> list[Path]:
    crispy = Path(crispy_bootstrap5.__file__).parent / "templates"
    files = [*ROOT.glob("templates/**/*.html"), *ROOT.glob("templates/**/*.txt")]
    files += [
        *ROOT.glob("*/templates/**/*.html"),
        *ROOT.glob("*/templates/**/*.txt"),
        *ROOT.glob("*/templates/**/*.js"),
    ]
    files += [path for app in APPS for path in (ROOT / app).glob("**/*.py")]
    files += [*ROOT.glob("static/js/**/*.js"), *ROOT.glob("*/static/**/*.js"), *crispy.glob("**/*.html")]
    return [path for path in files if ".venv" not in path.parts]


def test_bootstrap_subset_keeps_every_rule_whose_classes_the_code_names():
    words = set()
    for path in content_files():
        words |= set(WORD.findall(path.read_text(encoding="utf-8", errors="replace")))
    kept = selectors(BOOTSTRAP / "bootstrap.subset.min.css")
    needed = {
        selector
        for selector in selectors(BOOTSTRAP / "bootstrap.min.css")
        if set(CLASS.findall(selector)) | set(TAG.findall(selector)) <= words
    }

    assert sorted(needed - kept) == [], "rebuild the CSS with `make css` (bin/build-css) and commit it"


@pytest.mark.django_db
def test_base_page_loads_the_bootstrap_subsets_not_the_whole_of_bootstrap(client):
    html = client.get(reverse("home")).content.decode()

    assert "bootstrap.subset.min.css" in html
    assert "bootstrap.subset.min.js" in html
    assert "bootstrap.min.css" not in html
    assert "bootstrap.bundle.min.js" not in html


def test_bootstrap_subset_script_keeps_the_navbar_collapse():
    script = (BOOTSTRAP / "bootstrap.subset.min.js").read_text(encoding="utf-8")

    assert '[data-bs-toggle="collapse"]' in script
    assert "Licensed under MIT" in script


@pytest.mark.django_db
def test_pages_are_gzipped_for_a_browser_that_accepts_it(client):
    response = client.get(reverse("home"), HTTP_ACCEPT_ENCODING="gzip, deflate, br")

    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    assert b"<html" in gzip.decompress(response.content)


@pytest.mark.django_db
def test_pages_are_plain_for_a_client_that_does_not_accept_gzip(client):
    response = client.get(reverse("home"))

    assert response.status_code == 200
    assert not response.has_header("Content-Encoding")
