"""Features: text embeddings (+ persistent cache) and the pair features built on them.

Importing this package is cheap: torch and sentence-transformers load only when an encoder is
built (see :func:`recommender.features.embeddings.get_encoder`).
"""

from recommender.features.embeddings import (
    CachedEncoder,
    EmbeddingCache,
    HashingEncoder,
    SentenceTransformerEncoder,
    TextEncoder,
    get_encoder,
)

__all__ = [
    "CachedEncoder",
    "EmbeddingCache",
    "HashingEncoder",
    "SentenceTransformerEncoder",
    "TextEncoder",
    "get_encoder",
]
