"""Program staff reword the emails their program's applicants get (see
cohorts.selectors.emails): saved in the outbox's sandbox under the program's scope, with the
change kept in history; a text that does not compile, or that fails on one of the program's
real applications, is refused and nothing is saved."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.exceptions import TemplateSyntaxError
from django.utils import translation
from django.utils.translation import gettext as _

from cohorts.models import Application, Program
from cohorts.selectors.emails import (
    EditableEmail,
    applications_for_email_preview,
    program_mail_scope,
)
from incubator.mail import RenderedEmail, render_email_text
from incubator.models import EmailTemplate
from incubator.services import email_template_reset, email_template_save
from incubator.text_templates import text_template_unknown_variables, validate_text_template


def _check_language(language: str) -> None:
    if language not in dict(settings.LANGUAGES):
        raise ValidationError(_("This language is not offered."), code="language")


def _compile_errors(*, subject: str, body_text: str) -> dict[str, str]:
    errors = {}
    for field, source in (("subject", subject), ("body_text", body_text)):
        try:
            validate_text_template(source)
        except TemplateSyntaxError as error:
            errors[field] = _("This text cannot be used in an email: %(error)s") % {"error": error}
    return errors


def program_email_render(
    *, email: EditableEmail, application: Application, language: str, subject: str, body_text: str
) -> RenderedEmail:
    """`subject` and `body_text` (not saved) rendered in the sandbox as `application`'s
    applicant would read them in `language`. A text the sandbox refuses, or that fails on this
    application, raises ValidationError naming the field."""
    errors = _compile_errors(subject=subject, body_text=body_text)
    if errors:
        raise ValidationError(errors, code="invalid_template")
    names = {name.split("|")[0].split(".")[0] for name, _description in email.variables} | {"site_url"}
    for field, source in (("subject", subject), ("body_text", body_text)):
        if unknown := text_template_unknown_variables(source, names=names):
            errors[field] = _("This email has no %(variables)s: use the variables listed beside the text.") % {
                "variables": ", ".join("{{ " + name + " }}" for name in unknown)
            }
    if errors:
        raise ValidationError(errors, code="unknown_variable")
    with translation.override(language):
        context = email.context(application)
    try:
        return render_email_text(subject=subject, body_text=body_text, context=context, language=language)
    except Exception as error:  # whatever staff text breaks on while filled in is the text's fault
        raise ValidationError(
            {"body_text": _("This text fails when it is filled in: %(error)s") % {"error": error}},
            code="render_failed",
        ) from error


def program_email_save(
    *, program: Program, email: EditableEmail, language: str, subject: str, body_text: str, by
) -> EmailTemplate:
    """Save the program's own text of `email` in `language` (it wins over the global text and
    the file for this program's applicants only). Refused, with nothing saved, if it does not
    compile or fails on one of the program's applications."""
    _check_language(language)
    sample = applications_for_email_preview(program=program).first()
    if sample is not None:
        program_email_render(email=email, application=sample, language=language, subject=subject, body_text=body_text)
    elif errors := _compile_errors(subject=subject, body_text=body_text):
        raise ValidationError(errors, code="invalid_template")
    return email_template_save(
        scope=program_mail_scope(program.pk),
        name=email.template,
        language=language,
        subject=subject,
        body_text=body_text,
        by=by,
    )


def program_email_reset(*, program: Program, email: EditableEmail, language: str, by) -> bool:
    """Back to the default text for this program (the global text, else the file)."""
    _check_language(language)
    return email_template_reset(scope=program_mail_scope(program.pk), name=email.template, language=language, by=by)
