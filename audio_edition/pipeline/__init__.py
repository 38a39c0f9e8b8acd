"""One article end to end: prepare (read, clean, script) and build (speak, mix, master, tag)."""

from audio_edition.pipeline.building import BuildResult, build, check_output
from audio_edition.pipeline.preparation import Prepared, prepare, read

__all__ = ["BuildResult", "Prepared", "build", "check_output", "prepare", "read"]
