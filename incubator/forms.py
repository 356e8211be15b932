from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class SignupForm(AllauthSignupForm):
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)

    field_order = ["full_name", "email", "phone", "password1", "password2"]


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's `ValidationError` on the form that fed it: errors for a field the form
    has go under that field, the rest at the top of the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)
