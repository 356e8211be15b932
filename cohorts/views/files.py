"""Downloads of private files: the only way a stored file leaves the server. `/files/<name>`
goes to the view of the app that owns the file's folder (`incubator.storage`); application
attachments (`answers/`) are answered here."""

from __future__ import annotations

from django.http import FileResponse, HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.http import require_GET

from cohorts.selectors.files import answer_download_name, answer_get_by_file_for_user
from incubator.audit import access_log_record
from incubator.enums import AccessAction
from incubator.storage import download_response, private_folder_view


@require_GET
def private_file(request: HttpRequest, name: str) -> HttpResponse:
    """A stored file (the private storage's `url`), handed out by the view of its folder."""
    return private_folder_view(request, name)


def answer_file(request: HttpRequest, name: str) -> FileResponse:
    """A stored attachment (the private storage's `url`), e.g. the admin's link to an
    applicant's file: for the applicant, an assigned reviewer and program staff; 404 otherwise
    (anonymous visitors too: a login page would tell them the file exists)."""
    answer = answer_get_by_file_for_user(request.user, name=name)
    filename = answer_download_name(answer, blind=answer.blind_for_user)
    access_log_record(request=request, action=AccessAction.DOWNLOAD, target=answer, detail=filename)
    return download_response(answer.file, filename=filename)


urlpatterns = [path("files/<path:name>", private_file, name="private_file")]
