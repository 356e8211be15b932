"""The Thai walk's detector, shared by the walks of every app: the English words left in what a
person reads on a Thai page.

Visible text (text nodes, placeholders, button values, titles, aria-labels, alt texts and the
data-*-text attributes scripts show) is searched for ASCII words of three letters or more.
Allowed: a short list of proper names and codes, email addresses and URLs. The data of a walk
is Thai, so every English word found comes from the code.
"""

import re
from html.parser import HTMLParser

from django.conf import settings

# Names and codes that stay as they are in Thai text.
ALLOWED = {
    "English",  # the language switcher names the other language in itself
    "PDF",
    "CSV",
    "JPG",
    "PNG",
    "JPEG",
    "WebP",
    "UUID",
    "Word",
    "Excel",
    "PowerPoint",
    "pptx",
    "docx",
    "xlsx",
    "PDPA",
    "Intrapreneur",
    "LINE",  # the messaging app's name
    "HTML",  # a format, as PDF
    "ZIP",  # a format, as PDF
}
# Terms of the trade the programs write in English inside Thai text (any case), e.g. a gloss
# "ต้นทุนต่อหน่วยผลลัพธ์ (impact unit cost)".
ALLOWED_PHRASES = ("impact unit cost", "impact")
WORD = re.compile(r"[A-Za-z]{3,}")
# and {placeholders} scripts fill, file paths (workshops/materials/slides.pdf) and UUIDs
EMAIL_OR_URL = re.compile(
    r"\S+@\S+|https?://\S+|www\.\S+|\{\w+\}|\S+/\S+\.\w{2,4}\b|[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}"
)


class VisibleText(HTMLParser):
    # <code>: a machine code; <textarea>: what was typed (data, e.g. the English description).
    SKIP = {"script", "style", "template", "noscript", "code", "textarea"}
    ATTRIBUTES = ("placeholder", "title", "aria-label", "alt")

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skipping += 1
        attrs = dict(attrs)
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.parts.append(attrs["value"])
        for name in self.ATTRIBUTES:
            if attrs.get(name):
                self.parts.append(attrs[name])
        for name, value in attrs.items():
            if name.startswith("data-") and name.endswith("-text") and value:
                self.parts.append(value)  # texts that scripts show (keep-form, char-count, offline)

    def handle_endtag(self, tag):
        if tag in self.SKIP and self.skipping:
            self.skipping -= 1

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def english_in_text(text: str) -> list[str]:
    """The English words in plain text (an email, a subject line)."""
    text = EMAIL_OR_URL.sub(" ", text)
    for phrase in ALLOWED_PHRASES:
        text = re.sub(rf"\b{phrase}\b", " ", text, flags=re.IGNORECASE)
    return sorted({word for word in WORD.findall(text) if word not in ALLOWED})


def english_words(html: str) -> list[str]:
    """The English words a person reads on an HTML page."""
    parser = VisibleText()
    parser.feed(html)
    return english_in_text(" ".join(parser.parts))


GREGORIAN_YEAR = re.compile(r"(?<!\d)20[1-4]\d(?!\d)")


def gregorian_years(html: str) -> list[str]:
    """Years of the Common Era a person reads on a page (Thai pages give Buddhist Era years)."""
    parser = VisibleText()
    parser.feed(html)
    text = EMAIL_OR_URL.sub(" ", " ".join(parser.parts))
    return sorted(set(GREGORIAN_YEAR.findall(text)))


def get_in_thai(client, user, url: str):
    """GET a page as this person (None: anonymous) with the Thai language cookie."""
    client.logout()
    if user is not None:
        client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "th"
    return client.get(url)


def walk_in_thai(client, pages) -> dict[str, list[str]]:
    """Visit (user, url) pairs in Thai; the English words and Common Era years found, by url.
    Every page must answer 200."""
    found = {}
    for user, url in pages:
        response = get_in_thai(client, user, url)
        assert response.status_code == 200, (url, response.status_code)
        html = response.content.decode()
        words = english_words(html) + gregorian_years(html)
        if words:
            found[url] = words
    return found


def admin_pages(app_label: str, user) -> list[tuple[object, str]]:
    """The admin pages of every model of an app this person may see: its changelist, add form
    (where allowed) and the change form of its first row."""
    from django.contrib import admin
    from django.test import RequestFactory
    from django.urls import reverse

    request = RequestFactory().get("/")
    request.user = user
    pages = [(user, reverse("admin:app_list", args=[app_label]))]
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label != app_label:
            continue
        name = f"admin:{app_label}_{model._meta.model_name}"
        pages.append((user, reverse(f"{name}_changelist")))
        first = model.objects.order_by("pk").first()
        if first is not None:
            pages.append((user, reverse(f"{name}_change", args=[first.pk])))
        if model_admin.has_add_permission(request):
            pages.append((user, reverse(f"{name}_add")))
    return pages


SENTENCE_LITERAL = re.compile(r"""(["'`])([A-Za-z][a-z]+(?:[ ,.]+[A-Za-z][a-z']*){1,}[.!?]?)\1""")


def english_in_scripts(*paths) -> dict[str, list[str]]:
    """English sentences written as string literals in JavaScript files (comments left out):
    texts a script shows must come from the translated page (data-*-text) or a JS catalog."""
    found = {}
    for path in paths:
        # Comments and (in a script that is a Django template) {% translate %} tags are not shown as is.
        source = re.sub(r"(?s)/\*.*?\*/|//[^\n]*|\{%.*?%\}", " ", path.read_text(encoding="utf-8"))
        sentences = [
            m.group(2) for m in SENTENCE_LITERAL.finditer(source) if " " in m.group(2) and m.group(2) != "use strict"
        ]
        if sentences:
            found[path.name] = sentences
    return found
