"""Hybrid product search: query parsing, BM25, fusion and the live rules."""

from decimal import Decimal

from django.test import override_settings

import numpy as np
import pytest

from ai_assist.retrieval.embedders import reset_embedders
from ai_assist.retrieval.search import (
    DenseChannel,
    HybridRanker,
    KeywordIndex,
    _shared_ranks,
    analyze,
    clear_search_index,
    get_catalogue_index,
    parse_query,
    reciprocal_rank_fusion,
    search_products,
)
from ai_assist.retrieval.vectors import clear_vector_cache, embed_products
from shop.models import Category, Product

HASHING = "ai_assist.testing.embedders.HashingEmbedder"


# --- Query parsing -------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "min_price", "max_price"),
    [
        ("red lunch bag under £5", None, "5"),
        ("mugs below 10", None, "10"),
        ("candles less than $20", None, "20"),
        ("doormat between 5 and 10", "5", "10"),
        ("clocks over £20", "20", None),
        ("tins £3-£8", "3", "8"),
        ("lunch bag 4.50 or less", None, "4.50"),
        ("£5 以下的杯子", None, "5"),
        ("5英镑以下", None, "5"),
        ("不超过10镑的蜡烛", None, "10"),
        ("五镑以下的包", None, "5"),
        ("在5到10镑之间的蜡烛", "5", "10"),
        ("20元以上的钟", "20", None),
        ("usb 3.0 hub", None, None),
        ("iphone 7", None, None),
    ],
)
def test_parse_query_reads_price_limits(query, min_price, max_price):
    parsed = parse_query(query)

    assert parsed.min_price == (Decimal(min_price) if min_price else None)
    assert parsed.max_price == (Decimal(max_price) if max_price else None)


def test_parse_query_removes_price_phrase_from_search_text():
    parsed = parse_query("do you have a red lunch bag under £5?")

    assert "5" not in parsed.text
    assert "lunch bag" in parsed.keywords
    assert parsed.language == "en"


@pytest.mark.parametrize(
    ("query", "colours"),
    [
        ("red lunch bag", ("red",)),
        ("grey or gray mug", ("grey",)),
        ("我想买一个红色的午餐袋", ("red",)),
        ("粉红色的包", ("pink",)),
        ("lunch bag", ()),
    ],
)
def test_parse_query_finds_colours_in_english_and_chinese(query, colours):
    assert parse_query(query).colours == colours


def test_chinese_query_gets_english_keywords():
    parsed = parse_query("我想买一个红色的午餐袋")

    assert parsed.language == "zh"
    assert analyze(parsed.keywords) == analyze("red lunch bag")
    assert "thermos" in parse_query("我想找一个保温杯").keywords


def test_language_argument_overrides_detection():
    assert parse_query("lunch bag", language="zh-hans").language == "zh"


# --- Ranking building blocks ----------------------------------------------------


def test_bm25_finds_product_by_title_words_and_plurals():
    index = KeywordIndex(
        [
            "ENAMEL MUG BLUE",
            "LUNCH BAG RED RETROSPOT",
            "SCANDINAVIAN PAISLEY PICNIC BAG",
        ]
    )

    scores = index.scores("lunch bags")

    assert int(np.argmax(scores)) == 1
    assert scores[0] == 0


def test_rrf_prefers_agreement_over_one_channel():
    # Row 1 is second in both channels; row 0 and 2 are first in one only
    # and missing from the other's top.
    keyword = np.array([3.0, 2.0, -np.inf, -np.inf])
    dense = np.array([-np.inf, 0.8, 0.9, -np.inf])

    fused = reciprocal_rank_fusion([(1.0, keyword), (1.0, dense)], k=60)

    assert int(np.argmax(fused)) == 1
    assert fused[3] == 0


def test_rrf_weights_tilt_the_order():
    keyword = np.array([2.0, 1.0])
    dense = np.array([0.1, 0.9])

    fused = reciprocal_rank_fusion([(1.0, keyword), (3.0, dense)], k=60)

    assert fused[1] > fused[0]


# --- The search service ----------------------------------------------------------


@pytest.fixture
def catalogue(db):
    with override_settings(
        AI_ASSIST={"EMBEDDER": HASHING, "MULTILINGUAL_EMBEDDER": HASHING}
    ):
        reset_embedders()
        clear_vector_cache()
        clear_search_index()
        bags = Category.objects.create(name="Bags", slug="bags")
        rows = [
            ("20725", "LUNCH BAG RED RETROSPOT", "1.65", True),
            ("20726", "LUNCH BAG WOODLAND", "1.65", True),
            ("20727", "LUNCH BAG BLACK SKULL", "6.50", True),
            ("20728", "LUNCH BAG RED SPOTTY HIDDEN", "1.65", False),
            ("22423", "REGENCY CAKESTAND 3 TIER", "12.75", True),
            ("21212", "PACK OF 72 RETROSPOT CAKE CASES", "0.55", True),
            ("84029", "RED WOOLLY HOTTIE WHITE HEART", "3.75", True),
            ("85099", "JUMBO BAG RED RETROSPOT", "2.08", True),
        ]
        products = {}
        for sku, title, price, published in rows:
            products[sku] = Product.objects.create(
                sku=sku,
                title=title,
                price=Decimal(price),
                stock=5,
                category=bags if "BAG" in title else None,
                is_published=published,
            )
        embed_products()
        yield products
    reset_embedders()
    clear_vector_cache()
    clear_search_index()


def skus(hits):
    return [hit.product.sku for hit in hits]


def test_search_finds_lunch_bags_with_live_data(catalogue):
    hits = search_products("lunch bag", limit=3)

    assert set(skus(hits)) == {"20725", "20726", "20727"}
    assert hits[0].product.price == Decimal("1.65")
    assert hits[0].product_id == str(catalogue[hits[0].product.sku].pk)


def test_unpublished_products_are_never_returned(catalogue):
    hits = search_products("red spotty lunch bag hidden", limit=10)

    assert "20728" not in skus(hits)


def test_price_limit_in_the_query_filters_results(catalogue):
    hits = search_products("lunch bag under £5", limit=10)

    assert "20727" not in skus(hits)
    assert {"20725", "20726"} <= set(skus(hits))
    assert all(hit.product.price <= Decimal("5") for hit in hits)


def test_explicit_filters_override_the_query(catalogue):
    hits = search_products("lunch bag", filters={"min_price": 5})

    assert skus(hits)[0] == "20727"
    assert all(hit.product.price >= Decimal("5") for hit in hits)


def test_asked_colour_comes_first(catalogue):
    hits = search_products("red lunch bag", limit=3)

    assert hits[0].product.sku == "20725"


def test_colour_does_not_lift_other_red_things_above_what_was_asked(catalogue):
    hits = search_products("do you have a red lunch bag?", limit=3)

    assert all("LUNCH BAG" in hit.product.title for hit in hits)


def test_chinese_query_finds_the_same_red_lunch_bag(catalogue):
    english = search_products("red lunch bag", limit=1)
    chinese = search_products("我想买一个红色的午餐袋", limit=1)

    assert skus(chinese) == skus(english) == ["20725"]


@pytest.mark.parametrize(
    "query", ["qwzxv plorkt", "zzzzzz", "<script>x</script>", "%", "?!"]
)
def test_nonsense_finds_nothing_rather_than_the_nearest_products(catalogue, query):
    assert search_products(query) == []


def test_a_price_limit_alone_still_lists_products(catalogue):
    assert search_products("under £2")


def test_a_products_sku_finds_that_product_first(catalogue):
    hits = search_products(" 85099 ", limit=3)

    assert skus(hits) == ["85099"]


def test_an_unpublished_products_sku_finds_nothing_of_it(catalogue):
    assert "20728" not in skus(search_products("20728"))


def test_unpublishing_a_product_hides_it_at_once(catalogue):
    Product.objects.filter(sku="20725").update(is_published=False)

    assert "20725" not in skus(search_products("red lunch bag"))


def test_saved_product_is_searchable_by_its_new_title(
    catalogue, django_capture_on_commit_callbacks
):
    index = get_catalogue_index()
    assert not index.keywords.scores("hamper").any()
    stand = catalogue["22423"]

    with django_capture_on_commit_callbacks(execute=True):
        stand.title = "WICKER PICNIC HAMPER"
        stand.save()

    assert get_catalogue_index() is not index
    hits = search_products("picnic hamper", limit=1)
    assert hits[0].product.title == "WICKER PICNIC HAMPER"


def test_stock_or_price_change_keeps_the_keyword_index(
    catalogue, django_capture_on_commit_callbacks
):
    # Stock moves with every order; rebuilding every process's BM25 index
    # for it would make the next search slow for nothing.
    stand = catalogue["22423"]
    with django_capture_on_commit_callbacks(execute=True):
        stand.title = "WICKER PICNIC HAMPER"
        stand.save()
    index = get_catalogue_index()

    with django_capture_on_commit_callbacks(execute=True):
        stand.stock = 0
        stand.price = Decimal("9.99")
        stand.save()

    assert get_catalogue_index() is index
    hits = search_products("picnic hamper", limit=1)
    assert hits[0].product.price == Decimal("9.99")


def test_deleted_product_marks_the_index_stale(
    catalogue, django_capture_on_commit_callbacks
):
    index = get_catalogue_index()

    with django_capture_on_commit_callbacks(execute=True):
        catalogue["22423"].delete()

    assert get_catalogue_index() is not index
    assert "22423" not in skus(search_products("cakestand"))


# --- With the real packaged models -------------------------------------------


@pytest.mark.models
@pytest.mark.django_db
def test_chinese_query_retrieves_english_lunch_bag_with_real_embedders():
    with override_settings(AI_ASSIST={"EMBEDDER": "minilm"}):
        reset_embedders()
        clear_vector_cache()
        clear_search_index()
        titles = [
            "LUNCH BAG RED RETROSPOT",
            "REGENCY CAKESTAND 3 TIER",
            "WHITE HANGING HEART T-LIGHT HOLDER",
            "ALARM CLOCK BAKELIKE GREEN",
            "JUMBO BAG PINK POLKADOT",
            "SET OF 3 CAKE TINS PANTRY DESIGN",
        ]
        for number, title in enumerate(titles):
            Product.objects.create(sku=str(number), title=title, price=Decimal(2))
        for embedder in ("minilm", "e5"):
            embed_products(embedder=embedder)

        index = get_catalogue_index()
        parsed = parse_query("我想买一个红色的午餐袋")
        # The multilingual vectors alone, without the lexicon's keywords.
        e5_only = HybridRanker(
            index.keywords, {"multilingual": index.ranker().dense["multilingual"]}
        )
        ranked = e5_only.rank(parsed, method="embedding")
        hits = search_products("我想买一个红色的午餐袋", limit=1)

    reset_embedders()
    clear_vector_cache()
    clear_search_index()
    assert index.products[ranked[0][0]].title == "LUNCH BAG RED RETROSPOT"
    assert hits[0].product.title == "LUNCH BAG RED RETROSPOT"


class FixedQueryEmbedder:
    """Encodes every query as the same unit vector (for ranking tests)."""

    dim = 2

    def encode_query(self, text):
        return np.array([1.0, 0.0], dtype=np.float32)


def test_hybrid_reranks_keyword_matches_by_meaning_before_other_products():
    keywords = KeywordIndex(
        ["camera battery", "camera lens filter", "compact camera", "photo printer"]
    )
    # Cosine with the query: the compact camera is nearest among the
    # keyword matches; the printer is nearer still but shares no word.
    matrix = np.array(
        [[0.2, 0.98], [0.1, 0.99], [0.9, 0.44], [0.95, 0.31]], dtype=np.float32
    )
    ranker = HybridRanker(
        keywords, {"dense": DenseChannel(FixedQueryEmbedder(), matrix)}
    )

    rows = [row for row, _ in ranker.rank(parse_query("camera"))]

    assert rows[0] == 2
    assert set(rows[1:3]) == {0, 1}
    assert rows[3] == 3
    assert [row for row, _ in ranker.rank(parse_query("camera"), method="embedding")][
        0
    ] == 3


def _unit(cosine):
    """A 2-d unit vector whose cosine with FixedQueryEmbedder's query is given."""
    return [cosine, float(np.sqrt(1 - cosine**2))]


def test_keyword_ties_share_a_rank_so_the_embeddings_order_them():
    ranks = _shared_ranks(np.array([3.0, 2.0, 2.0, 2.0, 1.0]))
    assert ranks.tolist() == [1, 2, 2, 2, 5]
    # Equal BM25 scores: one query word in texts of equal length. Were
    # the tie ranked in row order, row 0's first place would lift it
    # over row 5, which the embeddings prefer.
    texts = ["notebook pc", "notebook bag", "notebook stand", "notebook dock"]
    texts += ["notebook sleeve", "notebook lock", "tablet case"]
    cosines = [0.9, 0.5, 0.6, 0.7, 0.8, 0.95, 0.99]
    matrix = np.array([_unit(c) for c in cosines], dtype=np.float32)
    ranker = HybridRanker(
        KeywordIndex(texts), {"dense": DenseChannel(FixedQueryEmbedder(), matrix)}
    )

    rows = [row for row, _ in ranker.rank(parse_query("notebook"))]

    assert rows == [5, 0, 4, 3, 2, 1, 6]


def test_keyword_index_tells_which_rows_hold_every_term_group():
    keywords = KeywordIndex(["red mugs", "blue cup", "red plate"])

    held = keywords.holding_all([{"mug", "cup"}, {"red"}])

    assert held.tolist() == [True, False, False]
    assert keywords.holding_all([]).tolist() == [True, True, True]


def test_products_holding_every_query_word_lead_the_hybrid():
    # The embeddings prefer the lens, but only the bags hold both words.
    texts = ["camera lens", "camera bag black", "camera bag with strap", "tripod"]
    cosines = [0.99, 0.5, 0.6, 0.98]
    matrix = np.array([_unit(c) for c in cosines], dtype=np.float32)
    ranker = HybridRanker(
        KeywordIndex(texts), {"dense": DenseChannel(FixedQueryEmbedder(), matrix)}
    )

    rows = [row for row, _ in ranker.rank(parse_query("camera bag"))]

    assert rows == [2, 1, 0, 3]


def test_partial_keyword_matches_fill_the_head_in_the_embeddings_order():
    # No product holds both words. BM25 favours the rare word ("gadget")
    # and, among the USB products, the short texts; the embeddings find
    # the hub nearest the query, then the bag. A product sharing no word
    # comes after every partial match, however near its vector.
    texts = ["gadget bag", "usb cable", "usb stick", "usb fan"]
    texts += ["usb hub with four ports for laptops", "phone charger"]
    cosines = [0.9, 0.5, 0.6, 0.7, 0.95, 0.99]
    matrix = np.array([_unit(c) for c in cosines], dtype=np.float32)
    keywords = KeywordIndex(texts)
    ranker = HybridRanker(
        keywords, {"dense": DenseChannel(FixedQueryEmbedder(), matrix)}
    )
    bm25 = keywords.scores("usb gadget")
    assert bm25.argmax() == 0 and bm25[4] < bm25[1:4].min()

    rows = [row for row, _ in ranker.rank(parse_query("usb gadget"))]

    assert rows == [4, 0, 3, 2, 1, 5]


def test_lexicon_alternatives_form_one_term_group():
    assert parse_query("红色的杯子").term_groups() == [{"mug", "cup"}]
    assert parse_query("red lunch bags").term_groups() == [{"lunch"}, {"bag"}]
