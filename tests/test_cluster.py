"""Builds and publishes on a real Dask cluster: a `dask scheduler` and two `dask worker`
processes on 127.0.0.1 (real TCP), started here as a user starts them.

The episodes are compared with local builds of the same articles (ffmpeg's duration, the
chapters, the transcripts), and the scheduler's own task stream says where each build ran."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import cloudpickle  # noqa: E402  (comes with Dask)
import distributed  # noqa: E402  (the [cluster] extra; the test extra has it)
import feedparser
import pytest
from conftest import bare_path_env
from readers import probe_duration, vtt_cues

from audio_edition import __version__
from audio_edition.runners.identity import build_identity

pytestmark = pytest.mark.slow  # a real Dask scheduler and workers

cloudpickle.register_pickle_by_value(sys.modules[__name__])  # functions run on the workers and scheduler

FRAME_S = 1152 / 44100  # one MP3 frame at our sample rate
FRAME_BYTES = 96_000 // 8 * 1152 // 44100 + 1  # and its size at the show's 96 kbps
TOPICS = [
    ("Night buses return to the valley",
     "The valley's night buses run again from Friday, after two years without them."),
    ("A library of tools opens in the old school",
     "Neighbours can now borrow drills, ladders and sewing machines for a week at a time."),
    ("The ferry timetable changes in spring",
     "From March the first crossing leaves at six, half an hour earlier than now."),
    ("Allotments get a shared greenhouse",
     "The allotment society built a greenhouse that every plot holder can use in winter."),
]
FILLER = ("Residents asked for it at three meetings last year. The council found the money in its transport "
          "budget, and the trial runs until the end of the year. If enough people use it, it stays.")


def write_articles(folder: Path, words: int = 0) -> list[Path]:
    """Four short news articles of our own; with ``words``, each goes on with that many generated
    words (scripts/make_articles.py), so that a build takes a while."""
    from conftest import _load_script

    paths = []
    for n, (title, lead) in enumerate(TOPICS):
        path = folder / f"story-{n}.md"
        body = "\n\n".join([lead, FILLER, f"## What comes next\n\n{lead} {FILLER}", FILLER.replace("year", "season")])
        if words:
            body += "\n\n" + _load_script("make_articles").article(words, seed=n + words).split("\n", 1)[1]
        path.write_text(f"# {title}\n\n{body}\n", encoding="utf-8")
        paths.append(path)
    return paths


class DaskCluster:
    """`dask scheduler` and `dask worker` processes, each in its own process group."""

    def __init__(self, folder: Path, workers: int = 2, preload: Path | None = None,
                 scheduler_env: dict[str, str] | None = None) -> None:
        self.folder = folder
        self.file = folder / "scheduler.json"
        self.procs: list[subprocess.Popen[bytes]] = []
        self.named: dict[str, subprocess.Popen[bytes]] = {}
        dask = str(Path(sys.executable).with_name("dask"))
        self._start([dask, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                     "--scheduler-file", str(self.file)], "scheduler", scheduler_env)
        deadline = time.monotonic() + 30
        while not self.file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        self.address = json.loads(self.file.read_text())["address"]
        for n in range(workers):
            args = [dask, "worker", self.address, "--nthreads", "1", "--no-nanny", "--no-dashboard",
                    "--host", "127.0.0.1", "--name", f"w{n}"]
            if preload:
                args += ["--preload", str(preload)]
            self._start(args, f"worker{n}", {"AUDIO_EDITION_CACHE_DIR": str(folder / f"cache-w{n}")})
        with self.client() as client:
            client.wait_for_workers(workers, timeout=60)
            info = client.scheduler_info(n_workers=-1)["workers"]
            self.worker_addresses = sorted(info)
            self.worker_procs = {address: self.named[str(info[address]["name"]).replace("w", "worker")]
                                 for address in info}

    def _start(self, args: list[str], name: str, env: dict[str, str] | None = None) -> None:
        with open(self.folder / f"{name}.log", "wb") as log:  # the process has its own copy
            proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=bare_path_env(env),
                                    start_new_session=True)
        self.procs.append(proc)
        self.named[name] = proc

    def client(self) -> distributed.Client:
        return distributed.Client(self.address, timeout="30s", set_as_default=False)

    def close(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DaskCluster]:
    running = DaskCluster(tmp_path_factory.mktemp("dask"))
    yield running
    running.close()


def run(args: list[str], cwd: Path, env: dict[str, str] | None = None,
        timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "audio_edition", *args], cwd=cwd, env=bare_path_env(env),
                          capture_output=True, text=True, timeout=timeout)


def same_episode(remote: Path, here: Path) -> None:
    """The same episode: duration within one MP3 frame (ffmpeg's reading), and the same chapters
    and transcript cues (read from the files, not through our code)."""
    assert abs(probe_duration(remote.with_suffix(".mp3")) - probe_duration(here.with_suffix(".mp3"))) <= FRAME_S
    chapters = [json.loads(Path(f"{p}.chapters.json").read_text())["chapters"] for p in (remote, here)]
    assert chapters[0] == chapters[1] and len(chapters[0]) >= 2
    cues = [vtt_cues(Path(f"{p}.vtt").read_text()) for p in (remote, here)]
    assert cues[0] == cues[1] and len(cues[0]) > 20
    assert Path(f"{remote}.srt").read_text() == Path(f"{here}.srt").read_text()


def test_publish_on_the_cluster_gives_the_local_feed_and_catalog(cluster: DaskCluster, tmp_path: Path) -> None:
    articles = write_articles(tmp_path)[:3]
    details = ["--title", "Valley Listens", "--author", "Desk", "--email", "desk@valley.example",
               "--base-url", "https://valley.example/listen/"]
    for name in ("here", "there"):
        assert run(["show", "init", name, *details], tmp_path).returncode == 0
    fake = {"AUDIO_EDITION_ENGINE": "fake"}  # a deterministic engine: the episodes may be compared exactly
    here = run(["publish", *map(str, articles), "--show", "here"], tmp_path,
               {"AUDIO_EDITION_CACHE_DIR": str(tmp_path / "c"), **fake})
    assert here.returncode == 0, here.stderr
    there = run(["publish", *map(str, articles), "--show", "there", "--cluster", cluster.address], tmp_path, fake)
    assert there.returncode == 0, there.stderr

    def feed(show: str) -> list[tuple[object, ...]]:
        parsed = feedparser.parse((tmp_path / show / "feed.xml").read_bytes())
        assert not parsed.bozo
        return sorted((e.id, e.title, e.enclosures[0].href, e.enclosures[0].type, e.itunes_duration, e.link)
                      for e in parsed.entries)

    def catalog(show: str) -> list[tuple[object, ...]]:
        with sqlite3.connect(tmp_path / show / ".catalog.sqlite") as db:
            return sorted(db.execute("SELECT guid, source, slug, title, author, description, language, article_date, "
                                     "audio_bytes, duration_ms, sections, cues FROM episodes").fetchall())

    for show in ("here", "there"):  # the episodes' files, byte for byte
        assert (tmp_path / show / "episodes").is_dir()
    for mp3 in (tmp_path / "here" / "episodes").glob("*.mp3"):
        assert (tmp_path / "there" / "episodes" / mp3.name).read_bytes() == mp3.read_bytes()

    assert feed("there") == feed("here") and len(feed("here")) == 3
    assert catalog("there") == catalog("here")


def test_without_cluster_nothing_imports_dask(tmp_path: Path) -> None:
    """Several articles side by side here (worker processes of our own), and not a trace of Dask."""
    for name in ("a", "b"):
        (tmp_path / f"{name}.txt").write_text(f"Story {name}\n\nThe ferry leaves at six on weekdays.\n")
    script = ("import sys\nfrom audio_edition.cli import main\nsys.argv = ['audio-edition', 'build', 'a.txt', 'b.txt', "
              "'--out-dir', 'out', '--engine', 'fake', '--jobs', '2']\ntry:\n    main()\nexcept SystemExit as exc:\n"
              "    assert not exc.code, exc.code\n"
              "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=bare_path_env(), capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"
    assert sorted(p.name for p in (tmp_path / "out").glob("*.mp3")) == ["a.mp3", "b.mp3"]


def refused_by_a_worker(tmp_path: Path, preload: str) -> str:
    """The one error line of a build on a one-worker cluster whose worker runs ``preload`` first;
    nothing may be built."""
    (tmp_path / "worker_preload.py").write_text(preload)
    other = DaskCluster(tmp_path, workers=1, preload=tmp_path / "worker_preload.py")
    try:
        (tmp_path / "a.txt").write_text("A Title\n\nSome words to speak.\n")
        result = run(["build", "a.txt", "--cluster", other.address], tmp_path)
    finally:
        other.close()
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1 and len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert not (tmp_path / "a.mp3").exists()
    return lines[0]


def test_a_version_mismatch_is_one_clear_error(tmp_path: Path) -> None:
    line = refused_by_a_worker(tmp_path, "import audio_edition\naudio_edition.__version__ = '0.0.9'\n")  # an older one
    assert f"runs audio-edition 0.0.9, this client {__version__}" in line
    assert f"Hint: Install audio-edition {__version__}" in line


def test_a_worker_with_other_code_under_the_same_version_is_refused(tmp_path: Path) -> None:
    """The same version number with other files (a patched install, a checkout with changes)."""
    line = refused_by_a_worker(tmp_path, "import audio_edition.runners.identity as identity\n"
                                         "identity.build_identity = lambda: identity.__version__ + '+000000000000'\n")
    assert f"runs another build of audio-edition {__version__} ({__version__}+000000000000, this client " \
           f"{build_identity()})" in line and "the very same audio-edition" in line


def test_an_unreachable_scheduler_is_one_clear_error(tmp_path: Path) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    (tmp_path / "a.txt").write_text("A Title\n\nSome words to speak.\n")
    result = run(["build", "a.txt", "--cluster", f"tcp://127.0.0.1:{port}"], tmp_path,
                 {"AUDIO_EDITION_CLUSTER_TIMEOUT": "2"})
    assert result.returncode == 1 and result.stderr.startswith(f"Error: cannot reach the Dask scheduler at tcp://127.0.0.1:{port}")


def test_espeak_speaks_on_a_worker(cluster: DaskCluster, tmp_path: Path) -> None:
    """The real engine in a worker process (in that process, one build at a time)."""
    (tmp_path / "note.txt").write_text("Ferry Note\n\nThe first ferry leaves at six from Monday.\n")
    result = run(["build", "note.txt", "--engine", "espeak", "--cluster", cluster.address], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "with espeak (en-US)" in result.stderr and " on tcp://127.0.0.1:" in result.stderr
    assert probe_duration(tmp_path / "note.mp3") > 3
    assert json.loads((tmp_path / "note.report.json").read_text())["source"] == "note.txt"


def as_at_a_terminal() -> None:
    """A background job (CI) inherits SIGINT ignored; at a terminal, Ctrl-C interrupts."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_cancels_what_has_not_started(cluster: DaskCluster, tmp_path: Path) -> None:
    articles = write_articles(tmp_path, words=450)  # not the kill test's: nothing of them in the workers' caches
    proc = subprocess.Popen([sys.executable, "-m", "audio_edition", "build", *map(str, articles), "--out-dir", "out",
                             "--cluster", cluster.address], cwd=tmp_path,
                            env=bare_path_env({"AUDIO_EDITION_ENGINE": "fake"}), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, preexec_fn=as_at_a_terminal)
    ours = lambda dask_scheduler: sorted(str(k) for k in dask_scheduler.tasks  # noqa: E731
                                         if str(k).startswith("audio-edition-build"))
    with cluster.client() as client:
        deadline = time.monotonic() + 60
        while not any(client.run(executing).values()) and time.monotonic() < deadline:
            time.sleep(0.05)
        while len(client.run_on_scheduler(ours)) < 4 and time.monotonic() < deadline:
            time.sleep(0.05)  # the client's submissions reach the scheduler in batches, a moment apart
        assert len(client.run_on_scheduler(ours)) == 4  # two running, two waiting
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 130 and err.strip().endswith("Interrupted."), err
        deadline = time.monotonic() + 20
        while client.run_on_scheduler(ours) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert client.run_on_scheduler(ours) == []  # nothing left for the workers to start
        deadline = time.monotonic() + 60  # (a build already running finishes, and is thrown away)
        while any(client.run(executing).values()) and time.monotonic() < deadline:
            time.sleep(0.1)
    assert len(list((tmp_path / "out").glob("*.mp3"))) < 4  # the waiting builds never ran
    assert not list((tmp_path / "out").glob(".*.part"))


def executing(dask_worker: distributed.Worker) -> list[str]:
    """On a worker: the keys of the builds it is running now."""
    return [str(ts.key) for ts in dask_worker.state.executing if str(ts.key).startswith("audio-edition-build")]


def test_four_articles_on_two_workers_match_local_builds_though_a_worker_dies(cluster: DaskCluster,
                                                                              tmp_path: Path) -> None:
    """Last in this file: it kills one of the two workers."""
    articles = write_articles(tmp_path, words=500)  # a second or two of mixing and encoding each
    (tmp_path / "empty.txt").write_text("   \n")  # fails on its worker, by name; the others finish
    with cluster.client() as client:
        start = client.run_on_scheduler(lambda dask_scheduler: dask_scheduler.get_task_stream_index())
        proc = subprocess.Popen([sys.executable, "-m", "audio_edition", "build", *map(str, articles), "empty.txt",
                                 "--out-dir", "remote", "--cluster", cluster.address], cwd=tmp_path,
                                env=bare_path_env({"AUDIO_EDITION_ENGINE": "fake"}), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        victim, lost = cluster.worker_addresses[-1], []
        deadline = time.monotonic() + 60
        while not lost and time.monotonic() < deadline:  # the second worker, in the middle of a build
            lost = client.run(executing, workers=[victim]).get(victim, [])
            time.sleep(0.05)
        if not lost:
            proc.kill()
            pytest.fail(f"no build reached the second worker; the build said: {proc.communicate()[1][-2000:]}")
        # Mid-build, by what the scheduler says: the worker is stopped (it can finish nothing more),
        # its build is still being processed there, and only then is it killed.
        os.killpg(cluster.worker_procs[victim].pid, signal.SIGSTOP)
        states = client.run_on_scheduler(lambda dask_scheduler, keys=tuple(lost): [
            (dask_scheduler.tasks[k].state, str(getattr(dask_scheduler.tasks[k].processing_on, "address", "")))
            for k in keys if k in dask_scheduler.tasks])
        assert states and all(state == ("processing", victim) for state in states), states
        os.killpg(cluster.worker_procs[victim].pid, signal.SIGKILL)
        out, err = proc.communicate(timeout=300)
        stream = client.run_on_scheduler(lambda dask_scheduler: dask_scheduler.get_task_stream(start_index=start))
    assert proc.returncode == 1, err  # the empty article failed...
    assert "Error: empty.txt" in err and "empty" in err
    assert len(out.split()) == 4, err  # ...and the four episodes arrived
    # The scheduler's record: every build ran on a worker; what the killed worker held (its build,
    # and any queued behind it) ran on the other; the empty article's is the one that erred.
    ours = [r for r in stream if str(r["key"]).startswith("audio-edition-build")]
    last = {re.sub(r"-retry\d+$", "", str(r["key"])): r.get("status") for r in ours}  # a retried one: its last try
    assert sorted(last.values()) == ["OK"] * 4 + ["error"], ours
    assert {r["worker"] for r in ours} <= set(cluster.worker_addresses)
    rerun = [r["worker"] for r in ours if str(r["key"]) in lost]
    assert rerun == [cluster.worker_addresses[0]], (lost, [(r["key"], r["worker"], r["status"]) for r in ours])

    local = run(["build", *map(str, articles), "--out-dir", "local"], tmp_path, {"AUDIO_EDITION_ENGINE": "fake"})
    assert local.returncode == 0, local.stderr
    for article in articles:
        same_episode(tmp_path / "remote" / article.stem, tmp_path / "local" / article.stem)


def test_a_build_the_cluster_gives_up_on_is_tried_once_more(tmp_path: Path) -> None:
    """A scheduler that allows no failures gives up on a build whose worker dies (KilledWorker):
    that is the cluster's fault, not the article's, so the build is submitted once more and the
    episode arrives from the other worker."""
    cluster = DaskCluster(tmp_path, scheduler_env={"DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "0"})
    try:
        articles = write_articles(tmp_path, words=500)[:2]
        with cluster.client() as client:
            start = client.run_on_scheduler(lambda dask_scheduler: dask_scheduler.get_task_stream_index())
            proc = subprocess.Popen([sys.executable, "-m", "audio_edition", "build", *map(str, articles),
                                     "--out-dir", "out", "--cluster", cluster.address], cwd=tmp_path,
                                    env=bare_path_env({"AUDIO_EDITION_ENGINE": "fake"}), stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True)
            victim, lost = cluster.worker_addresses[-1], []
            deadline = time.monotonic() + 60
            while not lost and time.monotonic() < deadline and proc.poll() is None:
                lost = client.run(executing, workers=[victim]).get(victim, [])
                time.sleep(0.05)
            assert lost, f"no build reached the second worker: {proc.communicate()[1][-2000:]}"
            os.killpg(cluster.worker_procs[victim].pid, signal.SIGKILL)
            out, err = proc.communicate(timeout=300)
            stream = client.run_on_scheduler(lambda dask_scheduler: dask_scheduler.get_task_stream(start_index=start))
        assert proc.returncode == 0, err
        assert sorted(Path(line).name for line in out.split()) == ["story-0.mp3", "story-1.mp3"]
        retried = [r for r in stream if str(r["key"]) == f"{lost[0]}-retry2"]
        assert [r["status"] for r in retried] == ["OK"], [(r["key"], r["status"]) for r in stream]
        assert retried[0]["worker"] == cluster.worker_addresses[0]
    finally:
        cluster.close()


def test_a_silent_address_and_a_wrong_one_are_clear_errors_on_time(tmp_path: Path) -> None:
    """A port that accepts and never answers is given up on at AUDIO_EDITION_CLUSTER_TIMEOUT; an
    address of another scheme is one error line, not a traceback."""
    import socket

    (tmp_path / "a.txt").write_text("A Title\n\nSome words to speak.\n")
    with socket.create_server(("127.0.0.1", 0)) as silent:  # the kernel accepts; nobody ever answers
        port = silent.getsockname()[1]
        started = time.monotonic()
        result = run(["build", "a.txt", "--cluster", f"tcp://127.0.0.1:{port}"], tmp_path,
                     {"AUDIO_EDITION_CLUSTER_TIMEOUT": "3"}, timeout=60)
        took = time.monotonic() - started
    assert result.returncode == 1 and result.stderr.startswith("Error: "), result.stderr
    assert "did not answer within 3 s" in result.stderr or "cannot reach" in result.stderr, result.stderr
    assert took < 15 and len(result.stderr.strip().splitlines()) == 1
    wrong = run(["build", "a.txt", "--cluster", "foo://bar"], tmp_path)
    assert wrong.returncode == 1 and wrong.stderr.strip().splitlines() == [
        "Error: --cluster 'foo://bar' is not a Dask scheduler's address. "
        "Hint: Give tcp://HOST:PORT (or tls://HOST:PORT for a scheduler with TLS)."]


def test_a_lost_scheduler_fails_the_run_not_the_articles(tmp_path: Path) -> None:
    """The scheduler dies while a feed's articles build on the cluster: the run fails with one
    error naming the cluster, no article is recorded as failed, and the next run (here, locally)
    publishes them all rather than skipping them for an hour."""
    import threading
    from functools import partial
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    site = tmp_path / "site"
    site.mkdir()
    articles = write_articles(site, words=450)
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(SimpleHTTPRequestHandler, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    items = "".join(f"<item><title>{p.stem}</title><link>{base}{p.name}</link></item>" for p in articles)
    (site / "feed.xml").write_text(f"<?xml version='1.0'?><rss version='2.0'><channel><title>V</title>"
                                   f"<link>{base}</link><description>d</description>{items}</channel></rss>")
    assert run(["show", "init", "show", "--title", "V", "--author", "D", "--email", "d@v.example",
                "--base-url", "https://v.example/"], tmp_path).returncode == 0
    (tmp_path / "dask-lost").mkdir()
    other = DaskCluster(tmp_path / "dask-lost", workers=1)
    try:
        proc = subprocess.Popen([sys.executable, "-m", "audio_edition", "publish", "--from-feed", base + "feed.xml",
                                 "--show", "show", "--engine", "espeak", "--cluster", other.address],
                                cwd=tmp_path, env=bare_path_env(), stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 120
        takes = tmp_path / "dask-lost" / "cache-w0"
        while not any(takes.rglob("*.wav")) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        os.killpg(other.named["scheduler"].pid, signal.SIGKILL)
        _, stderr = proc.communicate(timeout=120)
        assert proc.returncode == 1 and "lost the Dask scheduler" in stderr, stderr
        again = run(["publish", "--show", "show", "--from-feed", base + "feed.xml", "--engine", "fake"], tmp_path)
        assert again.returncode == 0 and "failed within the hour" not in again.stderr, again.stderr
        assert "4 new" in again.stderr, again.stderr
    finally:
        other.close()
        server.shutdown()


def _certificates(folder: Path) -> dict[str, Path]:
    """A certificate authority, and one certificate it signed for 127.0.0.1 (openssl)."""
    paths = {name: folder / f"{name}.pem" for name in ("ca", "ca-key", "cert", "key")}
    ssl = ["openssl"]
    subprocess.run([*ssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=test-ca",
                    "-keyout", str(paths["ca-key"]), "-out", str(paths["ca"])], check=True, capture_output=True)
    csr = folder / "cert.csr"
    subprocess.run([*ssl, "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
                    "-keyout", str(paths["key"]), "-out", str(csr)], check=True, capture_output=True)
    (folder / "san.ext").write_text("subjectAltName=IP:127.0.0.1\n")
    subprocess.run([*ssl, "x509", "-req", "-in", str(csr), "-CA", str(paths["ca"]), "-CAkey", str(paths["ca-key"]),
                    "-CAcreateserial", "-days", "2", "-extfile", str(folder / "san.ext"), "-out", str(paths["cert"])],
                   check=True, capture_output=True)
    return paths


def test_a_tls_cluster_builds_with_certificates_from_the_environment(tmp_path: Path) -> None:
    """A scheduler and a worker that speak only TLS: the client's certificates come from Dask's own
    configuration variables; without them, one clear error."""
    certs = _certificates(tmp_path)
    tls = ["--tls-ca-file", str(certs["ca"]), "--tls-cert", str(certs["cert"]), "--tls-key", str(certs["key"])]
    dask = str(Path(sys.executable).with_name("dask"))
    file = tmp_path / "scheduler.json"
    procs = [subprocess.Popen([dask, "scheduler", "--protocol", "tls", "--host", "127.0.0.1", "--port", "0",
                               "--no-dashboard", "--scheduler-file", str(file), *tls],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)]
    try:
        deadline = time.monotonic() + 30
        while not file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        address = json.loads(file.read_text())["address"]
        assert address.startswith("tls://")
        procs.append(subprocess.Popen([dask, "worker", address, "--nthreads", "1", "--no-nanny", "--no-dashboard",
                                       "--host", "127.0.0.1", *tls], stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL, start_new_session=True, env=bare_path_env()))
        (tmp_path / "a.txt").write_text("A Title\n\nSome words to speak on a cluster that speaks TLS.\n")
        env = {"DASK_DISTRIBUTED__COMM__TLS__CA_FILE": str(certs["ca"]),
               "DASK_DISTRIBUTED__COMM__TLS__CLIENT__CERT": str(certs["cert"]),
               "DASK_DISTRIBUTED__COMM__TLS__CLIENT__KEY": str(certs["key"]),
               "DASK_DISTRIBUTED__COMM__REQUIRE_ENCRYPTION": "True"}
        built = run(["build", "a.txt", "--engine", "fake", "--cluster", address], tmp_path, env)
        assert built.returncode == 0, built.stderr
        assert probe_duration(tmp_path / "a.mp3") > 1
        refused = run(["build", "a.txt", "-o", "b.mp3", "--engine", "fake", "--cluster", address], tmp_path,
                      {"AUDIO_EDITION_CLUSTER_TIMEOUT": "5"})
        lines = refused.stderr.strip().splitlines()
        assert refused.returncode == 1 and len(lines) == 1 and lines[0].startswith("Error: "), refused.stderr
        assert not (tmp_path / "b.mp3").exists()
    finally:
        for proc in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def test_the_inbox_builds_on_the_cluster(cluster: DaskCluster, tmp_path: Path) -> None:
    """`inbox --cluster`: articles sent to the inbox are spoken on the workers (their caches fill,
    the inbox's stays empty) and published here."""
    from inboxprocess import make_show, start_inbox, stop_all
    from localsite import LocalSite

    here_cache = tmp_path / "inbox-cache"
    before = {path for path in cluster.folder.glob("cache-w*/**/*") if path.is_file()}
    with LocalSite() as site:
        inbox = start_inbox(make_show(tmp_path / "show"), "--allow-private", "--cluster", cluster.address,
                            env={"AUDIO_EDITION_CACHE_DIR": str(here_cache)})
        try:
            ids = [inbox.add(site.url(path)).json()["id"] for path in ("/news/river-path", "/news/old-mill")]
            jobs = [inbox.wait(job_id) for job_id in ids]
        finally:
            stop_all([inbox])
    assert [job["status"] for job in jobs] == ["done", "done"], jobs
    after = {path for path in cluster.folder.glob("cache-w*/**/*") if path.is_file()}
    assert after - before  # the takes were spoken there
    assert not [path for path in here_cache.glob("**/*") if path.is_file()]  # and not here
    entries = feedparser.parse((tmp_path / "show" / "feed.xml").read_bytes()).entries
    assert sorted(entry.title for entry in entries) == ["Old mill becomes a makers' workshop",
                                                        "River path stays open all winter"]
