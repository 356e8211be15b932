"""The person's own PDPA pages: ask for a download of their data, and the emailed link."""

from __future__ import annotations

import posixpath

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from incubator import pdpa
from incubator.audit import access_log_record
from incubator.enums import AccessAction
from incubator.models import DataExport, ErasureRequest
from incubator.storage import private_storage


class DataExportRequestForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_id = "data-export-form"
        self.helper.add_input(Submit("request", _("Email me a download of my data"), css_id="request-data"))


@never_cache
@login_required
def my_data(request: HttpRequest) -> HttpResponse:
    form = DataExportRequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        _export, created = pdpa.data_export_request(user=request.user)
        if created:
            messages.success(
                request,
                _("We are putting your data together. A link to download it will come to your email shortly."),
            )
        else:
            messages.info(request, _("Your data is already being put together; the link will come by email."))
        return redirect("my_data")
    return render(
        request,
        "incubator/pdpa/my_data.html",
        {"form": form, "days": pdpa.DATA_EXPORT_LINK_DAYS},
    )


@never_cache
@login_required
@require_GET
def data_export_download(request: HttpRequest, token: str) -> HttpResponse:
    """The emailed link: the person's own ZIP, once, within the days the email says; another
    person's link answers 404."""
    try:
        export = pdpa.data_export_use(token=token, user=request.user)
    except DataExport.DoesNotExist as error:
        raise Http404 from error
    except pdpa.LinkRefused as refused:
        return render(
            request,
            "incubator/pdpa/link_refused.html",
            {"used": refused.reason == "used", "days": pdpa.DATA_EXPORT_LINK_DAYS},
            status=410,
        )
    access_log_record(
        request=request,
        action=AccessAction.DATA_DOWNLOAD,
        target=request.user,
        detail=posixpath.basename(export.file_name),
    )
    try:
        handle = private_storage().open(export.file_name, "rb")
    except FileNotFoundError as error:
        raise Http404 from error
    stamp = timezone.localdate(export.built_at).isoformat()
    return FileResponse(handle, as_attachment=True, filename=f"my-data-{stamp}.zip", content_type="application/zip")


class ErasureRequestForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"), strip=False, max_length=4096, widget=forms.PasswordInput(render_value=False)
    )
    confirm = forms.BooleanField(
        label=_("I understand that my account is deleted for good and that I cannot log in again."), required=True
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.helper = FormHelper()
        self.helper.form_id = "erasure-form"
        self.helper.add_input(
            Submit("delete", _("Ask to delete my account"), css_id="request-erasure", css_class="btn-danger")
        )

    def clean_password(self):
        password = self.cleaned_data["password"]
        if "\x00" in password or not self.user.check_password(password):
            raise forms.ValidationError(_("The password is not right."))
        return password


@never_cache
@login_required
def erasure(request: HttpRequest) -> HttpResponse:
    """Ask for the account to be deleted (confirmed with the password); staff answer within
    the legal deadline by anonymising the person from the admin."""
    open_request = ErasureRequest.objects.filter(user=request.user, done_at__isnull=True).first()
    form = ErasureRequestForm(request.POST if request.method == "POST" else None, user=request.user)
    if open_request is None and request.method == "POST" and form.is_valid():
        pdpa.erasure_request(user=request.user)
        messages.success(
            request,
            _("We have your request. The program team deletes your account within 30 days."),
        )
        return redirect("erasure")
    return render(
        request,
        "incubator/pdpa/erasure.html",
        {"form": form, "open_request": open_request, "days": pdpa.ERASURE_DEADLINE_DAYS},
    )
