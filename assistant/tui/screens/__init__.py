"""The parts of the terminal UI: one tab each (chat, library, draft, history) and the modals."""
