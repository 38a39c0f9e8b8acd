"""The listen-later inbox for one show: its secret, its queue, its worker, and the ASGI server
(uvicorn) that answers on one socket. One inbox per show at a time (``.inbox.lock``).
"""

from __future__ import annotations

import asyncio
import errno
import fcntl
import os
import socket
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import uvicorn

from audio_edition.errors import OutputError
from audio_edition.inbox.app import make_app
from audio_edition.inbox.state import Inbox, Limits, Say, stderr
from audio_edition.publish.catalog import CATALOG_FILE
from audio_edition.publish.server import REQUEST_DEADLINE_S, connection_cap, lan_address
from audio_edition.publish.show import load_show

LOCK_FILE = ".inbox.lock"


@contextmanager
def _only_inbox(root: Path) -> Iterator[None]:
    try:
        handle = open(root / LOCK_FILE, "a")  # noqa: SIM115
    except OSError as exc:
        raise OutputError(f"cannot write in {root}: {exc.strerror}",
                          hint="The inbox keeps its queue and episodes in the show folder: make it writable.") from exc
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OutputError(f"another inbox is already running for {root}",
                              hint="Stop it first, or use its address.") from None
        yield


def writable(root: Path) -> None:
    """The show folder and its catalog must be writable: every add and every build writes them."""
    for path in (root, root / CATALOG_FILE):
        if path.exists() and not os.access(path, os.W_OK):
            raise OutputError(f"cannot write {path}", hint="The inbox writes its queue and its episodes there: let "
                                                          "this user write the show folder and its catalog.")


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return socket.create_server((host, port), family=family, backlog=128)
    except OSError as exc:
        hint = ("Another program listens there: choose another --port." if exc.errno == errno.EADDRINUSE else
                "Give --host an address of this machine (127.0.0.1, 0.0.0.0, or one of its network's).")
        reason = os.strerror(exc.errno) if exc.errno else str(exc)  # not create_server's "(while attempting …)"
        raise OutputError(f"cannot listen on {host}:{port}: {reason}", hint=hint) from exc


def run_inbox(show_dir: Path, host: str, port: int, limits: Limits, public_url: str | None = None,
              allow_private: bool = False, cluster: str | None = None, say: Say = stderr) -> None:
    """Serve the inbox until Ctrl-C or SIGTERM. Jobs left building by a killed server go first."""
    load_show(show_dir)  # a clear error before anything is made
    with ExitStack() as stack:
        stack.enter_context(_only_inbox(show_dir))
        runner = None
        if cluster:
            from audio_edition.runners.batch import runner_for

            runner = stack.enter_context(runner_for(cluster, None))
        inbox = Inbox(show_dir, limits, allow_private, public_url, runner, say)
        token = inbox.secret.current()
        sock = stack.enter_context(bind(host, port))
        shown = "127.0.0.1" if host in ("0.0.0.0", "") else ("[::1]" if host == "::" else host)
        shown = f"[{shown}]" if ":" in shown and not shown.startswith("[") else shown  # an IPv6 address in a URL
        inbox.here = f"{shown}:{sock.getsockname()[1]}"
        writable(inbox.show.root)
        inbox.jobs.prepare()
        _, gave_up = inbox.jobs.requeue_interrupted()
        left = inbox.jobs.waiting()
        inbox.worker.start()
        base = inbox.base(None, "http", token)
        lines = [f"Inbox for '{inbox.show.title}': {base}add (Ctrl-C to stop)",
                 f"Subscribe in your podcast app: {base}feed.xml",
                 f"Keep these addresses private: they are the only key. Delete {inbox.secret.path} to change them."]
        if inbox.public_url:
            lines.append(f"Listening on http://{inbox.here}/ (the proxy in front of it forwards {inbox.public_url} "
                         "here)")
        if left:
            lines.append(f"Finishing {left} article{'s' if left != 1 else ''} the last run left unfinished.")
        if gave_up:
            lines.append(f"Gave up on {gave_up} article{'s' if gave_up != 1 else ''} the inbox stopped in twice "
                         "(see the add page).")
        lan = lan_address() if host in ("0.0.0.0", "::", "") and not inbox.public_url else None
        if lan:
            lines.append(f"On your network: http://{lan}:{sock.getsockname()[1]}/p/{token}/add")
        if not inbox.public_url and (host.startswith("127.") or host in ("localhost", "::1")):
            lines.append("Only this machine can reach it: put it behind HTTPS (see the README) and pass --public-url.")
        say("\n".join(lines))  # one write: whoever reads the first line has them all
        try:
            _serve(inbox, sock)
        finally:
            inbox.worker.stop()
        say("Stopped; jobs not yet done are finished at the next start.")


def _serve(inbox: Inbox, sock: socket.socket) -> None:
    cap = connection_cap()
    config = uvicorn.Config(make_app(inbox), http=_protocol(cap), ws="none", lifespan="off", log_level="warning",
                            access_log=False, proxy_headers=True, server_header=False, timeout_keep_alive=30,
                            limit_concurrency=cap + 1)
    uvicorn.Server(config).run(sockets=[sock])


def _protocol(cap: int) -> type:
    """uvicorn's HTTP/1.1 protocol with ``serve``'s defences: a request's line and headers must
    arrive whole within REQUEST_DEADLINE_S of the connection (or of the last answer on a kept-alive
    one), and past ``cap`` connections the one that has waited longest for its request is closed,
    so connections that send nothing can neither pile up nor shut real requests out."""
    from uvicorn.protocols.http.h11_impl import H11Protocol

    waiting: dict[Any, asyncio.TimerHandle] = {}  # protocol -> its deadline, in the order they began to wait

    class Guarded(H11Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            super().connection_made(transport)  # type: ignore[arg-type]
            if len(self.connections) > cap:
                oldest = next((p for p in waiting if p is not self), None)
                if oldest is not None:
                    oldest.late()
            self.wait()

        def wait(self) -> None:
            self.arrived()
            waiting[self] = self.loop.call_later(REQUEST_DEADLINE_S, self.late)

        def arrived(self) -> None:
            timer = waiting.pop(self, None)
            if timer is not None:
                timer.cancel()

        def late(self) -> None:
            self.arrived()
            if self.cycle is not None and not self.cycle.response_complete:
                return  # a request is being answered: it is not waiting
            if not self.transport.is_closing():
                self.transport.close()

        def handle_events(self) -> None:
            cycle = self.cycle
            super().handle_events()
            if self.cycle is not cycle:  # a request's line and headers are in
                self.arrived()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing() and (self.cycle is None or self.cycle.response_complete):
                self.wait()  # for the next request on this connection

        def connection_lost(self, exc: Exception | None) -> None:
            self.arrived()
            super().connection_lost(exc)

    return Guarded
