"""A phone on a slow network: first and repeat load of the pages people open in the field.

    .venv/bin/python benchmarks/field.py            # every page 3 times (about 3 min)
    .venv/bin/python benchmarks/field.py --small    # every page once (CI smoke run)

Production settings as deployed: a fresh PostgreSQL database (its name must contain "bench"),
the demo data (`seed_demo`), `DJANGO_DEBUG=false`, the static files collected into a scratch
directory by whitenoise's CompressedManifestStaticFilesStorage (hashed names, gzip and brotli
copies), served by gunicorn through whitenoise, over plain HTTP on 127.0.0.1 (no TLS proxy, so
`SECURE_SSL_REDIRECT=false`).

Chromium (Playwright, `/usr/bin/chromium` or `$CHROMIUM_PATH`) at 390x844 in Thai, throttled
through the DevTools protocol (`Network.emulateNetworkConditions`: `--kbps` 400 kbit/s down and
up, `--latency-ms` 400 ms per request). Each page is loaded in a fresh browser context (an empty
cache, as on a phone that never opened the site) signed in as the person who reads it; the
timed figure is the navigation's `loadEventEnd` (every script and stylesheet fetched and run).
Then the same page again in the same context (`repeat`: what a person who comes back waits
for). Pages: the home page, the open call, the application form (the demo applicant's draft),
the coach's workspace, the visit form of the coach's pair and the participant's timeline. Then
the coaching pages with the network cut (`offline`): the workspace and the visit form served
from the service worker's cache.

Per page: `first_kb` (bytes on the wire, headers included), `first_s`, `first_fcp_s` (first
contentful paint), `repeat_s`, `requests` and `repeat_requests` (requests that reached the
network rather than a cache), and of the first load's static files how many came compressed
(`static_compressed`) and marked `immutable` (`static_immutable`) out of `static_files`; the
median of `--repeats` runs. Goals: first load at most
`--goal-first-kb` KB and `--goal-first-s` s, repeat at most `--goal-repeat-s` s, offline pages at
most `--goal-offline-s` s; `goals_met` says whether every page meets them (`--enforce-goals`
turns a miss into exit status 1). One JSON object on stdout; exit 1 when a page does not load
or anything else fails. `--screenshots DIR` also writes full-page PNGs of every page at 390x844
and 1366x768 (to compare the look before and after a change of the CSS).

The service worker's own fetches are not throttled (the DevTools protocol throttles the page's
target only), so a coaching page's `repeat_s` counts the page's HTML as the worker fetched it
from the unthrottled network; its static files come from the worker's cache either way.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import (
    BenchEnvironment,
    free_port,
    loadavg,
    log,
    manage,
    parse_with_small,
    redact_url,
    reported,
    stop_on_signals,
)
from benchmarks.deadline_rush import Gunicorn, wait_for_server

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/incubator_bench_field"
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
APPLICANT, COACH, LEADER = "applicant@incubator.local", "coach@incubator.local", "leader@incubator.local"


def pages_to_load() -> list[dict]:
    """The pages of the demo data, each with the person who opens it (None: anonymous)."""
    from coaching.models import Match
    from cohorts.models import Application, Cohort

    cohort = Cohort.objects.filter(status="open").order_by("applications_close_at").first()
    draft = Application.objects.filter(applicant__email=APPLICANT, status="draft").order_by("pk").first()
    match = Match.objects.filter(coach__user__email=COACH, status="confirmed").order_by("pk").first()
    if cohort is None or draft is None or match is None:
        raise RuntimeError("the demo data has no open call, no applicant's draft or no coach's pair")
    return [
        {"name": "home", "path": "/", "user": None},
        {"name": "call", "path": f"/calls/{cohort.slug}/", "user": None},
        {"name": "application_form", "path": f"/applications/{draft.pk}/edit/", "user": APPLICANT},
        {"name": "coach_workspace", "path": "/coaching/", "user": COACH, "offline": True},
        {"name": "visit_form", "path": f"/coaching/pairs/{match.pk}/visits/new/", "user": COACH, "offline": True},
        {"name": "timeline", "path": "/workshops/", "user": LEADER},
    ]


def session_cookie(email: str) -> str:
    """A signed-in session for `email`, made in this process (the login page is not measured)."""
    from django.conf import settings
    from django.test import Client

    from incubator.models import User

    client = Client()
    client.force_login(User.objects.get(email=email))
    return client.cookies[settings.SESSION_COOKIE_NAME].value


class Meter:
    """Counts what one page load fetched from the network, from the DevTools protocol's events."""

    def __init__(self, cdp) -> None:
        self.reset()
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.responseReceived", self._received)
        cdp.on("Network.loadingFinished", self._finished)
        cdp.on("Network.requestServedFromCache", self._from_memory)

    def reset(self) -> None:
        self.requests: dict[str, str] = {}
        self.cached: set[str] = set()
        self.bytes = 0
        self.sizes: dict[str, int] = {}
        self.static_headers: dict[str, dict] = {}

    def _sent(self, event: dict) -> None:
        self.requests[event["requestId"]] = event["request"]["url"]

    def _received(self, event: dict) -> None:
        response = event["response"]
        if response.get("fromDiskCache") or response.get("fromServiceWorker") or response.get("fromPrefetchCache"):
            self.cached.add(event["requestId"])
        elif "/static/" in response["url"]:
            headers = {name.lower(): value for name, value in response.get("headers", {}).items()}
            self.static_headers[response["url"]] = {
                "encoding": headers.get("content-encoding", "identity"),
                "immutable": "immutable" in headers.get("cache-control", ""),
            }

    def _from_memory(self, event: dict) -> None:
        self.cached.add(event["requestId"])

    def _finished(self, event: dict) -> None:
        size = int(event.get("encodedDataLength") or 0)
        self.bytes += size
        url = self.requests.get(event["requestId"], "?")
        self.sizes[url] = self.sizes.get(url, 0) + size

    def largest(self, top: int = 6) -> list[tuple[str, float]]:
        ranked = sorted(self.sizes.items(), key=lambda item: -item[1])[:top]
        return [(url.split("/", 3)[-1], round(size / 1024, 1)) for url, size in ranked]

    @property
    def network_urls(self) -> list[str]:
        return sorted(url for request_id, url in self.requests.items() if request_id not in self.cached)

    @property
    def network_requests(self) -> int:
        return len(self.network_urls)


NAVIGATION_TIMING = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const fcp = performance.getEntriesByName("first-contentful-paint")[0];
  return {load: nav.loadEventEnd, fcp: fcp ? fcp.startTime : null, status: nav.responseStatus || 0};
}"""


def timed_load(page, url: str) -> dict:
    response = page.goto(url, wait_until="load")
    if response is None or response.status != 200:
        raise RuntimeError(f"{url} answered {response.status if response else 'nothing'}")
    timing = page.evaluate(NAVIGATION_TIMING)
    # No paint entry when nothing was painted before load ended: count the load then.
    return {"s": timing["load"] / 1000, "fcp_s": (timing["fcp"] or timing["load"]) / 1000}


def measure_page(browser, *, base_url: str, spec: dict, cookies: dict, args) -> dict:
    """One run for one page: a fresh context (empty cache), first load, repeat, then offline."""
    context = browser.new_context(base_url=base_url, locale="th-TH", viewport={"width": 390, "height": 844})
    try:
        if spec["user"]:
            context.add_cookies([{"name": "sessionid", "value": cookies[spec["user"]], "url": base_url}])
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        throughput = args.kbps * 1000 / 8  # bytes per second
        cdp.send(
            "Network.emulateNetworkConditions",
            {
                "offline": False,
                "latency": args.latency_ms,
                "downloadThroughput": throughput,
                "uploadThroughput": throughput,
            },
        )
        meter = Meter(cdp)
        first = timed_load(page, spec["path"])
        static = list(meter.static_headers.values())
        out = {
            "static_compressed": sum(h["encoding"] != "identity" for h in static),
            "static_immutable": sum(h["immutable"] for h in static),
            "static_files": len(static),
            "first_kb": round(meter.bytes / 1024, 1),
            "first_s": first["s"],
            "first_fcp_s": first["fcp_s"],
            "requests": meter.network_requests,
        }
        log("%s: first load, largest: %s; static encodings %s", spec["name"], meter.largest(),
            sorted({h["encoding"] for h in static}))  # fmt: skip
        if spec.get("offline"):
            # A person comes back later: the service worker has installed and cached its pages.
            page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
            page.wait_for_timeout(500)
        meter.reset()
        repeat = timed_load(page, spec["path"])
        out.update({"repeat_s": repeat["s"], "repeat_requests": meter.network_requests})
        log("%s: repeat load fetched %s", spec["name"], meter.network_urls)
        if spec.get("offline"):
            context.set_offline(True)
            cdp.send("Network.emulateNetworkConditions", {"offline": True, "latency": 0, "downloadThroughput": -1,
                                                          "uploadThroughput": -1})  # fmt: skip
            offline = timed_load(page, spec["path"])
            out["offline_s"] = offline["s"]
        return out
    finally:
        context.close()


def screenshots(browser, *, base_url: str, specs: list[dict], cookies: dict, directory: Path) -> list[str]:
    """Full-page PNGs of every page on a phone (390x844) and a laptop (1366x768), unthrottled:
    to compare by eye before and after a change of the CSS (a purged stylesheet that lost a rule
    shows here)."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for width, height in ((390, 844), (1366, 768)):
        for spec in specs:
            viewport = {"width": width, "height": height}
            context = browser.new_context(base_url=base_url, locale="th-TH", viewport=viewport)
            try:
                if spec["user"]:
                    context.add_cookies([{"name": "sessionid", "value": cookies[spec["user"]], "url": base_url}])
                page = context.new_page()
                page.goto(spec["path"], wait_until="load")
                path = directory / f"{spec['name']}-{width}.png"
                page.screenshot(path=str(path), full_page=True)
                written.append(str(path))
            finally:
                context.close()
    return written


def median_of(runs: list[dict]) -> dict:
    keys = runs[0].keys()
    return {key: round(statistics.median(run[key] for run in runs), 3 if key.endswith("_s") else 1) for key in keys}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs per page; the median is reported (default 3)")
    parser.add_argument("--kbps", type=float, default=400, help="throughput in kbit/s, down and up (default 400)")
    parser.add_argument("--latency-ms", type=float, default=400, help="latency added per request (default 400)")
    parser.add_argument("--goal-first-kb", type=float, default=80)
    parser.add_argument("--goal-first-s", type=float, default=2.5)
    parser.add_argument("--goal-repeat-s", type=float, default=0.8)
    parser.add_argument("--goal-offline-s", type=float, default=0.5)
    parser.add_argument("--enforce-goals", action="store_true", help="exit 1 when a page misses a goal")
    parser.add_argument("--gunicorn-workers", type=int, default=2)
    parser.add_argument("--screenshots", type=Path, help="also write full-page PNGs of every page to this directory")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE_URL)
    parser.add_argument(
        "--redis-url", default="", help="use this Redis db (and the next, flushed) instead of starting one"
    )
    parser.add_argument("--keep-db", action="store_true", help="do not drop the database at the end")
    args = parse_with_small(parser, argv, {"repeats": 1})
    if args.repeats < 1 or args.kbps <= 0 or args.latency_ms < 0:
        parser.error("--repeats and --kbps must be positive, --latency-ms not negative")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    stop_on_signals()
    result: dict = {
        "benchmark": "field",
        "network": {"kbps": args.kbps, "latency_ms": args.latency_ms},
        "viewport": "390x844",
        "repeats": args.repeats,
        "goals": {
            "first_kb": args.goal_first_kb,
            "first_s": args.goal_first_s,
            "repeat_s": args.goal_repeat_s,
            "offline_s": args.goal_offline_s,
        },
        "goals_met": None,
        "database": redact_url(args.database_url),
        "cpus": os.cpu_count(),
        "loadavg_before": loadavg(),
    }
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    environment = BenchEnvironment(
        database_url=args.database_url,
        redis_url=args.redis_url,
        collect_static=True,
        keep_db=args.keep_db,
        extra_env={
            "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            "SECURE_SSL_REDIRECT": "false",
            "SITE_URL": base_url,
        },
    )
    with reported(result), environment:
        from playwright.sync_api import sync_playwright

        log("seeding the demo data")
        manage("seed_demo", "-v", "0", env=environment.env)
        specs = pages_to_load()
        cookies = {email: session_cookie(email) for email in {spec["user"] for spec in specs if spec["user"]}}
        server = Gunicorn(env=environment.env, port=port, workers=args.gunicorn_workers, threads=4)
        with server:
            wait_for_server(port, server)
            pages: dict[str, list[dict]] = {spec["name"]: [] for spec in specs}
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM,
                    headless=True,
                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                          "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run"],
                )  # fmt: skip
                try:
                    unthrottled = argparse.Namespace(**{**vars(args), "latency_ms": 0, "kbps": 1e6})
                    for spec in specs:  # warm the server (imports, template caches), not measured
                        measure_page(browser, base_url=base_url, spec=spec, cookies=cookies, args=unthrottled)
                    for run in range(args.repeats):
                        for spec in specs:
                            started = time.perf_counter()
                            pages[spec["name"]].append(
                                measure_page(browser, base_url=base_url, spec=spec, cookies=cookies, args=args)
                            )
                            log("run %s %s: %s (%.1fs)", run + 1, spec["name"], pages[spec["name"]][-1],
                                time.perf_counter() - started)  # fmt: skip
                    if args.screenshots:
                        result["screenshots"] = screenshots(
                            browser, base_url=base_url, specs=specs, cookies=cookies, directory=args.screenshots
                        )
                finally:
                    browser.close()
        figures = {name: median_of(runs) for name, runs in pages.items()}
        result["pages"] = figures
        result["worst"] = {
            key: max(page[key] for page in figures.values() if key in page)
            for key in ("first_kb", "first_s", "repeat_s", "offline_s")
        }
        result["missed"] = [
            f"{name}.{key}"
            for name, page in figures.items()
            for key, goal in result["goals"].items()
            if key in page and page[key] > goal
        ]
        result["goals_met"] = not result["missed"]
        result["ok"] = result["goals_met"] or not args.enforce_goals
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
