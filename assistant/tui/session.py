"""What the TUI needs from the core, gathered in one place and free of Textual.

Opening the library, asking in a session, drafting, importing: the same calls the CLI makes, so
the TUI stays a thin layer. Everything here may block; the app runs it in worker threads.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assistant.answer import Asker
    from assistant.draft import Draft
    from assistant.history import History
    from assistant.library import IngestReport, Library
    from assistant.models import Answer, Paper
    from assistant.settings import Settings


@dataclass
class Workspace:
    """One open library plus the asker, drafter and history the screens share."""

    settings: Settings
    offline: bool = False
    _library: Library | None = None
    _asker: Asker | None = None
    _history: History | None = None
    session: str = "tui"
    turns: list[Any] = field(default_factory=list)

    @classmethod
    def open(cls, offline: bool = False) -> Workspace:
        from assistant.settings import load_settings

        return cls(load_settings(), offline=offline)

    # -- what the status bar shows --------------------------------------------------------------
    @property
    def uses_model(self) -> bool:
        from assistant.llm import endpoint_configured

        return not self.offline and endpoint_configured(self.settings)

    def mode_label(self) -> str:
        from assistant.llm import DEFAULT_MODEL, describe_endpoint

        if not self.uses_model:
            return "extractive, offline (no model endpoint)"
        return f"{self.settings.model or DEFAULT_MODEL} @ {describe_endpoint(self.settings)}"

    # -- the core -------------------------------------------------------------------------------
    @property
    def library(self) -> Library:
        if self._library is None:
            from assistant.library import Library

            self._library = Library(self.settings)
        return self._library

    @property
    def asker(self) -> Asker:
        if self._asker is None:
            from assistant.answer import Asker
            from assistant.llm import LLMGateway

            gateway = LLMGateway(self.settings) if self.uses_model else None
            self._asker = Asker(self.library, gateway=gateway)
        return self._asker

    @property
    def history(self) -> History:
        if self._history is None:
            from assistant.history import History

            self._history = History(self.settings.data_dir)
        return self._history

    def warm_up(self) -> int:
        """Load the index and the embedding model; returns the number of papers."""
        count = len(self.library.index())
        if count:
            self.library.embedder.embed(["warm up"])
        return count

    def papers(self) -> list[Paper]:
        return self.library.papers()

    def ask(
        self,
        question: str,
        on_token: Callable[[str], None] | None = None,
        on_restart: Callable[[], None] | None = None,
    ) -> Answer:
        from assistant.answer import Turn

        answer = self.asker.ask(
            question,
            k=self.settings.answer_k,
            history=self.turns,
            on_token=on_token,
            on_restart=on_restart,
        )
        answer.session = self.session
        self.turns.append(Turn(answer.question, answer.answer))
        self.history.record(self.session, answer)
        return answer

    def new_session(self, name: str) -> None:
        self.session = name
        self.turns = []

    def reopen(self, name: str) -> list[Answer]:
        from assistant.answer import Turn

        answers = self.history.require(name)
        self.session = name
        self.turns = [Turn(a.question, a.answer) for a in answers]
        return answers

    def supporting_sentence(self, sentence: str, key: str) -> str:
        """The abstract sentence that best supports a cited sentence (shown highlighted)."""
        paper = self.library.get(key)
        return self.asker.scorer.best_match(sentence, paper)[1]

    def draft(self, topic: str, progress: Callable[[str], None] | None = None) -> Draft:
        from assistant.draft import Drafter
        from assistant.llm import LLMGateway

        gateway = LLMGateway(self.settings) if self.uses_model else None
        return Drafter(self.library, gateway=gateway).draft(topic, progress=progress)

    def export_draft(self, draft: Draft, out: Path, fmt: str) -> tuple[Path, Path]:
        from assistant.draft import write_draft

        return write_draft(draft, self.library, out, fmt)

    def ingest(self, paths: Sequence[Path] = (), sample: bool = False) -> IngestReport:
        self._asker = None  # new papers: the asker's caches start fresh
        return self.library.ingest(list(paths), sample=sample)

    def remove(self, key: str) -> None:
        self.library.remove(key)

    def export_session(self, name: str, out: Path) -> tuple[Path, Path]:
        return self.history.export_markdown(name, out)
