"""The product vector store: bulk embedding, skipping, refresh and reading."""

from decimal import Decimal

from django.test import override_settings

import numpy as np
import pytest

from ai_assist.models import ProductEmbedding
from ai_assist.retrieval.embedders import reset_embedders
from ai_assist.retrieval.vectors import (
    clear_vector_cache,
    delete_product_vectors,
    embed_products,
    load_product_vectors,
)
from shop.models import Product

pytestmark = pytest.mark.django_db

HASHING = "ai_assist.testing.embedders.HashingEmbedder"


@pytest.fixture(autouse=True)
def hashing_embedder():
    with override_settings(
        AI_ASSIST={"EMBEDDER": HASHING, "MULTILINGUAL_EMBEDDER": HASHING}
    ):
        reset_embedders()
        clear_vector_cache()
        yield
    reset_embedders()
    clear_vector_cache()


def make_product(sku, title, **fields):
    fields.setdefault("price", Decimal("2.50"))
    return Product.objects.create(sku=sku, title=title, **fields)


def test_embed_products_stores_one_vector_per_product():
    bag = make_product("1", "LUNCH BAG RED RETROSPOT")
    mug = make_product("2", "ENAMEL MUG BLUE")

    result = embed_products()

    assert result["embedded"] == 2
    ids, matrix = load_product_vectors()
    assert sorted(ids) == sorted([str(bag.pk), str(mug.pk)])
    assert matrix.shape == (2, 256)
    assert matrix.dtype == np.float32
    assert np.allclose(np.linalg.norm(matrix, axis=1), 1.0, atol=1e-5)


def test_unchanged_products_are_skipped_and_changed_ones_reembedded():
    bag = make_product("1", "LUNCH BAG RED RETROSPOT")
    make_product("2", "ENAMEL MUG BLUE")
    embed_products()

    assert embed_products()["embedded"] == 0

    Product.objects.filter(pk=bag.pk).update(title="LUNCH BAG PINK POLKADOT")
    again = embed_products()
    assert again["embedded"] == 1
    assert again["skipped"] == 1


def test_vectors_of_deleted_products_are_removed_on_full_run():
    bag = make_product("1", "LUNCH BAG RED RETROSPOT")
    make_product("2", "ENAMEL MUG BLUE")
    embed_products()
    load_product_vectors()  # warm this process's copy

    Product.objects.filter(pk=bag.pk).delete()
    assert embed_products()["deleted"] == 1

    ids, _ = load_product_vectors()
    assert str(bag.pk) not in ids


def test_refreshing_named_ids_drops_vectors_of_missing_products():
    bag = make_product("1", "LUNCH BAG RED RETROSPOT")
    embed_products()
    Product.objects.filter(pk=bag.pk).delete()

    result = embed_products([bag.pk, "999999"])

    assert result["deleted"] == 1
    assert not ProductEmbedding.objects.exists()


def test_delete_product_vectors_invalidates_loaded_matrix():
    bag = make_product("1", "LUNCH BAG RED RETROSPOT")
    make_product("2", "ENAMEL MUG BLUE")
    embed_products()
    assert len(load_product_vectors()[0]) == 2

    delete_product_vectors([bag.pk])

    assert load_product_vectors()[0] == [str(Product.objects.get(sku="2").pk)]


def test_vectors_of_other_embedders_never_mix():
    make_product("1", "LUNCH BAG RED RETROSPOT")
    embed_products()
    ProductEmbedding.objects.create(
        product_id="1", embedder="other", text_hash="x", vector=b"\0" * 8
    )

    ids, matrix = load_product_vectors()

    assert len(ids) == 1
    assert matrix.shape[1] == 256


def test_saving_a_product_refreshes_its_vector(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        bag = make_product("1", "LUNCH BAG RED RETROSPOT")
    before = ProductEmbedding.objects.get(product_id=str(bag.pk))

    with django_capture_on_commit_callbacks(execute=True):
        bag.title = "LUNCH BAG PINK POLKADOT"
        bag.save()

    after = ProductEmbedding.objects.get(product_id=str(bag.pk))
    assert after.text_hash != before.text_hash
    assert bytes(after.vector) != bytes(before.vector)


def test_deleting_a_product_removes_its_vector(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        bag = make_product("1", "LUNCH BAG RED RETROSPOT")
    assert ProductEmbedding.objects.filter(product_id=str(bag.pk)).exists()

    with django_capture_on_commit_callbacks(execute=True):
        bag.delete()

    assert not ProductEmbedding.objects.exists()


def test_reindex_command_embeds_catalogue_and_reports_throughput():
    from io import StringIO

    from django.core.management import call_command

    make_product("1", "LUNCH BAG RED RETROSPOT")
    make_product("2", "ENAMEL MUG BLUE")
    out = StringIO()

    call_command("ai_assist_reindex", stdout=out, verbosity=0)

    assert ProductEmbedding.objects.filter(embedder="hashing").count() == 2
    assert "hashing: 2 embedded" in out.getvalue()
    assert "search index: 2 products" in out.getvalue()

    call_command("ai_assist_reindex", stdout=out, verbosity=0)
    assert "hashing: 0 embedded, 2 unchanged" in out.getvalue()
