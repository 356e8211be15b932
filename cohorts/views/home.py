"""The site's home page: the calls open now. The project's URLconf names it (`home`)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from cohorts.selectors.calls import cohorts_open_calls

HOME_OPEN_CALLS = 6


def home(request: HttpRequest) -> HttpResponse:
    open_calls = list(cohorts_open_calls()[:HOME_OPEN_CALLS])
    return render(request, "incubator/home.html", {"open_calls": open_calls})
