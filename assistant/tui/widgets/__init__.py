"""Widgets the parts of the terminal UI are built from."""
