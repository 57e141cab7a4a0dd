"""Where litreview keeps its files: one data dir (platformdirs default, env or flag override)."""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "litreview"
DATA_DIR_ENV = "LITREVIEW_DATA_DIR"


def default_data_dir() -> Path:
    """`$LITREVIEW_DATA_DIR`, else the platform's user data dir (e.g. ~/.local/share/litreview)."""
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override).expanduser()
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False)


def default_cache_dir() -> Path:
    """The platform's user cache dir (e.g. ~/.cache/litreview): derived models live here."""
    from platformdirs import user_cache_path

    return user_cache_path(APP_NAME, appauthor=False)


def config_file(data_dir: Path) -> Path:
    """The optional TOML config: `$LITREVIEW_CONFIG`, else `config.toml` in the data dir."""
    override = os.environ.get("LITREVIEW_CONFIG")
    return Path(override).expanduser() if override else data_dir / "config.toml"


def chroma_dir(data_dir: Path) -> Path:
    return data_dir / "chroma"


def cache_dir(data_dir: Path) -> Path:
    return data_dir / "cache"


def sample_corpus_dir() -> Path:
    """The seed pages shipped inside the package."""
    return Path(__file__).parent / "sample"


def check_data_dir(data_dir: Path) -> None:
    """A data dir that is a file (or lies under one) cannot hold a library: say so at once."""
    from assistant.errors import DataDirError

    for path in (data_dir, *data_dir.parents):
        if path.exists():
            if not path.is_dir():
                where = "is a file" if path == data_dir else f"lies under {path}, which is a file"
                raise DataDirError(
                    f"the data dir {data_dir} {where}, not a directory "
                    "(choose one with --data-dir or LITREVIEW_DATA_DIR)"
                )
            return


_FULL = ("disk is full", "no space left", "(code: 13)", "quota exceeded")
_READ_ONLY = ("read-only file system", "readonly database", "(code: 8)")
_DENIED = ("permission denied",)
_STORE_WRITE = ("failed to apply logs", "error in compaction", "backfill request to compactor")


def storage_problem(error: BaseException, data_dir: Path) -> str | None:
    """What an error from writing the library (the store, the lock, the index cache, the
    history) says about its data dir: "the disk is full", "it is read-only", "it is not
    writable"; None when it is about something else."""
    import errno

    code = getattr(error, "errno", None)
    text = str(error).lower()
    if code in (errno.ENOSPC, errno.EDQUOT) or any(s in text for s in _FULL):
        return f"the disk is full ({_free(data_dir)} free)"
    if code == errno.EROFS or any(s in text for s in _READ_ONLY) or _read_only(data_dir):
        return "it is read-only"
    filename = getattr(error, "filename", None)
    elsewhere = bool(filename) and not Path(filename).resolve().is_relative_to(data_dir.resolve())
    if (code in (errno.EACCES, errno.EPERM) or any(s in text for s in _DENIED)) and not elsewhere:
        return "it is not writable (permission denied)"
    if any(s in text for s in _STORE_WRITE):
        # what Chroma says when its log cannot be written out, a disk without room the usual
        # cause (measured on a full tmpfs); the free space lets the user judge
        return f"the store cannot write its files ({_free(data_dir)} free on its disk)"
    return None


def _existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _read_only(data_dir: Path) -> bool:
    import os

    try:
        return bool(os.statvfs(_existing(data_dir)).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def _free(data_dir: Path) -> str:
    import shutil

    try:
        free = float(shutil.disk_usage(_existing(data_dir)).free)
    except OSError:
        return "nothing"
    unit = "bytes"
    for unit in ("bytes", "KB", "MB", "GB"):
        if free < 1024 or unit == "GB":
            break
        free /= 1024
    return f"{free:,.0f} {unit}" if unit == "bytes" else f"{free:,.1f} {unit}"
