"""The project's URLs plus `bench/bare-insert/`, a view that inserts one row per POST.

The bare view is the floor for benchmarks/deadline_rush.py: the same server, the same
middleware (session, CSRF, authentication, language, messages, CSP, history), one INSERT.
Its table is created by the benchmark with raw SQL; it is not a model.
"""

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.http import require_POST

from incubator.urls import urlpatterns as project_urlpatterns

BARE_TABLE = "bench_bare_insert"
CREATE_BARE_TABLE = (
    "CREATE TABLE IF NOT EXISTS bench_bare_insert ("
    "id bigserial PRIMARY KEY, payload text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())"
)
INSERT_BARE_ROW = "INSERT INTO bench_bare_insert (payload) VALUES (%s)"


@require_POST
def bare_insert(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute(INSERT_BARE_ROW, [request.POST.get("payload", "")])
    return HttpResponse(status=204)


# After the project's patterns, so that the bare view pays the same URL resolution.
urlpatterns = [*project_urlpatterns, path("bench/bare-insert/", bare_insert, name="bench_bare_insert")]
