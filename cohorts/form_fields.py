"""Form fields shared by the applicant's and the reviewer's forms."""

from __future__ import annotations

import hashlib
import json

from django import forms
from django.utils.translation import gettext_lazy as _


class LongTextField(forms.CharField):
    """A text box with a length limit that the server enforces and the page shows.

    No `maxlength` attribute: the browser would cut pasted text at the limit without a word.
    The limit goes to `data-maxlength`, where static/js/char-count.js shows it with a live
    count, and the server answers with its own message (in Thai on Thai pages) when it is
    passed, keeping every character that was typed in the box.
    """

    default_error_messages = {
        "max_length": _("Please keep this to %(limit_value)d characters; it has %(show_value)d now."),
    }

    def __init__(self, *, max_length: int, rows: int = 4, attrs: dict | None = None, **kwargs):
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": rows, **(attrs or {})}))
        super().__init__(max_length=max_length, **kwargs)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.pop("maxlength", None)
        attrs["data-maxlength"] = str(self.max_length)
        # What static/js/char-count.js writes under the box, in the page's language.
        attrs["data-count-text"] = _("{count} / {limit} characters")  # lazy: the language of the page
        return attrs


def state_version(initial: dict) -> str:
    """A fingerprint of what the server holds for a form (its initial values), for
    static/js/keep-form.js: a browser copy made against another fingerprint is dropped."""
    state = json.dumps({key: str(value) for key, value in initial.items()}, sort_keys=True)
    return hashlib.sha256(state.encode()).hexdigest()[:16]
