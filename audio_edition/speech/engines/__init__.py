"""The built-in speech engines; each registers through the audio_edition.engines entry points."""
