"""The fake LINE: the Messaging API's push endpoint and LINE Login's endpoints, over HTTP.

Messaging API:
- `POST /v2/bot/message/push` with `X-Line-Retry-Key`: 200 the first time a retry key is
  accepted, 409 for a key accepted before (as LINE does); 400 for a user in `blocked` or a
  malformed request; 429 on demand (`rate_429`, a share of calls, or a queued failure) and
  429 "monthly limit" while `quota_used_up`; any queued status (500, ...) on demand.
- `GET /v2/bot/message/quota` and `/quota/consumption`.

LINE Login:
- `GET /oauth2/v2.1/authorize`: a small page where the person (a test, or you in demo mode)
  says who they are and whether they add the account as a friend, then back to redirect_uri.
- `POST /oauth2/v2.1/token`, `POST /oauth2/v2.1/verify` (ID token claims), `GET /v2/profile`,
  `GET /friendship/v1/status`.

Control (tests and the benchmark): `GET /_fake/state`, `POST /_fake/reset`,
`POST /_fake/fail` (`{"status": 429, "count": 2, "message": "..."}`), `POST /_fake/config`
(`{"rate_429": 0.05, "quota_used_up": false, "blocked": ["U..."]}`).

Counted: requests, pushes accepted, 409s answered, and `same_message_accepted_twice`: pushes
whose recipient and messages equal a push accepted before under another retry key (a resend
that LINE could not have recognised; must stay 0).
"""

from __future__ import annotations

import hashlib
import html
import json
import random
import secrets
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit


@dataclass
class State:
    rate_429: float = 0.0
    quota_used_up: bool = False
    blocked: set = field(default_factory=set)
    failures: deque = field(default_factory=deque)  # (status, message) answered next, in order
    accepted_keys: dict = field(default_factory=dict)  # retry key -> times accepted (always 1)
    bodies: dict = field(default_factory=dict)  # hash of (to, messages) -> retry key
    pushes: list = field(default_factory=list)  # accepted pushes: {"to", "messages", "retry_key"}
    requests: int = 0
    conflicts: int = 0
    answered_429: int = 0
    same_message_accepted_twice: int = 0
    codes: dict = field(default_factory=dict)  # login code -> profile
    tokens: dict = field(default_factory=dict)  # access or id token -> profile
    lock: threading.Lock = field(default_factory=threading.Lock)

    def summary(self) -> dict:
        return {
            "requests": self.requests,
            "accepted": len(self.pushes),
            "conflicts_409": self.conflicts,
            "answered_429": self.answered_429,
            "same_message_accepted_twice": self.same_message_accepted_twice,
            "retry_keys_accepted_twice": sum(1 for count in self.accepted_keys.values() if count > 1),
            "pushes": self.pushes[-50:],
        }


class Handler(BaseHTTPRequestHandler):
    server_version = "FakeLINE/1"
    protocol_version = "HTTP/1.1"

    @property
    def state(self) -> State:
        return self.server.state  # type: ignore[attr-defined]

    def log_message(self, format, *args):
        return

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status: int, payload: dict | str, *, content_type: str = "application/json", headers=None):
        data = (json.dumps(payload) if not isinstance(payload, str) else payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _json(self) -> dict:
        try:
            return json.loads(self._body() or b"{}")
        except ValueError:
            return {}

    # --- routes -------------------------------------------------------------------------------

    def do_GET(self):
        url = urlsplit(self.path)
        query = {name: values[0] for name, values in parse_qs(url.query).items()}
        if url.path == "/_fake/state":
            with self.state.lock:
                return self._send(200, self.state.summary())
        if url.path == "/oauth2/v2.1/authorize":
            return self._authorize_page(query)
        if url.path == "/oauth2/v2.1/authorize/done":
            return self._authorize_done(query)
        if url.path in ("/v2/profile", "/friendship/v1/status"):
            profile = self.state.tokens.get(self.headers.get("Authorization", "").removeprefix("Bearer "))
            if profile is None:
                return self._send(401, {"message": "invalid token"})
            if url.path == "/v2/profile":
                return self._send(200, {"userId": profile["sub"], "displayName": profile["name"]})
            return self._send(200, {"friendFlag": profile["friend"]})
        if url.path == "/v2/bot/message/quota":
            return self._send(200, {"type": "limited", "value": 0 if self.state.quota_used_up else 1_000_000})
        if url.path == "/v2/bot/message/quota/consumption":
            return self._send(200, {"totalUsage": len(self.state.pushes)})
        return self._send(404, {"message": "Not found"})

    def do_POST(self):
        url = urlsplit(self.path)
        if url.path == "/v2/bot/message/push":
            return self._push()
        if url.path == "/oauth2/v2.1/token":
            return self._token()
        if url.path == "/oauth2/v2.1/verify":
            form = {name: values[0] for name, values in parse_qs(self._body().decode()).items()}
            profile = self.state.tokens.get(form.get("id_token", ""))
            if profile is None:
                return self._send(400, {"error": "invalid_request"})
            claims = {"iss": "https://access.line.me", "sub": profile["sub"], "name": profile["name"]}
            if profile.get("email"):
                claims["email"] = profile["email"]
            return self._send(200, claims)
        if url.path == "/_fake/reset":
            self.server.state = State()  # type: ignore[attr-defined]
            return self._send(200, {"ok": True})
        if url.path == "/_fake/fail":
            data = self._json()
            with self.state.lock:
                for _ in range(int(data.get("count", 1))):
                    self.state.failures.append((int(data.get("status", 500)), data.get("message", "Fake failure")))
            return self._send(200, {"ok": True})
        if url.path == "/_fake/config":
            data = self._json()
            with self.state.lock:
                if "rate_429" in data:
                    self.state.rate_429 = float(data["rate_429"])
                if "quota_used_up" in data:
                    self.state.quota_used_up = bool(data["quota_used_up"])
                if "blocked" in data:
                    self.state.blocked = set(data["blocked"])
            return self._send(200, {"ok": True})
        return self._send(404, {"message": "Not found"})

    # --- Messaging API --------------------------------------------------------------------------

    def _push(self):
        state = self.state
        raw = self._body()
        retry_key = self.headers.get("X-Line-Retry-Key", "")
        with state.lock:
            state.requests += 1
            if not self.headers.get("Authorization", "").startswith("Bearer "):
                return self._send(401, {"message": "Authentication failed"})
            if state.failures:
                status, message = state.failures.popleft()
                if status == 429:
                    state.answered_429 += 1
                return self._send(status, {"message": message})
            if state.quota_used_up:
                state.answered_429 += 1
                return self._send(429, {"message": "You have reached your monthly limit."})
            if state.rate_429 and random.random() < state.rate_429:
                state.answered_429 += 1
                return self._send(429, {"message": "Too many requests"})
            try:
                data = json.loads(raw)
                to, messages = data["to"], data["messages"]
                if not (1 <= len(messages) <= 5) or any(
                    m.get("type") == "flex" and not m.get("altText") for m in messages
                ):
                    raise ValueError
            except (ValueError, KeyError, TypeError):
                return self._send(400, {"message": "The request body has 1 error(s)"})
            if to in state.blocked or not str(to).startswith("U"):
                return self._send(400, {"message": "Failed to send messages"})
            if retry_key and retry_key in state.accepted_keys:
                state.conflicts += 1
                return self._send(
                    409,
                    {"message": "The retry key is already accepted"},
                    headers={"x-line-accepted-request-id": hashlib.sha1(retry_key.encode()).hexdigest()},  # noqa: S324
                )
            body_hash = hashlib.sha256(json.dumps([to, messages], sort_keys=True).encode()).hexdigest()
            if body_hash in state.bodies:
                state.same_message_accepted_twice += 1
            state.bodies[body_hash] = retry_key
            if retry_key:
                state.accepted_keys[retry_key] = state.accepted_keys.get(retry_key, 0) + 1
            state.pushes.append({"to": to, "messages": messages, "retry_key": retry_key})
        return self._send(200, {"sentMessages": [{"id": secrets.token_hex(8)} for _m in messages]})

    # --- LINE Login ------------------------------------------------------------------------------

    def _authorize_page(self, query: dict):
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(name)}" value="{html.escape(value)}">'
            for name, value in query.items()
        )
        page = f"""<!doctype html><html lang="th"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>LINE Login (fake)</title></head>
<body><h1>LINE</h1><p>เข้าสู่ระบบด้วย LINE (จำลอง) / LINE Login (local fake)</p>
<form method="get" action="/oauth2/v2.1/authorize/done">{hidden}
<p><label>LINE user ID <input name="fake_user_id" value="U{secrets.token_hex(16)}"></label></p>
<p><label>ชื่อ / Name <input name="fake_name" value="สมหญิง ใจดี"></label></p>
<p><label>อีเมล / Email <input name="fake_email" value=""></label></p>
<p><label><input type="checkbox" name="fake_friend" value="1" checked> เพิ่มเพื่อน / Add as friend
({html.escape(query.get("bot_prompt", ""))})</label></p>
<p><button type="submit" id="fake-line-allow">อนุญาต / Allow</button></p></form></body></html>"""
        return self._send(200, page, content_type="text/html; charset=utf-8")

    def _authorize_done(self, query: dict):
        code = secrets.token_urlsafe(16)
        with self.state.lock:
            self.state.codes[code] = {
                "sub": query.get("fake_user_id") or f"U{secrets.token_hex(16)}",
                "name": query.get("fake_name", ""),
                "email": query.get("fake_email", ""),
                "friend": query.get("fake_friend") == "1",
            }
        target = query.get("redirect_uri", "")
        params = {"code": code, "state": query.get("state", "")}
        if query.get("bot_prompt"):
            params["friendship_status_changed"] = "true" if query.get("fake_friend") == "1" else "false"
        separator = "&" if "?" in target else "?"
        self.send_response(302)
        self.send_header("Location", f"{target}{separator}{urlencode(params)}")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _token(self):
        form = {name: values[0] for name, values in parse_qs(self._body().decode()).items()}
        with self.state.lock:
            profile = self.state.codes.pop(form.get("code", ""), None)
            if profile is None:
                return self._send(400, {"error": "invalid_grant"})
            access, id_token = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
            self.state.tokens[access] = self.state.tokens[id_token] = profile
        return self._send(
            200,
            {
                "access_token": access,
                "id_token": id_token,
                "expires_in": 2592000,
                "token_type": "Bearer",
                "scope": "profile openid email",
                "refresh_token": secrets.token_urlsafe(16),
            },
        )


class FakeLine:
    """A running fake, in a thread of this process (`start`)."""

    def __init__(self, server: ThreadingHTTPServer, thread: threading.Thread) -> None:
        self.server = server
        self.thread = thread
        host, port = server.server_address[:2]
        self.url = f"http://{host}:{port}"

    @property
    def state(self) -> State:
        return self.server.state  # type: ignore[attr-defined]

    def fail(self, status: int, *, count: int = 1, message: str = "Fake failure") -> None:
        with self.state.lock:
            for _ in range(count):
                self.state.failures.append((status, message))

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def start(*, host: str = "127.0.0.1", port: int = 0) -> FakeLine:
    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    server.state = State()  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, name="fake-line", daemon=True)
    thread.start()
    return FakeLine(server, thread)
