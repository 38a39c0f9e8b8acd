"""`audio-edition inbox` run as a user runs it: a real process on a free loopback port, for the
inbox tests. Start-up is awaited by its own line on stderr; jobs by their JSON, never a fixed sleep.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conftest import bare_path_env

STARTED = re.compile(r"Inbox for '.*': (https?://\S+/p/([A-Za-z0-9_-]+)/)add")
LISTENING = re.compile(r"Listening on (http://[^/\s]+)/")
START_S = 60.0


def make_show(folder: Path, title: str = "Listen later") -> Path:
    """A show for the inbox, built with the fake engine and no jingles (fast, offline)."""
    run = subprocess.run([sys.executable, "-m", "audio_edition", "show", "init", str(folder), "--title", title,
                          "--author", "Tess Reader", "--email", "tess@example.org",
                          "--base-url", "https://listen.example.org/tess/"],
                         capture_output=True, text=True, env=bare_path_env(None), timeout=120)
    assert run.returncode == 0, run.stderr
    toml = folder / "show.toml"
    toml.write_text(toml.read_text().replace("[build]\n", '[build]\nengine = "fake"\nintro = "none"\noutro = "none"\n'))
    return folder


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def fetch(url: str, data: bytes | None = None, headers: dict[str, str] | None = None,
          method: str | None = None) -> Answer:
    """One request, redirects not followed, errors as answers."""
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with _opener.open(request, timeout=30) as response:
            return Answer(response.status, {k.lower(): v for k, v in response.headers.items()}, response.read())
    except urllib.error.HTTPError as exc:
        return Answer(exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read())


@dataclass
class RunningInbox:
    process: subprocess.Popen[bytes]
    show: Path
    log: Path
    base: str  # http://127.0.0.1:PORT/p/TOKEN/
    token: str
    origin: str  # where the process listens: http://127.0.0.1:PORT

    def url(self, rest: str = "") -> str:
        """An address under the private prefix, at the process itself (not a --public-url's proxy)."""
        return f"{self.origin}/p/{self.token}/{rest}"

    def stderr(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def add(self, url: str, as_json: bool = True, **fields: str) -> Answer:
        from urllib.parse import urlencode

        body = urlencode({"url": url, **fields}).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if as_json:
            headers["Accept"] = "application/json"
        return fetch(self.url("add"), body, headers)

    def job(self, job_id: str) -> dict[str, Any]:
        answer = fetch(self.url(f"jobs/{job_id}.json"))
        assert answer.status == 200, answer
        return dict(answer.json())

    def wait(self, job_id: str, timeout: float = 180.0) -> dict[str, Any]:
        """The job once it is done or failed (its JSON, polled)."""
        deadline = time.monotonic() + timeout
        while True:
            job = self.job(job_id)
            if job["status"] in ("done", "failed"):
                return job
            assert self.process.poll() is None, self.stderr()
            assert time.monotonic() < deadline, f"job {job_id} still {job['status']}\n{self.stderr()}"
            time.sleep(0.2)

    def wait_status(self, job_id: str, status: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while self.job(job_id)["status"] != status:
            assert time.monotonic() < deadline, self.stderr()
            time.sleep(0.05)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(30)

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.process.returncode


def start_inbox(show: Path, *args: str, env: dict[str, str] | None = None,
                open_files: int | None = None) -> RunningInbox:
    """`audio-edition inbox --show SHOW --port 0 ARGS`, once it says where it listens (with at most
    ``open_files`` open files, as `ulimit -n` would set)."""

    def limit() -> None:
        if open_files:
            import resource

            resource.setrlimit(resource.RLIMIT_NOFILE, (open_files, open_files))

    log = show.parent / f"inbox-{time.monotonic_ns()}.log"
    with open(log, "wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "audio_edition", "inbox", "--show", str(show),
                                    "--port", "0", *args], stdout=subprocess.DEVNULL, stderr=out,
                                   env=bare_path_env({"PYTHONUNBUFFERED": "1", **(env or {})}), preexec_fn=limit)
    deadline = time.monotonic() + START_S
    while True:
        text = log.read_text(encoding="utf-8", errors="replace")
        found = STARTED.search(text)
        if found:
            here = LISTENING.search(text)
            origin = here.group(1) if here else found.group(1).split("/p/", 1)[0]
            return RunningInbox(process, show, log, found.group(1), found.group(2), origin)
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise AssertionError(f"the inbox did not start (exit {process.poll()}):\n{text}")
        time.sleep(0.05)


def stop_all(inboxes: list[RunningInbox]) -> None:
    for inbox in inboxes:
        if inbox.process.poll() is None:
            inbox.process.kill()
            inbox.process.wait(30)


__all__ = ["Answer", "RunningInbox", "fetch", "make_show", "start_inbox", "stop_all"]
