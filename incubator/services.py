"""State changes of the core that no app owns: a person's language, staff-edited email texts."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.exceptions import TemplateSyntaxError
from django.utils.translation import gettext as _

from incubator.enums import EmailTextAction
from incubator.models import EmailTemplate, EmailTemplateChange, User
from incubator.text_templates import validate_text_template


def user_set_language(*, user: User, language: str) -> User:
    user.preferred_language = language
    user.full_clean(exclude=["password"])
    user.save(update_fields=["preferred_language"])
    return user


# --- staff-edited email texts (EmailTemplate) ---------------------------------------------------


def _checked_template(source: str, field: str) -> None:
    try:
        validate_text_template(source)
    except TemplateSyntaxError as error:
        raise ValidationError(
            {field: _("This text cannot be used in an email: %(error)s") % {"error": error}}, code="invalid_template"
        ) from error


def email_template_save(
    *, scope: str, name: str, language: str, subject: str, body_text: str, by: User | None
) -> EmailTemplate:
    """Save the staff-edited text of `name` in `language` for `scope` (empty: everywhere) and
    keep the change in history. A text that does not compile in the sandbox (a tag or filter
    it refuses, broken syntax) raises ValidationError naming the field; nothing is saved.
    The overrides cache is cleared on save (incubator.mail)."""
    subject = " ".join(subject.split())
    _checked_template(subject, "subject")
    _checked_template(body_text, "body_text")
    with transaction.atomic():
        template = EmailTemplate.objects.select_for_update().filter(
            scope=scope, name=name, language=language
        ).first() or EmailTemplate(scope=scope, name=name, language=language)
        template.subject = subject
        template.body_text = body_text
        template.is_active = True
        template.updated_by = by
        template.full_clean(validate_unique=False)
        template.save()
        EmailTemplateChange.objects.create(
            scope=scope,
            name=name,
            language=language,
            action=EmailTextAction.SAVED,
            subject=subject,
            body_text=body_text,
            changed_by=by,
        )
    return template


def email_template_reset(*, scope: str, name: str, language: str, by: User | None) -> bool:
    """Back to the default: remove the override of `name` in `language` for `scope` (the
    global text or the file template applies again) and keep the change in history. Returns
    whether there was one to remove; resetting twice records one change."""
    with transaction.atomic():
        removed, _details = EmailTemplate.objects.filter(scope=scope, name=name, language=language).delete()
        if removed:
            EmailTemplateChange.objects.create(
                scope=scope, name=name, language=language, action=EmailTextAction.RESET, changed_by=by
            )
    return bool(removed)
