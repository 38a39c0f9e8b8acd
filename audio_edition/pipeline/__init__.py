"""One article end to end: prepare (read, clean, script) and build (speak, mix, master, tag)."""
