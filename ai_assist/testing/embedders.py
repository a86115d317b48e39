"""A deterministic embedder for tests: no model, no torch, instant."""

import hashlib
import re

import numpy as np

from ..retrieval.embedders import Embedder

_TOKEN = re.compile(r"\w+", re.UNICODE)


class HashingEmbedder(Embedder):
    """Hashes words and character trigrams into a fixed-size vector.

    Texts that share words get similar vectors, which is enough for tests
    of ranking and plumbing. Name it in settings as
    ``"ai_assist.testing.embedders.HashingEmbedder"``.
    """

    name = "hashing"
    dim = 256

    def _features(self, text):
        words = _TOKEN.findall(text.lower())
        for word in words:
            yield word, 1.0
            padded = f"#{word}#"
            for i in range(len(padded) - 2):
                yield padded[i : i + 3], 0.3
            if not word.isascii():
                # CJK has no spaces: single characters carry the meaning.
                for char in word:
                    yield char, 0.5

    def _encode(self, texts, *, query):
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for feature, weight in self._features(text):
                digest = hashlib.blake2b(feature.encode(), digest_size=4).digest()
                out[row, int.from_bytes(digest, "little") % self.dim] += weight
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)
