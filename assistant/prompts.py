"""Prompt templates are data: `prompts/*.md`, overridable from the user's prompts directory.

Each rendered prompt carries the hash of the templates it used, so history and eval fixtures know
which version of a prompt produced an answer.
"""

from __future__ import annotations

import hashlib
import string
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import UsageError

# name -> the placeholders it must contain
REQUIRED: dict[str, set[str]] = {
    "system": set(),
    "answer": {"question", "evidence"},
    "followup": {"question", "evidence", "history"},
    "evidence_item": {"key", "title", "year", "abstract"},
    "draft_facets": {"topic"},
    "draft_themes": {"topic", "groups"},
    "draft_paragraph": {"topic", "theme", "words", "evidence"},
    "verify": {"items"},
    "query_rewrite": {"query", "count"},
    "rerank": {"query", "passages", "count"},
}


def bundled_prompts_dir() -> Path:
    """The repository's `prompts/` (source checkout) or its installed copy."""
    source = Path(__file__).resolve().parent.parent / "prompts"
    if (source / "system.md").is_file():
        return source
    return Path(__file__).resolve().parent / "bundled_prompts"


def user_prompts_dir(data_dir: Path) -> Path:
    return data_dir / "prompts"


@dataclass(frozen=True)
class Template:
    name: str
    text: str
    path: Path

    @property
    def hash(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()[:12]

    def render(self, **values: str) -> str:
        return self.text.format(**values)


class PromptSet:
    """All templates, loaded and checked once: a broken override fails at start, not mid-answer."""

    def __init__(self, data_dir: Path | None = None) -> None:
        self.templates: dict[str, Template] = {}
        override_dir = user_prompts_dir(data_dir) if data_dir else None
        for name, needed in REQUIRED.items():
            path = bundled_prompts_dir() / f"{name}.md"
            if override_dir and (override_dir / f"{name}.md").is_file():
                path = override_dir / f"{name}.md"
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise UsageError(f"{path}: cannot read prompt template: {exc}") from None
            try:
                fields = {f for _, f, _, _ in string.Formatter().parse(text) if f}
            except ValueError as exc:
                raise UsageError(f"{path}: broken template: {exc}") from None
            if missing := needed - fields:
                raise UsageError(f"{path}: template lacks {{{', '.join(sorted(missing))}}}")
            if unknown := fields - needed:
                raise UsageError(f"{path}: unknown placeholder {{{sorted(unknown)[0]}}}")
            self.templates[name] = Template(name, text, path)

    def __getitem__(self, name: str) -> Template:
        return self.templates[name]

    def hash_of(self, *names: str) -> str:
        joined = "".join(self.templates[n].hash for n in names)
        return hashlib.sha256(joined.encode()).hexdigest()[:12]
