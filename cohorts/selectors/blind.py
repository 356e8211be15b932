"""What a reviewer is shown of an application's identity.

In a blind phase (`Phase.is_blind_now`) a reviewer knows an application only by its pseudonym:
a short code derived from the application's id with the site's secret, the same on every page,
file and email, and meaningless without the secret. Every place that names an application to a
reviewer goes through `application_label`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from django.conf import settings
from django.utils.translation import gettext

from cohorts.models import Application, Phase


def application_pseudonym(application: Application | int) -> str:
    """A stable code such as "K7Q2-M4XD" for the application (by id), without its identity."""
    pk = getattr(application, "pk", application)
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"cohorts.application-pseudonym:{pk}".encode(), hashlib.sha256
    ).digest()
    code = base64.b32encode(digest[:5]).decode()
    return f"{code[:4]}-{code[4:8]}"


def is_blind_for_reviewer(phase: Phase | None) -> bool:
    return phase is not None and phase.is_blind_now


def application_label(*, application: Application, phase: Phase | None) -> str:
    """How a reviewer in `phase` names the application: its pseudonym in a blind phase."""
    if is_blind_for_reviewer(phase):
        return gettext("Application %(code)s") % {"code": application_pseudonym(application)}
    return str(application)
