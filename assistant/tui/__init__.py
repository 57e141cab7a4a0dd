"""The Textual terminal UI: a thin layer over the same core the CLI calls."""
