"""The recommend() service: each kind, every rule, cold start, the cache."""

from django.test import override_settings

import pytest

from ai_assist.models import NeighbourList, RecommendationBuild
from ai_assist.recommend.services import recommend
from tests import recommend_data
from tests.recommend_data import HASHING, ids, make_product, make_request

# Fixtures shared by the recommendation tests.
store = recommend_data.store
built = recommend_data.built
hashing_embedder = recommend_data.hashing_embedder

pytestmark = pytest.mark.django_db


# --- Each kind -------------------------------------------------------------------


def test_similar_ranks_products_with_similar_titles_first(built):
    p = built.products

    result = recommend("similar", product=p.teapot, limit=3)

    assert str(p.cup.pk) in ids(result)[:2] or str(p.saucer.pk) in ids(result)[:2]
    assert str(p.lamp.pk) not in ids(result)[:2]
    assert result[0].reason.startswith("Similar to Blue china teapot")
    assert all(r.kind == "similar" for r in result)


def test_bought_together_prefers_real_pairs_over_the_best_seller(built):
    p = built.products

    result = recommend("bought_together", product=p.gloves, limit=2)

    # The paper bag shares more orders with the gloves in raw counts, but
    # it is in nearly every order; the trowel is the real companion.
    assert ids(result)[0] == str(p.trowel.pk)
    assert result[0].reason == "Often bought with Garden gloves green"


def test_bought_together_without_product_uses_the_cart(built):
    p = built.products
    request = make_request(cart={p.gloves.pk: 1})

    result = recommend("bought_together", request=request, limit=2)

    assert ids(result)[0] == str(p.trowel.pk)


def test_for_you_follows_the_customers_own_history(built):
    p = built.products

    trending = recommend("trending", limit=2, track=False)
    result = recommend("for_you", user=built.bob, limit=2)

    # The trowel is no top seller; the customer's gloves bring it up.
    assert str(p.trowel.pk) not in ids(trending)
    trowel = next(r for r in result if r.product.id == str(p.trowel.pk))
    assert trowel.reason == "Because you bought Garden gloves green"


def test_for_you_of_a_guest_follows_the_session_views(built):
    p = built.products
    request = make_request(viewed=[p.gloves.pk])

    result = recommend("for_you", request=request, limit=2)

    trowel = next(r for r in result if r.product.id == str(p.trowel.pk))
    assert trowel.reason == "Because you viewed Garden gloves green"


def test_trending_puts_recently_popular_products_first(built):
    p = built.products

    result = recommend("trending", limit=3)

    assert ids(result)[0] == str(p.bag.pk)
    assert result[0].reason == "Popular right now"


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="unknown recommendation kind"):
        recommend("cheapest")


# --- Rules --------------------------------------------------------------------


def test_never_the_product_itself_nor_an_item_twice(built):
    p = built.products

    result = recommend("similar", product=p.teapot, limit=8)

    assert str(p.teapot.pk) not in ids(result)
    assert len(ids(result)) == len(set(ids(result)))


def test_never_a_duplicate_title_of_the_product(built):
    p = built.products
    twin = make_product("Blue china teapot", sku="TWIN")

    result = recommend("similar", product=p.teapot, limit=8)

    assert str(twin.pk) not in ids(result)


def test_never_unpublished_or_deleted_products(built):
    p = built.products
    p.trowel.is_published = False
    p.trowel.save()
    gone = str(p.can.pk)
    p.can.delete()

    result = recommend("bought_together", product=p.gloves, limit=8)

    assert str(p.trowel.pk) not in ids(result)
    assert gone not in ids(result)


def test_out_of_stock_hidden_by_default_and_shown_when_the_setting_allows(built):
    p = built.products
    p.trowel.stock = 0
    p.trowel.save()

    hidden = recommend("bought_together", product=p.gloves, limit=8)
    with override_settings(
        AI_ASSIST={
            "EMBEDDER": HASHING,
            "MULTILINGUAL_EMBEDDER": HASHING,
            "HIDE_OUT_OF_STOCK": False,
        }
    ):
        shown = recommend("bought_together", product=p.gloves, limit=8)

    assert str(p.trowel.pk) not in ids(hidden)
    assert str(p.trowel.pk) in ids(shown)


def test_never_what_is_in_the_cart(built):
    p = built.products
    request = make_request(cart={p.trowel.pk: 2})

    result = recommend("bought_together", product=p.gloves, request=request, limit=8)

    assert str(p.trowel.pk) not in ids(result)


def test_already_bought_products_hidden_only_when_the_setting_asks(built):
    p = built.products
    request = make_request(user=built.carol)

    default = recommend("similar", product=p.saucer, request=request, limit=8)
    with override_settings(
        AI_ASSIST={
            "EMBEDDER": HASHING,
            "MULTILINGUAL_EMBEDDER": HASHING,
            "HIDE_PURCHASED": True,
        }
    ):
        hidden = recommend("similar", product=p.saucer, request=request, limit=8)

    assert str(p.cup.pk) in ids(default)
    assert not {str(p.teapot.pk), str(p.cup.pk), str(p.cosy.pk)} & set(ids(hidden))


def test_a_short_list_is_filled_from_the_next_source(built):
    p = built.products

    result = recommend("bought_together", product=p.can, limit=6)

    # The can was bought with the trowel only; the rest comes from
    # co-customers, similar text and trending, still without repeats.
    assert ids(result)[0] == str(p.trowel.pk)
    assert len(result) == 6
    assert len(set(ids(result))) == 6


def test_every_item_has_a_short_reason_and_its_own_token(built):
    result = recommend("for_you", user=built.alice, limit=4)

    assert result
    assert all(r.reason and len(r.reason) < 120 for r in result)
    assert len({r.token for r in result}) == len(result)


def test_for_you_says_buy_again_for_products_already_bought(built):
    p = built.products
    bought = {str(p.teapot.pk), str(p.cup.pk), str(p.cosy.pk)}

    result = recommend("for_you", user=built.carol, limit=9)

    again = [r for r in result if r.product.id in bought]
    assert again
    assert {r.reason for r in again} == {"Buy again"}


# --- Cold start ------------------------------------------------------------------


def test_a_store_without_orders_still_fills_trending_and_for_you(db, hashing_embedder):
    from ai_assist.recommend.rebuild import rebuild_recommendations

    first = make_product("teapot")
    second = make_product("lamp")
    rebuild_recommendations()

    trending = recommend("trending", limit=4)
    for_you = recommend("for_you", request=make_request(), limit=4)

    assert set(ids(trending)) == {str(first.pk), str(second.pk)}
    assert trending[0].reason == "New in"
    assert set(ids(for_you)) == {str(first.pk), str(second.pk)}


def test_a_new_product_without_description_gets_similar_items_by_title(built):
    p = built.products
    newcomer = make_product("Blue china milk jug", description="")

    result = recommend("similar", product=newcomer, limit=3)

    assert ids(result)[0] in {str(p.teapot.pk), str(p.cup.pk), str(p.saucer.pk)}
    assert NeighbourList.objects.filter(
        signal="content", product_id=str(newcomer.pk)
    ).exists()


def test_a_new_customer_gets_trending_products(built):
    newcomer = make_request()

    result = recommend("for_you", request=newcomer, limit=3)

    assert ids(result)[0] == str(built.products.bag.pk)


# --- Cache and invalidation ---------------------------------------------------------


def test_stock_zero_and_unpublishing_show_at_the_next_read(built):
    p = built.products
    before = recommend("similar", product=p.teapot, limit=8)
    assert str(p.cup.pk) in ids(before) and str(p.saucer.pk) in ids(before)

    p.cup.stock = 0
    p.cup.save()
    p.saucer.is_published = False
    p.saucer.save()
    after = recommend("similar", product=p.teapot, limit=8)

    assert str(p.cup.pk) not in ids(after)
    assert str(p.saucer.pk) not in ids(after)


def test_lists_are_served_from_the_cache_until_a_rebuild(
    built, django_assert_num_queries
):
    from ai_assist.recommend import store as lists

    p = built.products
    lists.get_lists("content", [str(p.teapot.pk)])
    with django_assert_num_queries(0):
        lists.get_lists("content", [str(p.teapot.pk)])

    NeighbourList.objects.filter(product_id=str(p.teapot.pk)).update(neighbours=[])
    assert lists.get_lists("content", [str(p.teapot.pk)])[str(p.teapot.pk)]
    lists.invalidate_all()
    assert lists.get_lists("content", [str(p.teapot.pk)])[str(p.teapot.pk)] == []


def test_saving_a_product_refreshes_its_own_cached_list(
    built, django_capture_on_commit_callbacks
):
    from ai_assist.recommend import store as lists

    p = built.products
    lists.get_lists("content", [str(p.lamp.pk)])
    with django_capture_on_commit_callbacks(execute=True):
        p.lamp.title = "Blue china lamp"
        p.lamp.save()

    neighbours = dict(lists.get_lists("content", [str(p.lamp.pk)])[str(p.lamp.pk)])
    best = max(neighbours, key=neighbours.get)
    assert best in {str(p.teapot.pk), str(p.cup.pk), str(p.saucer.pk)}


# --- Privacy --------------------------------------------------------------------


def test_one_customers_for_you_never_reaches_another(built):
    p = built.products
    alice_page = recommend("for_you", request=make_request(user=built.alice), limit=3)
    bob_page = recommend("for_you", request=make_request(user=built.bob), limit=3)

    assert ids(alice_page) != ids(bob_page)
    assert all("Garden" not in r.reason for r in alice_page)
    assert all("teapot" not in r.reason.lower() for r in bob_page)
    assert str(p.trowel.pk) in ids(bob_page)


# --- The rebuild -----------------------------------------------------------------


def test_rebuild_records_its_figures(built):
    run = RecommendationBuild.objects.get()

    assert run.status == "done"
    assert run.stats["products"] == 9
    assert run.stats["order_lines"] > 20
    assert run.stats["peak_rss_mb"] > 0
    assert NeighbourList.objects.filter(signal="co_purchase").count() >= 8


# --- Another host -----------------------------------------------------------------


def test_a_host_with_uuid_keys_and_no_stock_gets_every_kind(db):
    from datetime import timedelta
    from decimal import Decimal

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from ai_assist.recommend.rebuild import rebuild_recommendations
    from ai_assist.retrieval.embedders import reset_embedders
    from ai_assist.retrieval.vectors import clear_vector_cache
    from tests.testhost.models import Item, Purchase, PurchaseItem
    from tests.testhost.settings import TESTHOST_AI_ASSIST

    def item(code, name):
        return Item.objects.create(code=code, name=name, unit_cost=Decimal("3"))

    buyer = get_user_model().objects.create_user("dora", password="pw-dora-123")
    kettle, mug, rake = (
        item("K", "Steel kettle"),
        item("M", "Steel mug"),
        item("R", "Rake"),
    )
    for n in range(3):
        purchase = Purchase.objects.create(
            reference=f"P{n}",
            buyer=buyer,
            placed_on=timezone.now() - timedelta(days=n + 1),
            state="placed",
        )
        for thing in (kettle, mug) if n < 2 else (rake,):
            PurchaseItem.objects.create(
                purchase=purchase, item=thing, count=1, cost=Decimal("3")
            )

    settings = {**TESTHOST_AI_ASSIST, "EMBEDDER": HASHING}
    with override_settings(AI_ASSIST={**settings, "MULTILINGUAL_EMBEDDER": HASHING}):
        reset_embedders()
        clear_vector_cache()
        rebuild_recommendations()
        together = recommend("bought_together", product=str(kettle.pk), limit=2)
        similar = recommend("similar", product=str(kettle.pk), limit=1)
        for_you = recommend("for_you", user=buyer, limit=3)
        trending = recommend("trending", limit=3)
    reset_embedders()
    clear_vector_cache()

    assert ids(together)[0] == str(mug.pk)
    assert ids(similar) == [str(mug.pk)]
    assert for_you and trending
    assert str(kettle.pk) in ids(trending)
