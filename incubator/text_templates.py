"""Templates that staff write (email overrides), rendered in a sandbox.

An override is a template on purpose, but it gets only what is meant for it:

- a small set of tags and filters (`if`, `for`, `with`, `firstof`, `date`, `default`,
  `bdate`, `bdatetime`, `site_name`, ...); no `{% debug %}`, `{% load %}`, `{% include %}`,
  `{% extends %}`, `{% url %}` or `{% csrf_token %}`: they are syntax errors here;
- a context of plain values, where model instances are seen through `Restricted`, which
  shows only the attributes in `ALLOWED_ATTRIBUTES` (names, dates, statuses: never a
  password, an email address or a request).

`render_text_template(source, context)` renders; `validate_text_template(source)` is what a
form calls to refuse a template that would not render; `text_template_unknown_variables`
names what a template prints that would show nothing (a name the email does not have, an
attribute staff templates may not see), so a form can say so instead of sending a blank.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.db import models
from django.template import Context, Engine, Library, defaultfilters, defaulttags
from django.template.base import Variable, VariableNode
from django.template.defaulttags import ForNode, WithNode
from django.utils.functional import Promise

from incubator.dates import format_date

ALLOWED_TAGS = ("if", "for", "with", "firstof", "now", "spaceless", "comment", "cycle", "filter", "autoescape")
ALLOWED_FILTERS = (
    "default",
    "default_if_none",
    "date",
    "time",
    "upper",
    "lower",
    "title",
    "capfirst",
    "floatformat",
    "pluralize",
    "length",
    "join",
    "yesno",
    "truncatechars",
    "truncatewords",
    "first",
    "last",
    "linebreaks",
    "linebreaksbr",
    "escape",
    "striptags",
    "urlize",
)
ALLOWED_ATTRIBUTES = frozenset(
    {
        "name",
        "name_en",
        "display_name",
        "full_name",
        "get_full_name",
        "get_short_name",
        "number",
        "slug",
        "status",
        "get_status_display",
        "kind",
        "get_kind_display",
        "applications_open_at",
        "applications_close_at",
        "starts_on",
        "ends_on",
        "submitted_at",
        "decided_at",
        "program",
        "cohort",
        "track",
        "organisation",
        "applicant",
        "idea_title",
        "team_name",
        "display_description",  # a selection phase's "what happens now"
        "ends_at",
    }
)
PLAIN = (str, int, float, Decimal, bool, date, datetime, time, type(None))

register = Library()
for _name in ALLOWED_TAGS:
    register.tags[_name] = defaulttags.register.tags[_name]
for _name in ALLOWED_FILTERS:
    register.filters[_name] = defaultfilters.register.filters[_name]
# A date a staff text prints may be empty (a phase without an end): blank, not a failed email.
register.filter("bdate", lambda value: format_date(value) if isinstance(value, date) else "")
register.filter("bdatetime", lambda value: format_date(value, with_time=True) if isinstance(value, date) else "")


@register.simple_tag
def site_name() -> str:
    from django.conf import settings

    return str(settings.SITE_NAME)


class Restricted:
    """A model instance as a staff template sees it: only `ALLOWED_ATTRIBUTES`, each value
    restricted in turn; anything else is empty. (Templates cannot reach `_obj`: names that
    start with an underscore are refused by the template language.)"""

    __slots__ = ("_obj",)

    def __init__(self, obj):
        object.__setattr__(self, "_obj", obj)

    def __getattr__(self, name: str) -> Any:
        if name not in ALLOWED_ATTRIBUTES:
            raise AttributeError(name)
        value = getattr(self._obj, name, None)
        if callable(value):
            value = value()
        return restrict(value)

    def __str__(self) -> str:
        return str(self._obj)


def restrict(value: Any) -> Any:
    """What a staff template may see of `value`."""
    if isinstance(value, PLAIN):
        return value
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, models.Model):
        return Restricted(value)
    if isinstance(value, (list, tuple)):
        return [restrict(item) for item in value]
    if isinstance(value, dict):
        return {str(key): restrict(item) for key, item in value.items()}
    return str(value)


class SandboxEngine(Engine):
    default_builtins = ["incubator.text_templates"]

    def __init__(self):
        super().__init__(libraries={}, loaders=[], debug=False, string_if_invalid="")


_ENGINE: SandboxEngine | None = None


def _engine() -> SandboxEngine:
    global _ENGINE
    if _ENGINE is None:
        _ENGINE = SandboxEngine()
    return _ENGINE


def validate_text_template(source: str) -> None:
    """Raise `TemplateSyntaxError` if `source` uses a tag or filter staff templates lack."""
    _engine().from_string(source)


def compile_text_template(source: str):
    """Staff-written `source` compiled once (for a cache); render it with `render_compiled`.
    Raises `TemplateSyntaxError`."""
    return _engine().from_string(source)


def render_compiled(template, context: dict, *, autoescape: bool = False) -> str:
    """Render a compiled staff template with only plain, restricted values from `context`
    (`request`, `user` and `csrf_token` are never passed)."""
    safe = {key: restrict(value) for key, value in context.items() if key not in ("request", "user", "csrf_token")}
    return template.render(Context(safe, autoescape=autoescape))


def render_text_template(source: str, context: dict, *, autoescape: bool = False) -> str:
    """Render staff-written `source` (see `render_compiled`). Raises `TemplateSyntaxError`."""
    return render_compiled(compile_text_template(source), context, autoescape=autoescape)


def text_template_unknown_variables(source: str, *, names: Iterable[str]) -> list[str]:
    """The variables `source` prints that would show nothing: a first name not in `names` (nor
    defined by the template's own `for` or `with`), or an attribute outside `ALLOWED_ATTRIBUTES`
    (`applicant.email`). In order, each once. Raises `TemplateSyntaxError`."""
    template = compile_text_template(source)
    known = set(names)
    for node in template.nodelist.get_nodes_by_type(ForNode):
        known.update(node.loopvars)
    for node in template.nodelist.get_nodes_by_type(WithNode):
        known.update(node.extra_context)
    unknown: list[str] = []
    for node in template.nodelist.get_nodes_by_type(VariableNode):
        variable = node.filter_expression.var
        if not isinstance(variable, Variable) or variable.lookups is None:
            continue  # a literal
        first, *attributes = variable.lookups
        if first == "forloop":
            continue
        shown = first in known and all(name.isdigit() or name in ALLOWED_ATTRIBUTES for name in attributes)
        if not shown and str(variable) not in unknown:
            unknown.append(str(variable))
    return unknown
