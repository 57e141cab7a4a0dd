"""Session history in SQLite (`history.db` in the data dir), with small named migrations.

Every question asked is logged with its evidence, answer, rejected citations, model, prompt hash,
tokens and latency, so a session can be continued, reopened and exported.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import DataDirError, NotFoundError, UsageError
from assistant.locations import check_data_dir, storage_problem
from assistant.models import Answer


def _m001_sessions(db: sqlite3.Connection) -> None:
    db.execute(
        "CREATE TABLE sessions "
        "(name TEXT PRIMARY KEY, created REAL NOT NULL, updated REAL NOT NULL)"
    )
    db.execute(
        """CREATE TABLE turns (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            session TEXT NOT NULL REFERENCES sessions(name) ON DELETE CASCADE,
            created REAL NOT NULL,
            question TEXT NOT NULL,
            answer TEXT NOT NULL,
            answer_json TEXT NOT NULL,
            evidence_keys TEXT NOT NULL,
            rejected_json TEXT NOT NULL,
            mode TEXT NOT NULL,
            model TEXT,
            prompt_hash TEXT,
            prompt_tokens INTEGER,
            completion_tokens INTEGER,
            latency REAL
        )"""
    )
    db.execute("CREATE INDEX turns_by_session ON turns(session, id)")


def _m002_turn_flags(db: sqlite3.Connection) -> None:
    db.execute("ALTER TABLE turns ADD COLUMN abstained INTEGER NOT NULL DEFAULT 0")
    db.execute("ALTER TABLE turns ADD COLUMN incomplete INTEGER NOT NULL DEFAULT 0")


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_m001_sessions, _m002_turn_flags]

MAX_SESSION_NAME = 100
_HEADING_CHARS = 90  # a question's heading in an export, its number aside


def check_session_name(name: str, where: str = "session") -> str:
    """A session name as kept: without its outer spaces, and refused (naming `where`, the
    option or command it came from) when that leaves nothing, when it holds a character that
    cannot be shown (a control or format character: a blank row in `history`, escapes in a
    heading), or when it is too long for a table cell. The name is not quoted back: it is
    what is wrong."""
    kept = name.strip()
    if not kept:
        raise UsageError(f"{where}: a session name cannot be empty")
    hidden = next((c for c in kept if not c.isprintable()), None)
    if hidden is not None:
        raise UsageError(
            f"{where}: a session name cannot hold control characters (U+{ord(hidden):04X})"
        )
    if len(kept) > MAX_SESSION_NAME:
        raise UsageError(f"{where}: a session name is at most {MAX_SESSION_NAME} characters")
    return kept


@dataclass
class SessionSummary:
    name: str
    created: float
    updated: float
    turns: int
    last_question: str

    def as_dict(self) -> dict:
        return self.__dict__.copy()


class History:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.path = data_dir / "history.db"
        with self._writing():
            check_data_dir(data_dir)
            data_dir.mkdir(parents=True, exist_ok=True)
            # the TUI reads history on its UI thread and records answers from a worker thread
            self.db = sqlite3.connect(self.path, check_same_thread=False)
            self.db.row_factory = sqlite3.Row
            self.db.execute("PRAGMA foreign_keys = ON")
            self._migrate()

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """A history that cannot be written (a read-only or full data dir) is one DataDirError
        line, not a traceback."""
        try:
            yield
        except (OSError, sqlite3.Error) as error:
            problem = storage_problem(error, self.data_dir)
            if problem is None:
                raise
            raise DataDirError(f"cannot write the history in {self.data_dir}: {problem}") from None

    def _migrate(self) -> None:
        self.db.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY)")
        done = {row[0] for row in self.db.execute("SELECT name FROM _migrations")}
        for migration in MIGRATIONS:
            if migration.__name__ not in done:
                with self.db:
                    migration(self.db)
                    self.db.execute("INSERT INTO _migrations VALUES (?)", (migration.__name__,))

    def record(self, session: str, answer: Answer) -> None:
        session = check_session_name(session)
        now = time.time()
        with self._writing(), self.db:
            self.db.execute(
                "INSERT INTO sessions VALUES (?, ?, ?) "
                "ON CONFLICT(name) DO UPDATE SET updated = excluded.updated",
                (session, now, now),
            )
            self.db.execute(
                """INSERT INTO turns (session, created, question, answer, answer_json,
                   evidence_keys, rejected_json, mode, model, prompt_hash, prompt_tokens,
                   completion_tokens, latency, abstained, incomplete)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (
                    session,
                    now,
                    answer.question,
                    answer.answer,
                    answer.model_dump_json(),
                    json.dumps(answer.evidence_keys),
                    json.dumps([r.model_dump() for r in answer.rejected_citations]),
                    answer.mode,
                    answer.model,
                    answer.prompt_hash,
                    answer.usage.get("prompt_tokens"),
                    answer.usage.get("completion_tokens"),
                    answer.latency,
                    int(answer.abstained),
                    int(answer.incomplete),
                ),
            )

    def sessions(self) -> list[SessionSummary]:
        rows = self.db.execute(
            """SELECT s.name, s.created, s.updated, COUNT(t.id) AS turns,
                      (SELECT question FROM turns WHERE session = s.name ORDER BY id DESC LIMIT 1)
               FROM sessions s LEFT JOIN turns t ON t.session = s.name
               GROUP BY s.name ORDER BY s.updated DESC"""
        ).fetchall()
        return [SessionSummary(r[0], r[1], r[2], r[3], r[4] or "") for r in rows]

    def answers(self, session: str) -> list[Answer]:
        rows = self.db.execute(
            "SELECT answer_json FROM turns WHERE session = ? ORDER BY id", (session,)
        ).fetchall()
        return [Answer.model_validate_json(r[0]) for r in rows]

    def require(self, session: str) -> list[Answer]:
        answers = self.answers(session)
        if not answers:
            raise NotFoundError(f"no session named {session!r} (see `litreview history`)")
        return answers

    def export_markdown(self, session: str, out: Path) -> tuple[Path, Path]:
        """`out` (Markdown, Pandoc citations) and `out` with `.json` (the full answers)."""
        answers = self.require(session)
        lines = [f"# Session: {session}", ""]
        for n, answer in enumerate(answers, 1):
            heading = " ".join(answer.question.split())
            if len(heading) > _HEADING_CHARS:  # the question in full below its heading
                heading = heading[: _HEADING_CHARS - 1].rstrip() + "…"
                lines += [f"## {n}. {heading}", "", f"> {' '.join(answer.question.split())}", ""]
            else:
                lines += [f"## {n}. {heading}", ""]
            lines += [answer.answer, ""]
            if answer.note:
                lines += [f"*{answer.note}*", ""]
            if answer.citations:
                lines.append("Sources:")
                lines += [f"- [@{c.key}] {c.title} ({c.year or 'n.d.'})" for c in answer.citations]
                lines.append("")
            verdicts = [
                f"- {s.text} @{e.key}: {e.verdict}"
                + (f" ({e.reason})" if e.reason else "")
                + (f' "{e.quote}"' if e.quote else "")
                for s in answer.sentences
                for e in s.evidence
            ]
            if verdicts:
                lines.append(f"Citation checks ({answer.verification}):")
                lines += verdicts
                lines.append("")
            if answer.rejected_citations:
                lines.append("Rejected citations:")
                lines += [f"- @{r.key}: {r.verdict}, {r.reason}" for r in answer.rejected_citations]
                lines.append("")
        sidecar = out.with_suffix(".json")
        try:
            out.write_text("\n".join(lines), encoding="utf-8")
            sidecar.write_text(
                json.dumps(
                    {"session": session, "answers": [a.public_dict() for a in answers]}, indent=2
                ),
                encoding="utf-8",
            )
        except OSError as exc:
            raise UsageError(f"{out}: cannot write: {exc.strerror}") from None
        return out, sidecar

    def close(self) -> None:
        self.db.close()
