"""allauth hooks: its mail goes through the outbox like every other email, and names the
platform (`SITE_NAME`) where allauth's templates say "Hello from {{ current_site.name }}!"."""

import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import translation

from incubator.mail import queue_mail


@dataclass(frozen=True)
class EmailSite:
    """What allauth's email templates read as `current_site`: the platform's name and domain
    from the settings (the Sites table may still say example.com or be empty)."""

    name: str
    domain: str


def email_site() -> EmailSite:
    return EmailSite(name=str(settings.SITE_NAME), domain=urlsplit(settings.SITE_URL).netloc or settings.SITE_URL)


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        user = context.get("user")
        if user is None or not getattr(user, "pk", None):
            user = get_user_model().objects.filter(email__iexact=email).first()
        language = translation.get_language() or (user.preferred_language if user else "th")
        with translation.override(language):
            ctx = {"email": email, **context, "current_site": email_site()}
            message = self.render_mail(template_prefix, email, ctx)
        body_html = ""
        for content, mimetype in getattr(message, "alternatives", []):
            if mimetype == "text/html":
                body_html = content
        queue_mail(
            key=f"account:{template_prefix.rsplit('/', 1)[-1]}:{uuid.uuid4()}",
            to=email,
            user=user,
            language=language,
            subject=message.subject,
            body_text=message.body,
            body_html=body_html,
            related=user,
        )

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=False)
        user.full_name = form.cleaned_data.get("full_name", "")
        user.phone = form.cleaned_data.get("phone", "")
        user.preferred_language = translation.get_language() or "th"
        if commit:
            user.save()
        return user
