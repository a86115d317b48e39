"""Stored product vectors, one row per product and embedder."""

from django.db import models
from django.utils.translation import gettext_lazy as _

import numpy as np


class ProductEmbedding(models.Model):
    """One product's vector in one embedder's space.

    ``embedder`` holds the embedder's name, so vectors from different
    models are never compared; ``text_hash`` is a digest of the text that
    was embedded, so an unchanged product is not embedded again.
    """

    product_id = models.CharField(_("product id"), max_length=64, db_index=True)
    embedder = models.CharField(_("embedder"), max_length=100)
    text_hash = models.CharField(_("text hash"), max_length=64)
    vector = models.BinaryField(_("vector"), help_text=_("float32, L2-normalised"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("product embedding")
        verbose_name_plural = _("product embeddings")
        constraints = [
            models.UniqueConstraint(
                fields=["product_id", "embedder"],
                name="ai_assist_embedding_product_embedder",
            )
        ]

    def __str__(self):
        return f"{self.product_id} ({self.embedder})"

    def as_array(self):
        """The vector as a float32 numpy array."""
        return np.frombuffer(bytes(self.vector), dtype=np.float32)
