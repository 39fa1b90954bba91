"""Fixtures for unit tests of features, retrieval and training."""

from __future__ import annotations

import pytest

from recommender.data.contract import Programme
from recommender.features.embeddings import HashingEncoder

import factory


@pytest.fixture
def encoder() -> HashingEncoder:
    return HashingEncoder(64)


@pytest.fixture(scope="session")
def synthetic_programme() -> Programme:
    return factory.synthetic_programme()
