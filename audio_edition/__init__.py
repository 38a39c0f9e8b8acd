"""audio-edition: turn written articles into podcast-ready audio editions."""

__version__ = "0.3.0"
