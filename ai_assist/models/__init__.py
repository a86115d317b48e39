"""The app's models, one module per feature."""

from .retrieval import ProductEmbedding  # noqa: F401
