from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language as django_set_language

from incubator import services


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's set_language, which also remembers the choice on a signed-in user."""
    response = django_set_language(request)
    language = request.POST.get("language")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        services.user_set_language(user=request.user, language=language)
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        response["Location"] = "/"
    return response


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


@never_cache
@require_GET
def healthz_ready(request: HttpRequest) -> JsonResponse:
    """Ready for traffic (incubator.health): 200 `{"ready": true}`, or 503 with the reasons."""
    from incubator.health import readiness

    failures = readiness()
    return JsonResponse({"ready": not failures, "failures": failures}, status=503 if failures else 200)
