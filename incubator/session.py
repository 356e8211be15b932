"""`/session/`: whether this browser is still signed in, and as whom (a user id, nothing else).

static/js/keep-form.js asks before it sends a long form: if the session ended (logged out in
another tab, expired), the page says so and keeps the typed text instead of losing it on the
way through the login page.
"""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@never_cache
@require_GET
def session_status(request: HttpRequest) -> JsonResponse:
    user = request.user
    return JsonResponse({"authenticated": user.is_authenticated, "user": user.pk if user.is_authenticated else None})
