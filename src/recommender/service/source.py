"""Where the served model comes from, and how to tell cheaply that it changed.

A *fingerprint* names what a model source points at right now: ``version:3`` for a registry
alias, a digest of file names, sizes and modification times for a local folder. Polling compares
the source's fingerprint with the loaded model's; only a difference triggers a (slow) load.
Immutable sources (``runs:/...``, ``models:/NAME/VERSION``) have none and are never polled.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from recommender.config import Settings

if TYPE_CHECKING:
    from recommender.models import MentorRanker

_ALIAS_URI = re.compile(r"models:/(?P<name>[^/@]+)@(?P<alias>[^/@]+)/?")


def model_source(settings: Settings) -> str:
    """The configured source, by default the registry's champion."""
    return settings.model_uri or f"models:/{settings.registered_model_name}@champion"


def alias_of(source: str) -> tuple[str, str] | None:
    """(registered model, alias) of a ``models:/NAME@ALIAS`` source."""
    match = _ALIAS_URI.fullmatch(source)
    return (match["name"], match["alias"]) if match else None


def _local_path(source: str) -> Path | None:
    from recommender.loading import is_model_uri

    if is_model_uri(source):
        return None
    if source.startswith("file:"):
        from urllib.parse import urlparse
        from urllib.request import url2pathname

        return Path(url2pathname(urlparse(source).path))
    return Path(source)


def folder_fingerprint(path: Path) -> str:
    """Digest of every file's relative name, size and modification time under ``path``
    (``missing`` when it does not exist)."""
    if not path.exists():
        return "missing"
    digest = hashlib.sha256()
    for root, dirs, files in os.walk(path):
        dirs.sort()
        for name in sorted(files):
            full = Path(root) / name
            try:
                stat = full.stat()
            except OSError:
                continue  # replaced while we looked: the next poll sees the new state
            digest.update(f"{full.relative_to(path)}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    return "files:" + digest.hexdigest()[:16]


def source_fingerprint(source: str, tracking_uri: str) -> str | None:
    """What ``source`` points at now; None when it cannot change (immutable URIs).

    Raises :class:`recommender.registry.RegistryError` when the registry cannot be read.
    """
    alias = alias_of(source)
    if alias is not None:
        from recommender.registry import ModelRegistry

        version = ModelRegistry(alias[0], tracking_uri).alias_version(alias[1])
        return f"version:{version}" if version is not None else "version:none"
    path = _local_path(source)
    if path is not None:
        return folder_fingerprint(path)
    return None


def ranker_fingerprint(ranker: MentorRanker, before: str | None) -> str | None:
    """The fingerprint of a loaded ranker: its registry version when it came from an alias,
    else the source's fingerprint taken just before loading (``before``)."""
    version = ranker.source.get("version")
    if ranker.source.get("alias") and version is not None:
        return f"version:{version}"
    return before
