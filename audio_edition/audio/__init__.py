"""The audio stages: the ffmpeg toolchain, the mix, loudness, mastering and encoding."""
