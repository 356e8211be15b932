"""Crispy layout pieces for text that staff typed (criteria, questions, notices).

crispy-forms renders `HTML(...)` content and `Fieldset` legends as Django templates, so a
criterion named `{{ request.user.password }}` or `{% debug %}` would run. These pieces show
such text as typed: it is escaped and never parsed as a template.
"""

from __future__ import annotations

from crispy_forms.layout import Fieldset, LayoutObject
from crispy_forms.utils import TEMPLATE_PACK
from django.template.loader import render_to_string
from django.utils.html import conditional_escape


class Text(LayoutObject):
    """Literal HTML built in Python (escape staff text with `format_html`); not a template."""

    def __init__(self, html):
        self.html = html

    def render(self, form, context, template_pack=TEMPLATE_PACK, **kwargs):
        return conditional_escape(self.html)


class DataFieldset(Fieldset):
    """A fieldset whose legend may hold staff-typed text: shown as typed, never a template."""

    def render(self, form, context, template_pack=TEMPLATE_PACK, **kwargs):
        fields = self.get_rendered_fields(form, context, template_pack, **kwargs)
        legend = conditional_escape(self.legend) if self.legend else ""
        context.update({"fieldset": self, "legend": legend, "fields": fields})
        return render_to_string(self.get_template_name(template_pack), context.flatten())
