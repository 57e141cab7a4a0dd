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
