"""Speaking: the Engine protocol and its registry, the engines, and synthesis in worker processes."""
