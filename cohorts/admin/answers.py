"""The application as the applicant filled it in, for the admin's application page.

Each value is shown as the applicant saw it: the question's own wording, choices by their
labels (sectors, languages, provinces), yes/no in words, lists joined, long text with its line
breaks, and files as links through the admin's scoped file view (never a media URL). Only the
fields and questions of the application's own track.
"""

from __future__ import annotations

from django.template.defaultfilters import linebreaksbr
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from cohorts.enums import Language, QuestionKind, Sector
from cohorts.fields import COMMON_FIELDS, TRACK_FIELDS
from cohorts.models import Answer, Application, Question
from incubator.geo import province_name

EMPTY = "–"


def labels_text(values, choices) -> str:
    """Stored choice values by their labels, joined: ["health", "education"] -> "Health, Education"."""
    names = dict(choices)
    return ", ".join(str(names.get(value, value)) for value in values or [])


def plain_text(value) -> str:
    """Any stored value in words ("" for none): yes/no, lists joined, 12.0 as 12. Also the
    spreadsheet cell of an answer (cohorts.admin.resources)."""
    if value is None or value == "" or value == []:
        return ""
    if isinstance(value, bool):
        return pgettext("answer", "Yes") if value else pgettext("answer", "No")
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _plain(value) -> str | SafeString:
    text = plain_text(value)
    return linebreaksbr(text) if text else EMPTY


def field_value(application: Application, name: str) -> str | SafeString:
    value = getattr(application, name)
    if name == "sectors":
        return labels_text(value, Sector.choices) or EMPTY
    if name == "languages":
        return labels_text(value, Language.choices) or EMPTY
    if name == "travel_provinces":
        return ", ".join(province_name(code) for code in value or []) or EMPTY
    return _plain(value)


def answer_value(application: Application, question: Question, answer: Answer | None) -> str | SafeString:
    if answer is None:
        return EMPTY
    if question.kind == QuestionKind.FILE:
        if not answer.file:
            return EMPTY
        url = answer.file.url  # the scoped file view (/files/<name>), in every mode
        name = answer.value if isinstance(answer.value, str) and answer.value else _("Attached file")
        return format_html('<a href="{}">{}</a>', url, name)
    return _plain(answer.value)


def _table(rows) -> SafeString:
    if not rows:
        return format_html('<p class="quiet">{}</p>', EMPTY)
    body = format_html_join("", '<tr><th scope="row">{}</th><td>{}</td></tr>', rows)
    return format_html('<table class="application-answers"><tbody>{}</tbody></table>', body)


def applicant_fields_table(application: Application) -> SafeString:
    """The standard fields of the application's track."""
    names = (*COMMON_FIELDS, *TRACK_FIELDS.get(application.track.kind, ()))
    rows = [
        (capfirst(Application._meta.get_field(name).verbose_name), field_value(application, name)) for name in names
    ]
    return _table(rows)


def questions_table(application: Application, questions: list[Question], answers: dict[int, Answer]) -> SafeString:
    """The cohort's own questions for the application's track, with the applicant's answers."""
    rows = [
        (question.display_text, answer_value(application, question, answers.get(question.pk))) for question in questions
    ]
    return _table(rows)
