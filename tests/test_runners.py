"""Runners, in this process: the identity a cluster checks workers by, and the loop build and
publish share (pack, run, commit), through a runner that implements the real protocol here."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

import pytest

from audio_edition import __version__
from audio_edition.episode import sidecars
from audio_edition.errors import AudioEditionError, MissingFileError, SettingError
from audio_edition.pipeline import BuildResult
from audio_edition.runners.base import Outcome, Runner
from audio_edition.runners.batch import Done, Order, build_articles, build_on
from audio_edition.runners.identity import PACKAGE, build_identity, files_digest
from audio_edition.runners.jobs import Job, run_job
from audio_edition.settings import Settings


class ThisProcess:
    """A Runner that runs each packed job right here, one after another, as a worker would."""

    remote = False
    workers = 1

    def __init__(self) -> None:
        self.ran: list[str] = []

    def __enter__(self) -> ThisProcess:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        pass

    def run(self, jobs: list[Job]) -> Iterator[Outcome]:
        for n, job in enumerate(jobs):
            self.ran.append(job.name)
            try:
                yield n, run_job(job)
            except AudioEditionError as exc:
                yield n, exc


def test_the_identity_is_the_version_and_a_digest_of_the_code(tmp_path: Path) -> None:
    assert build_identity().startswith(f"{__version__}+") and len(build_identity()) == len(__version__) + 13
    copy = tmp_path / "audio_edition"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    assert files_digest(copy) == files_digest(PACKAGE)
    (copy / "__pycache__").mkdir(exist_ok=True)
    (copy / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"compiled")
    (copy / "media").mkdir(exist_ok=True)
    (copy / "media" / "intro.mp3").write_bytes(b"a wheel carries the media; a checkout keeps them beside")
    assert files_digest(copy) == files_digest(PACKAGE)  # neither compiled caches nor media count
    module = copy / "text" / "numbers.py"
    module.write_text(module.read_text() + "\n# changed\n")
    assert files_digest(copy) != files_digest(PACKAGE)


def test_build_on_commits_each_episode_and_reports_a_failure_in_its_place(tmp_path: Path) -> None:
    runner: Runner = ThisProcess()
    (tmp_path / "a.txt").write_text("The First\n\nOne short paragraph to speak.\n")
    (tmp_path / "b.md").write_text("# The Second\n\nAnother one, a little longer than the first.\n")
    settings = Settings(engine="fake", intro=None, outro=None, cover=None)
    out = tmp_path / "out"
    out.mkdir()
    orders = [Order(str(tmp_path / "a.txt"), out / "a.mp3", settings),
              Order(str(tmp_path / "missing.txt"), out / "missing.mp3", settings),
              Order(str(tmp_path / "b.md"), out / "b.mp3", settings)]
    with runner:
        outcomes = dict(build_on(runner, orders))
    assert isinstance(outcomes[1], MissingFileError) and "missing.txt" in outcomes[1].message
    for n, name in ((0, "a"), (2, "b")):
        done = outcomes[n]
        assert isinstance(done, Done) and done.worker == "local"
        assert (done.result.output == out / f"{name}.mp3"
                and done.result.sidecars == tuple(sidecars.paths_for(out / f"{name}.mp3")))
        assert all(path.is_file() and path.stat().st_size > 0 for path in (done.result.output, *done.result.sidecars))
    assert sorted(p.name for p in out.iterdir()) == sorted(
        f"{name}{suffix}" for name in "ab" for suffix in (".mp3", *sidecars.SUFFIXES))  # nothing half-written
    assert sorted(Path(name).name for name in runner.ran) == ["a.txt", "b.md"]  # the missing file was never sent


def test_an_output_we_cannot_write_fails_before_the_job_is_sent(tmp_path: Path) -> None:
    runner = ThisProcess()
    (tmp_path / "a.txt").write_text("Title\n\nWords.\n")
    order = Order(str(tmp_path / "a.txt"), tmp_path / "a.wav", Settings(engine="fake"))
    [(index, outcome)] = list(build_on(runner, [order]))
    assert index == 0 and isinstance(outcome, AudioEditionError) and runner.ran == []


class Told:
    """A Listener that writes down what build_articles tells it."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []

    def batch(self, total: int, workers: int, remote: bool) -> None:
        self.events.append(("batch", str(total)))

    def article(self, label: str) -> None:
        self.events.append(("article", label))

    def progress(self, done: int, total: int) -> None:
        pass

    def stage(self, name: str) -> None:
        pass

    def built(self, label: str, result: BuildResult, worker: str | None) -> None:
        self.events.append(("built", str(result.output)))

    def failed(self, label: str, error: AudioEditionError) -> None:
        self.events.append(("failed", label))


NOTE = b"Ferry Times Change\n\nThe first crossing now leaves at six, half an hour earlier.\n"


def test_standard_input_is_named_after_its_title_unless_o_names_it(tmp_path: Path) -> None:
    settings = Settings(engine="fake", intro=None, outro=None, cover=None, jobs=1)
    (tmp_path / "out").mkdir()
    told = Told()
    assert build_articles(["-"], settings, told, out_dir=tmp_path / "out", stdin=NOTE) is False
    assert told.events == [("article", "standard input"), ("built", str(tmp_path / "out" / "ferry-times-change.mp3"))]
    told = Told()
    build_articles(["-"], settings, told, output=tmp_path / "mine.mp3", stdin=NOTE)
    assert told.events[-1] == ("built", str(tmp_path / "mine.mp3"))


def test_standard_input_named_as_another_inputs_episode_is_an_error_and_builds_nothing(tmp_path: Path) -> None:
    (tmp_path / "ferry-times-change.md").write_text("# Another Article\n\nIts own words.\n")
    (tmp_path / "out").mkdir()
    told = Told()
    with pytest.raises(SettingError, match="two inputs would write the same episode file"):
        build_articles([str(tmp_path / "ferry-times-change.md"), "-"],
                       Settings(engine="fake", intro=None, outro=None, cover=None, jobs=1), told,
                       out_dir=tmp_path / "out", stdin=NOTE)
    assert told.events == [] and list((tmp_path / "out").iterdir()) == []


def test_a_job_run_by_a_worker_keeps_its_speech_to_one_core(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A batch's or a cluster's worker builds beside others: an engine that spreads one sentence
    over the cores (Piper) must keep to one, or the workers would fight over them."""
    from audio_edition.speech import workers

    monkeypatch.setattr(workers, "_cores_each", None)
    monkeypatch.setattr(workers, "cores", lambda: 4)  # a machine of 4 cores
    assert workers.speech_cores() == 4  # a build alone: every core
    (tmp_path / "a.txt").write_text("The First\n\nOne short paragraph to speak.\n")
    out = tmp_path / "out"
    out.mkdir()
    with ThisProcess() as runner:
        outcomes = dict(build_on(runner, [Order(str(tmp_path / "a.txt"), out / "a.mp3",
                                                Settings(engine="fake", intro=None, outro=None, cover=None))]))
    assert isinstance(outcomes[0], Done)
    assert workers.speech_cores() == 1
