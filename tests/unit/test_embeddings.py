"""Embedding encoders and the persistent cache, without loading a real model."""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from recommender.config import Settings
from recommender.features import embeddings
from recommender.features.embeddings import (
    CachedEncoder,
    EmbeddingCache,
    HashingEncoder,
    SentenceTransformerEncoder,
    TextEncoder,
    get_encoder,
)


class CountingEncoder:
    """HashingEncoder vectors (different per role and per ``salt``) that records every call."""

    def __init__(self, model_id: str = "counting", dimension: int = 16, salt: str = "") -> None:
        self._inner = HashingEncoder(dimension)
        self._model_id = model_id
        self._salt = salt
        self.calls: list[tuple[str, list[str]]] = []

    @property
    def model_id(self) -> str:
        return self._model_id

    @property
    def dimension(self) -> int:
        return self._inner.dimension

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(("query", list(texts)))
        return self._inner.encode_queries([f"{self._salt} query {t}" for t in texts])

    def encode_documents(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(("document", list(texts)))
        return self._inner.encode_documents([f"{self._salt} document {t}" for t in texts])

    @property
    def encoded(self) -> list[str]:
        return [text for _, texts in self.calls for text in texts]


TEXTS = [
    "Python and SQL for analytics",
    "wants to lead a team",
    "Python and SQL for analytics",  # duplicate
    "",
    "stakeholder management in finance",
    "   ",
    "wants to lead a team",
]


# --------------------------------------------------------------------------- HashingEncoder


def test_hashing_encoder_is_normalised_deterministic_and_zero_for_blank_text() -> None:
    encoder = HashingEncoder(64)
    assert isinstance(encoder, TextEncoder)
    vectors = encoder.encode_queries(TEXTS)

    assert vectors.shape == (len(TEXTS), 64)
    assert vectors.dtype == np.float32
    assert np.isfinite(vectors).all()
    norms = np.linalg.norm(vectors, axis=1)
    np.testing.assert_allclose(norms[[0, 1, 2, 4, 6]], 1.0, rtol=1e-6)
    assert not vectors[3].any()
    assert not vectors[5].any()
    # "No information" has cosine 0 with everything, never NaN.
    similarities = vectors @ vectors.T
    assert np.isfinite(similarities).all()
    assert not similarities[3].any()
    np.testing.assert_array_equal(vectors, HashingEncoder(64).encode_documents(TEXTS))


def test_hashing_encoder_reflects_word_overlap() -> None:
    vectors = HashingEncoder(256).encode_queries(
        ["python sql analytics", "python sql reporting", "watercolour painting"]
    )
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


def test_empty_input_gives_an_empty_matrix() -> None:
    assert HashingEncoder(8).encode_queries([]).shape == (0, 8)


@pytest.mark.parametrize(
    ("texts", "message"),
    [
        ("just one string", "single str"),
        (["fine", None], "position 1 is NoneType"),
        (["fine", "also fine", float("nan")], "position 2 is float"),
    ],
)
def test_non_text_input_is_a_clear_error(texts: Any, message: str) -> None:
    with pytest.raises(TypeError, match=message):
        HashingEncoder(8).encode_queries(texts)


# --------------------------------------------------------------------------- CachedEncoder


def test_second_run_over_the_same_data_encodes_nothing(tmp_path: Path) -> None:
    inner = CountingEncoder()
    cached = CachedEncoder(inner, EmbeddingCache(tmp_path))
    first = cached.encode_queries(TEXTS)

    assert (cached.hits, cached.misses) == (0, 3)
    assert inner.encoded == [
        "Python and SQL for analytics",
        "wants to lead a team",
        "stakeholder management in finance",
    ]

    second = cached.encode_queries(TEXTS)
    assert (cached.hits, cached.misses) == (3, 3)
    assert len(inner.calls) == 1
    np.testing.assert_array_equal(first, second)


def test_cache_persists_across_instances(tmp_path: Path) -> None:
    first = CachedEncoder(CountingEncoder(), EmbeddingCache(tmp_path)).encode_documents(TEXTS)

    inner = CountingEncoder()
    with EmbeddingCache(tmp_path) as reopened:
        cached = CachedEncoder(inner, reopened)
        again = cached.encode_documents(TEXTS)
        assert reopened.count() == 3

    assert inner.calls == []
    assert (cached.hits, cached.misses) == (3, 0)
    np.testing.assert_array_equal(first, again)


def test_results_keep_input_order_with_duplicates_and_partial_hits(tmp_path: Path) -> None:
    inner = CountingEncoder()
    cached = CachedEncoder(inner, EmbeddingCache(tmp_path))
    cached.encode_queries(["wants to lead a team"])
    inner.calls.clear()

    texts = ["b text", "wants to lead a team", "b text", "", "c text", "wants to lead a team"]
    got = cached.encode_queries(texts)

    assert inner.encoded == ["b text", "c text"]  # each miss once, hits never re-encoded
    expected = CountingEncoder().encode_queries(texts)
    np.testing.assert_allclose(got[[0, 1, 2, 4, 5]], expected[[0, 1, 2, 4, 5]], rtol=1e-6)
    np.testing.assert_array_equal(got[0], got[2])
    np.testing.assert_array_equal(got[1], got[5])
    assert not got[3].any()


def test_blank_texts_are_neither_cached_nor_encoded(tmp_path: Path) -> None:
    inner = CountingEncoder()
    cache = EmbeddingCache(tmp_path)
    cached = CachedEncoder(inner, cache)
    vectors = cached.encode_documents(["", " \n\t "])

    assert vectors.shape == (2, inner.dimension)
    assert not vectors.any()
    assert inner.calls == []
    assert cache.count() == 0
    assert (cached.hits, cached.misses) == (0, 0)


def test_query_and_document_roles_are_cached_separately(tmp_path: Path) -> None:
    inner = CountingEncoder()
    cached = CachedEncoder(inner, EmbeddingCache(tmp_path))
    query = cached.encode_queries(["data engineering"])
    document = cached.encode_documents(["data engineering"])

    assert inner.calls == [("query", ["data engineering"]), ("document", ["data engineering"])]
    assert not np.allclose(query, document)
    np.testing.assert_array_equal(cached.encode_queries(["data engineering"]), query)


def test_two_model_ids_do_not_collide(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path)
    model_a = CachedEncoder(CountingEncoder("model-a", salt="alpha"), cache)
    model_b = CachedEncoder(CountingEncoder("model-b", salt="beta"), cache)
    texts = ["negotiation skills", "cloud architecture"]

    a = model_a.encode_documents(texts)
    b = model_b.encode_documents(texts)

    assert model_b.misses == 2  # b found nothing of a's
    assert not np.allclose(a, b)
    np.testing.assert_array_equal(model_a.encode_documents(texts), a)
    np.testing.assert_array_equal(model_b.encode_documents(texts), b)
    assert cache.count("model-a") == cache.count("model-b") == 2


def test_encoder_returning_the_wrong_shape_is_an_error(tmp_path: Path) -> None:
    class Broken(CountingEncoder):
        def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
            return np.zeros((len(texts), self.dimension + 1), dtype=np.float32)

    cached = CachedEncoder(Broken(), EmbeddingCache(tmp_path))
    with pytest.raises(ValueError, match=r"returned shape \(1, 17\), expected \(1, 16\)"):
        cached.encode_queries(["anything"])
    assert cached.cache.count() == 0


def test_cached_encoder_info_names_the_cache(tmp_path: Path) -> None:
    cached = CachedEncoder(HashingEncoder(8), EmbeddingCache(tmp_path))
    assert cached.info() == {
        "model_id": "hashing-ngram12-d8",
        "cache": str(tmp_path / EmbeddingCache.FILENAME),
    }


# --------------------------------------------------------------------------- EmbeddingCache


def test_cache_never_returns_a_vector_of_the_wrong_dimension(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path)
    cache.put_many("m", "query", ["a", "b"], np.ones((2, 8), dtype=np.float32))

    assert set(cache.get_many("m", "query", ["a", "b"], 8)) == {"a", "b"}
    assert cache.get_many("m", "query", ["a", "b"], 4) == {}
    assert cache.dimension_of("m") == 8
    assert cache.dimension_of("other") is None
    with pytest.raises(ValueError, match="holds 8-dimensional vectors for model 'm', got 4"):
        cache.put_many("m", "query", ["c"], np.ones((1, 4), dtype=np.float32))
    assert cache.count() == 2  # the refused write left nothing behind


def test_a_damaged_row_is_a_miss_and_gets_replaced(tmp_path: Path) -> None:
    encoder = CachedEncoder(CountingEncoder(), EmbeddingCache(tmp_path))
    good = encoder.encode_queries(["leadership"])
    with sqlite3.connect(tmp_path / EmbeddingCache.FILENAME) as conn:
        conn.execute("UPDATE embeddings SET vector = ?", (b"\x00" * 12,))

    inner = CountingEncoder()
    fresh = CachedEncoder(inner, EmbeddingCache(tmp_path))
    np.testing.assert_array_equal(fresh.encode_queries(["leadership"]), good)
    assert inner.encoded == ["leadership"]
    assert set(EmbeddingCache(tmp_path).get_many("counting", "query", ["leadership"], 16)) == {
        "leadership"
    }


def test_put_many_validates_its_input(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path)
    with pytest.raises(ValueError, match="one vector per text"):
        cache.put_many("m", "query", ["a", "b"], np.ones((1, 4)))
    with pytest.raises(ValueError, match="non-finite"):
        cache.put_many("m", "query", ["a"], np.array([[np.nan, 1.0]]))
    with pytest.raises(ValueError, match="role must be one of"):
        cache.put_many("m", "mentor", ["a"], np.ones((1, 4)))  # type: ignore[arg-type]
    assert cache.count() == 0


def test_lookups_are_chunked_beyond_the_sqlite_parameter_limit(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path)
    texts = [f"text {i}" for i in range(2_500)]
    vectors = np.random.default_rng(0).standard_normal((len(texts), 4)).astype(np.float32)
    cache.put_many("m", "document", texts, vectors)

    found = cache.get_many("m", "document", [*texts, "unknown"], 4)
    assert len(found) == 2_500
    np.testing.assert_array_equal(np.stack([found[t] for t in texts]), vectors)


def test_clear_removes_one_model_or_all(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path)
    cache.put_many("a", "query", ["x", "y"], np.ones((2, 2)))
    cache.put_many("b", "query", ["x"], np.ones((1, 3)))
    assert cache.clear("a") == 2
    assert (cache.count("a"), cache.count("b"), cache.dimension_of("a")) == (0, 1, None)
    assert cache.clear() == 1
    assert cache.count() == 0


def test_a_file_that_is_not_a_cache_gives_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / EmbeddingCache.FILENAME).write_bytes(b"this is not a database" * 100)
    with pytest.raises(RuntimeError, match=r"embeddings\.sqlite3 is unusable .* delete the file"):
        EmbeddingCache(tmp_path)


def test_a_cache_from_another_schema_version_is_refused(tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / EmbeddingCache.FILENAME) as conn:
        conn.execute("PRAGMA user_version=99")
    with pytest.raises(RuntimeError, match="schema version 99"):
        EmbeddingCache(tmp_path)


def test_a_writer_blocked_past_the_timeout_gets_a_clear_error(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path, timeout_s=0.1)
    other = sqlite3.connect(tmp_path / EmbeddingCache.FILENAME, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holding the write lock
    try:
        with pytest.raises(RuntimeError, match="stayed locked by another process for more than"):
            cache.put_many("m", "query", ["a"], np.ones((1, 2)))
        assert cache.get_many("m", "query", ["a"], 2) == {}  # readers are not blocked (WAL)
    finally:
        other.execute("ROLLBACK")
        other.close()
    cache.put_many("m", "query", ["a"], np.ones((1, 2)))
    assert cache.count() == 1


def _vectors_for(texts: Sequence[str], dimension: int = 32) -> np.ndarray:
    """What every writer stores for a text, so a reader can check any row it finds."""
    seeds = [int.from_bytes(embeddings.text_hash(t)[:8], "little") for t in texts]
    rows = [np.random.default_rng(seed).standard_normal(dimension) for seed in seeds]
    return np.array(rows, dtype=np.float32).reshape(len(texts), dimension)


def _write_concurrently(
    directory: str, worker: int, rounds: int, start: Any = None, timeout_s: float = 30
) -> None:
    if start is not None:
        start.wait()
    cache = EmbeddingCache(directory, timeout_s=timeout_s)
    for i in range(rounds):
        # Overlapping keys between workers, many small transactions: maximal contention.
        texts = [f"text {(i * 7 + j) % 150}" for j in range(10)] + [f"w{worker} {i}"]
        cache.put_many("shared-model", "document", texts, _vectors_for(texts))
        found = cache.get_many("shared-model", "document", texts, 32)
        assert set(found) == set(texts)
    cache.close()


def _assert_cache_is_complete(directory: Path, workers: int, rounds: int) -> None:
    expected = [f"text {k}" for k in range(150)]
    expected += [f"w{w} {i}" for w in range(workers) for i in range(rounds)]
    with EmbeddingCache(directory) as cache:
        assert cache.count() == len(expected)
        found = cache.get_many("shared-model", "document", expected, 32)
    assert len(found) == len(expected)
    np.testing.assert_array_equal(np.stack([found[t] for t in expected]), _vectors_for(expected))
    with sqlite3.connect(directory / EmbeddingCache.FILENAME) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_concurrent_processes_do_not_corrupt_the_cache(tmp_path: Path) -> None:
    # Each process opens the not-yet-existing file itself: creation races are part of the test.
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(2)
    processes = [
        context.Process(target=_write_concurrently, args=(str(tmp_path), worker, 60, start))
        for worker in range(2)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=60)
    assert [process.exitcode for process in processes] == [0, 0]
    _assert_cache_is_complete(tmp_path, workers=2, rounds=60)


def test_concurrent_threads_do_not_corrupt_the_cache(tmp_path: Path) -> None:
    shared = EmbeddingCache(tmp_path)
    errors: list[BaseException] = []

    def run(worker: int) -> None:
        try:
            if worker % 2:  # half share one instance, half open their own connection
                _write_concurrently(str(tmp_path), worker, 30)
            else:
                for i in range(30):
                    texts = [f"text {(i * 7 + j) % 150}" for j in range(10)] + [f"w{worker} {i}"]
                    shared.put_many("shared-model", "document", texts, _vectors_for(texts))
        except BaseException as exc:  # surfaced below: a thread's exception is otherwise lost
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(worker,)) for worker in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    _assert_cache_is_complete(tmp_path, workers=4, rounds=30)


# ---------------------------------------------------------------- SentenceTransformerEncoder


class FakeModel:
    """Stands in for SentenceTransformer: a vector that depends on the text, the role's prompt."""

    def __init__(self, prompts: dict[str, str], with_role_methods: bool = True) -> None:
        self.prompts = prompts
        self.batches: list[list[str]] = []
        self._hashing = HashingEncoder(8)
        if with_role_methods:
            self.encode_query = self._encode_query
            self.encode_document = self._encode_document

    def encode(self, texts: list[str], prompt_name: str | None = None, **kwargs: Any) -> np.ndarray:
        assert kwargs["show_progress_bar"] is False
        assert kwargs["convert_to_numpy"] is True
        self.batches.append(list(texts))
        prefix = self.prompts[prompt_name] if prompt_name else ""
        # Unnormalised on purpose: the wrapper must normalise.
        return 3.0 * self._hashing.encode_queries([prefix + t for t in texts])

    def _encode_query(self, texts: list[str], **kwargs: Any) -> np.ndarray:
        return self.encode(
            texts, prompt_name="query" if "query" in self.prompts else None, **kwargs
        )

    def _encode_document(self, texts: list[str], **kwargs: Any) -> np.ndarray:
        name = "document" if "document" in self.prompts else None
        return self.encode(texts, prompt_name=name, **kwargs)


def _fake_encoder(
    monkeypatch: pytest.MonkeyPatch, model: FakeModel, batch_size: int = 2
) -> SentenceTransformerEncoder:
    loaded = embeddings._LoadedModel(
        model=model,  # type: ignore[arg-type]
        model_id="fake@0",
        dimension=8,
        info={"name": "fake", "dimension": 8},
    )
    monkeypatch.setattr(embeddings, "_load_model", lambda name: loaded)
    return SentenceTransformerEncoder("fake", batch_size=batch_size)


@pytest.mark.parametrize("with_role_methods", [True, False])
def test_roles_use_the_models_query_and_document_prompts(
    monkeypatch: pytest.MonkeyPatch, with_role_methods: bool
) -> None:
    model = FakeModel({"query": "query: ", "document": "passage: "}, with_role_methods)
    encoder = _fake_encoder(monkeypatch, model)
    reference = HashingEncoder(8)

    np.testing.assert_allclose(
        encoder.encode_queries(["x y"]), reference.encode_queries(["query: x y"]), rtol=1e-6
    )
    np.testing.assert_allclose(
        encoder.encode_documents(["x y"]), reference.encode_queries(["passage: x y"]), rtol=1e-6
    )


def test_batches_are_length_sorted_and_results_come_back_in_input_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    model = FakeModel({})
    encoder = _fake_encoder(monkeypatch, model, batch_size=2)
    texts = ["a", "ccc ccc", "", "bb bb", "a", "dddd dddd dddd"]

    vectors = encoder.encode_documents(texts)

    assert model.batches == [["dddd dddd dddd", "ccc ccc"], ["bb bb", "a"]]
    np.testing.assert_allclose(vectors, HashingEncoder(8).encode_documents(texts), rtol=1e-6)
    assert encoder.info() == {"name": "fake", "dimension": 8}


def test_progress_bar_only_for_large_inputs(monkeypatch: pytest.MonkeyPatch) -> None:
    import recommender.progress

    bars: list[tuple[str, int]] = []
    real_task = recommender.progress.task

    @contextmanager
    def recording_task(description: str, total: int) -> Any:
        bars.append((description, total))
        with real_task(description, total) as progress:
            yield progress

    monkeypatch.setattr(recommender.progress, "task", recording_task)
    monkeypatch.setenv("RECOMMENDER_PROGRESS", "0")  # keep test output clean
    encoder = _fake_encoder(monkeypatch, FakeModel({}), batch_size=64)

    encoder.encode_queries([f"text {i}" for i in range(embeddings.PROGRESS_MIN_TEXTS - 1)])
    assert bars == []
    encoder.encode_queries([f"text {i}" for i in range(embeddings.PROGRESS_MIN_TEXTS)])
    assert bars == [(f"Embedding {embeddings.PROGRESS_MIN_TEXTS} query texts", 256)]


def test_a_model_path_that_is_not_a_model_directory_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="does not exist"):
        SentenceTransformerEncoder(str(tmp_path / "no-such-model"))
    (tmp_path / "weights.bin").write_bytes(b"")
    with pytest.raises(ValueError, match="is a file; expected a sentence-transformers model"):
        SentenceTransformerEncoder(str(tmp_path / "weights.bin"))


def test_get_encoder_wires_settings_model_and_cache(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    built: list[tuple[str, dict[str, Any]]] = []

    class Recorder(HashingEncoder):
        def __init__(self, model: str, **kwargs: Any) -> None:
            super().__init__(8)
            built.append((model, kwargs))

    monkeypatch.setattr(embeddings, "SentenceTransformerEncoder", Recorder)
    settings = Settings(
        embedding_model="some/model",
        embedding_batch_size=7,
        num_threads=1,
        RECOMMENDER_EMBEDDING_CACHE_DIR=tmp_path / "emb",
    )

    cached = get_encoder(settings)
    assert isinstance(cached, CachedEncoder)
    assert cached.cache.path == tmp_path / "emb" / EmbeddingCache.FILENAME
    assert built == [("some/model", {"batch_size": 7, "num_threads": 1})]
    assert isinstance(get_encoder(settings, cache=False), Recorder)
