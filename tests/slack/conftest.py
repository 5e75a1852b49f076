"""Slack's side of the conversation, faked on 127.0.0.1: Web API, response_url, Socket Mode."""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from aiohttp import WSMsgType, web
from slack_sdk.signature import SignatureVerifier

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BOT_TOKEN = "xoxb-test-govqa"
APP_TOKEN = "xapp-test-govqa"
BOT_USER = "U0GOVQA"
TEAM = "T0TEAM"
WAIT_S = 30.0
_REQUEST_NUMBERS = itertools.count(1)  # an upper bound for "it arrives", never a speed assertion


@dataclass
class Call:
    """One request Slack's side received: a Web API method, a response_url post or a WS ack."""

    kind: str  # "api", "response" or "socket"
    name: str  # the API method, the response_url name, or "ack"
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


class FakeSlack:
    """A real aiohttp server on a free port standing in for slack.com and wss-primary.slack.com."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._cond = threading.Condition()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None
        self._sockets: list[web.WebSocketResponse] = []
        self._ts = 0
        self.port = 0

    # --- lifecycle -------------------------------------------------------------------------

    def start(self) -> FakeSlack:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=WAIT_S)
        return self

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_post("/response/{name}", self._response)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    def stop(self) -> None:
        async def _stop() -> None:
            for ws in list(self._sockets):
                await ws.close()
            if self._runner is not None:
                await self._runner.cleanup()

        asyncio.run_coroutine_threadsafe(_stop(), self._loop).result(timeout=WAIT_S)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=WAIT_S)

    # --- addresses -------------------------------------------------------------------------

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/response/{name}"

    # --- handlers --------------------------------------------------------------------------

    def _record(self, call: Call) -> None:
        with self._cond:
            self.calls.append(call)
            self._cond.notify_all()

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        body: dict[str, Any] = {}
        raw = await request.read()
        if raw:
            if request.content_type == "application/json":
                body = json.loads(raw)
            else:
                body = dict(urllib.parse.parse_qsl(raw.decode()))
        self._record(Call("api", method, body, dict(request.headers)))
        if method == "auth.test":
            reply: dict[str, Any] = {
                "ok": True,
                "url": "https://govqa-test.slack.com/",
                "team": "govqa test",
                "user": "govqa",
                "team_id": TEAM,
                "user_id": BOT_USER,
                "bot_id": "B0GOVQA",
            }
        elif method == "chat.postMessage":
            self._ts += 1
            reply = {"ok": True, "channel": body.get("channel"), "ts": f"1700000900.{self._ts:06d}"}
        elif method == "apps.connections.open":
            reply = {"ok": True, "url": f"ws://127.0.0.1:{self.port}/socket"}
        else:
            reply = {"ok": False, "error": "unknown_method"}
        return web.json_response(reply)

    async def _response(self, request: web.Request) -> web.Response:
        self._record(Call("response", request.match_info["name"], await request.json()))
        return web.Response(text="ok")

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        self._record(Call("socket", "connect", {}, dict(request.headers)))
        await ws.send_json({"type": "hello", "num_connections": 1, "connection_info": {}})
        async for msg in ws:
            if msg.type == WSMsgType.TEXT:
                self._record(Call("socket", "ack", json.loads(msg.data)))
        self._sockets.remove(ws)
        return ws

    # --- what the tests use ----------------------------------------------------------------

    def reset(self) -> None:
        with self._cond:
            self.calls.clear()

    def posts(self) -> list[Call]:
        """Every message the bot sent: chat.postMessage calls and response_url posts."""
        with self._cond:
            return [c for c in self.calls if c.kind == "response" or c.name == "chat.postMessage"]

    def wait_for(self, check: Callable[[list[Call]], bool], what: str) -> list[Call]:
        """Block until `check(calls)` holds; fail with what did arrive otherwise."""
        deadline = time.monotonic() + WAIT_S
        with self._cond:
            while not check(self.calls):
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [(c.kind, c.name) for c in self.calls]
                    raise AssertionError(f"timed out waiting for {what}; Slack saw {seen}")
                self._cond.wait(left)
            return list(self.calls)

    def wait_posts(self, n: int) -> list[Call]:
        self.wait_for(lambda _: len(self.posts()) >= n, f"{n} posted message(s)")
        return self.posts()

    def send_envelope(self, envelope: dict[str, Any]) -> None:
        """Push a Socket Mode envelope to the connected client, as Slack does."""

        async def _send() -> None:
            assert self._sockets, "no Socket Mode client is connected"
            await self._sockets[-1].send_json(envelope)

        asyncio.run_coroutine_threadsafe(_send(), self._loop).result(timeout=WAIT_S)


class SlackSender:
    """Sends what Slack would send to /slack/events, signed with the app's signing secret."""

    def __init__(self, base_url: str, fake: FakeSlack, secret: str = SIGNING_SECRET) -> None:
        self.url = base_url.rstrip("/") + "/slack/events"
        self.fake = fake
        self.verifier = SignatureVerifier(secret)

    @staticmethod
    def _next() -> int:
        # Unique for the whole session: the bot remembers event ids it has answered.
        return next(_REQUEST_NUMBERS)

    def post(
        self,
        body: str,
        content_type: str,
        *,
        timestamp: int | None = None,
        sign: bool = True,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        all_headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts}
        if sign:
            all_headers["X-Slack-Signature"] = signature or str(
                self.verifier.generate_signature(timestamp=ts, body=body)
            )
        all_headers.update(headers or {})
        return httpx.post(self.url, content=body.encode(), headers=all_headers, timeout=WAIT_S)

    def post_bytes(
        self,
        body: bytes,
        content_type: str,
        *,
        timestamp: str | None = None,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """Raw bytes, signed only when given a signature: what a stranger can send."""
        all_headers = {"Content-Type": content_type}
        if timestamp is not None:
            all_headers["X-Slack-Request-Timestamp"] = timestamp
        if signature is not None:
            all_headers["X-Slack-Signature"] = signature
        all_headers.update(headers or {})
        return httpx.post(self.url, content=body, headers=all_headers, timeout=WAIT_S)

    def command_body(self, text: str, *, channel: str = "C0GENERAL", user: str = "U0ALICE") -> str:
        n = self._next()
        return urllib.parse.urlencode(
            {
                "token": "legacy-verification-token",
                "team_id": TEAM,
                "team_domain": "govqa-test",
                "channel_id": channel,
                "channel_name": "general",
                "user_id": user,
                "user_name": "alice",
                "command": "/ask",
                "text": text,
                "api_app_id": "A0GOVQA",
                "response_url": self.fake.response_url(f"command-{n}"),
                "trigger_id": f"trigger-{n}",
            }
        )

    def command(self, text: str, **kwargs: Any) -> httpx.Response:
        return self.post(self.command_body(text, **kwargs), "application/x-www-form-urlencoded")

    def event_body(self, event: dict[str, Any], *, event_id: str | None = None) -> str:
        return json.dumps(
            {
                "token": "legacy-verification-token",
                "team_id": TEAM,
                "api_app_id": "A0GOVQA",
                "event": event,
                "type": "event_callback",
                "event_id": event_id or f"Ev{self._next():08d}",
                "event_time": int(time.time()),
                "authorizations": [
                    {
                        "team_id": TEAM,
                        "user_id": BOT_USER,
                        "is_bot": True,
                        "is_enterprise_install": False,
                    }
                ],
            }
        )

    def event(
        self,
        event: dict[str, Any],
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
    ) -> httpx.Response:
        headers = {}
        if retry_num is not None:
            headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason}
        body = self.event_body(event, event_id=event_id)
        return self.post(body, "application/json", headers=headers)

    def action(
        self, message_blocks: list[dict[str, Any]], action_id: str, channel: str = "C0GENERAL"
    ) -> httpx.Response:
        """A click on a button of a message, as a block_actions payload."""
        body = self.action_body(message_blocks, action_id, channel)
        return self.post(body, "application/x-www-form-urlencoded")

    def action_body(
        self, message_blocks: list[dict[str, Any]], action_id: str, channel: str = "C0GENERAL"
    ) -> str:
        button = next(
            e
            for b in message_blocks
            if b["type"] == "actions"
            for e in b["elements"]
            if e["action_id"] == action_id
        )
        n = self._next()
        payload = {
            "type": "block_actions",
            "user": {"id": "U0BOB", "username": "bob", "team_id": TEAM},
            "api_app_id": "A0GOVQA",
            "token": "legacy-verification-token",
            "container": {
                "type": "message",
                "message_ts": "1700000900.000001",
                "channel_id": channel,
            },
            "trigger_id": f"trigger-{n}",
            "team": {"id": TEAM, "domain": "govqa-test"},
            "channel": {"id": channel, "name": "general"},
            "message": {"type": "message", "ts": "1700000900.000001", "blocks": message_blocks},
            "response_url": self.fake.response_url(f"action-{n}"),
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": "govqa_feedback",
                    "value": button["value"],
                    "action_ts": str(time.time()),
                }
            ],
        }
        return urllib.parse.urlencode({"payload": json.dumps(payload)})


def free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


class ServiceThread:
    """The real FastAPI app on uvicorn, on a free port, in a background thread."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.sock = free_socket()
        self.port = self.sock.getsockname()[1]
        config = uvicorn.Config(app, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ServiceThread:
        self.thread.start()
        deadline = time.monotonic() + 120
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the chat service did not start")
            time.sleep(0.05)
        # The engine loads in the background after start-up; Slack answers need it in.
        while (ready := httpx.get(self.url + "/readyz", timeout=WAIT_S)).status_code != 200:
            if ready.json().get("status") == "error" or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the chat service did not become ready: {ready.text}")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=WAIT_S)
        self.sock.close()


@pytest.fixture(scope="session")
def fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="session")
def slack_feedback_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("slack-feedback") / "feedback.sqlite3"


@pytest.fixture(scope="session")
def slack_ids() -> dict[str, str]:
    """The identities the fakes use: the bot's user id, team and tokens."""
    return {
        "bot_user": BOT_USER,
        "team": TEAM,
        "bot_token": BOT_TOKEN,
        "app_token": APP_TOKEN,
        "signing_secret": SIGNING_SECRET,
    }


@pytest.fixture(scope="session")
def make_settings(sample_index_dir: Path, slack_feedback_db: Path) -> Callable[..., Any]:
    """Settings for the service under test; Slack values are explicit, never from the shell."""
    from chat_api.settings import Settings

    def make(**overrides: Any) -> Any:
        values: dict[str, Any] = {
            "index_dir": sample_index_dir,
            "feedback_db": str(slack_feedback_db),
            "rate_limit": "off",
            "slack_bot_token": None,
            "slack_signing_secret": None,
            "slack_app_token": None,
            "slack_api_url": None,
            "slack_ephemeral": False,
        }
        values.update(overrides)
        return Settings(_env_file=None, **values)  # type: ignore[call-arg]

    return make


@pytest.fixture(scope="session")
def start_service(
    make_settings: Callable[..., Any], fake_slack: FakeSlack
) -> Iterator[Callable[..., ServiceThread]]:
    """Start `create_app(Settings(...))` on real HTTP with Slack pointed at the fake."""
    from chat_api.server.app import create_app

    started: list[ServiceThread] = []

    def start(engine_loader: Any = None, **overrides: Any) -> ServiceThread:
        values = {
            "slack_bot_token": BOT_TOKEN,
            "slack_signing_secret": SIGNING_SECRET,
            "slack_api_url": fake_slack.api_url,
        }
        values.update(overrides)
        app = create_app(make_settings(**values), engine_loader=engine_loader)
        service = ServiceThread(app).start()
        started.append(service)
        return service

    yield start
    for service in started:
        service.stop()


@pytest.fixture(scope="session")
def slack_service(start_service: Callable[..., ServiceThread]) -> ServiceThread:
    """The service with Slack configured (answers in channel), shared by the tests."""
    return start_service()


@pytest.fixture
def slack(slack_service: ServiceThread, fake_slack: FakeSlack) -> SlackSender:
    """A signed-request sender for one test, with Slack's record of calls emptied."""
    fake_slack.reset()
    return SlackSender(slack_service.url, fake_slack)


@pytest.fixture(scope="session")
def make_sender(fake_slack: FakeSlack) -> Callable[[ServiceThread], SlackSender]:
    """A signed-request sender for another service started with `start_service`."""
    return lambda service: SlackSender(service.url, fake_slack)


@pytest.fixture(scope="session")
def stored(slack_feedback_db: Path) -> Callable[[str, str], list[tuple[Any, ...]]]:
    """Rows of the service's feedback store for one conversation: ("feedback"|"questions", id),
    waiting up to 10 s for `at_least` of them."""
    import sqlite3

    queries = {
        "feedback": "SELECT source, conversation_id, turn, helpful, comment FROM feedback"
        " WHERE conversation_id = ? ORDER BY id",
        "questions": "SELECT source, conversation_id, turn, question, answered FROM questions"
        " WHERE conversation_id = ? ORDER BY id",
    }

    def rows(table: str, conversation_id: str, at_least: int = 0) -> list[tuple[Any, ...]]:
        # The question log has its own writer thread: a row lands soon after the reply.
        deadline = time.monotonic() + 10
        while True:
            with sqlite3.connect(slack_feedback_db) as conn:
                found = conn.execute(queries[table], (conversation_id,)).fetchall()
            if len(found) >= at_least or time.monotonic() > deadline:
                return found
            time.sleep(0.02)

    return rows


@pytest.fixture(scope="session")
def feedback_buttons() -> Callable[[str, int], dict[str, Any]]:
    """The 👍/👎 actions block expected under every answer."""

    def block(conversation_id: str, turn: int) -> dict[str, Any]:
        value = json.dumps(
            {"conversation_id": conversation_id, "turn": turn}, separators=(",", ":")
        )
        return {
            "type": "actions",
            "block_id": "govqa_feedback",
            "elements": [
                {
                    "type": "button",
                    "action_id": "govqa_feedback_up",
                    "text": {"type": "plain_text", "text": "👍 Helpful", "emoji": True},
                    "value": value,
                },
                {
                    "type": "button",
                    "action_id": "govqa_feedback_down",
                    "text": {"type": "plain_text", "text": "👎 Not helpful", "emoji": True},
                    "value": value,
                },
            ],
        }

    return block
