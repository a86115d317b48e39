"""Recommendations on the web: the tag, the API, click and cart tracking, admin."""

import re
from pathlib import Path

from django.contrib.auth import get_user_model
from django.template import Context, Template
from django.urls import reverse

import pytest

import ai_assist
from ai_assist.models import RecommendationEvent
from ai_assist.recommend import tracking
from ai_assist.recommend.services import recommend
from tests import recommend_data
from tests.recommend_data import make_order, make_request

store = recommend_data.store
built = recommend_data.built
hashing_embedder = recommend_data.hashing_embedder

pytestmark = pytest.mark.django_db

API = "/ai-assist/api/recommendations/"


def render(source, **context):
    return Template("{% load ai_assist %}" + source).render(Context(context))


# --- The template tag ------------------------------------------------------------


def test_tag_renders_the_kind_template_with_reasons_and_tracked_links(built):
    p = built.products
    request = make_request()

    html = render(
        '{% ai_recommendations "bought_together" product=product limit=2 %}',
        product=p.gloves,
        request=request,
    )

    assert "Often bought together" in html
    assert "Garden trowel steel" in html
    assert "Often bought with Garden gloves green" in html
    assert f"£{p.trowel.price}" in html  # the price as chat shows it
    token = RecommendationEvent.objects.filter(product_id=str(p.trowel.pk)).get().token
    assert reverse("ai_assist:recommendation_click", args=[token]) in html


def test_bought_together_of_a_never_ordered_product_does_not_claim_it(built):
    # Nobody bought the lamp: its list is filled from similar and popular
    # products, so the heading must not say they are bought together.
    html = render(
        '{% ai_recommendations "bought_together" product=product limit=3 %}',
        product=built.products.lamp,
        request=make_request(),
    )

    assert "You may also like" in html
    assert "Often bought together" not in html


def test_tag_takes_the_product_from_the_context_and_counts_the_view(built):
    p = built.products
    request = make_request()

    html = render(
        '{% ai_recommendations "similar" %}', product=p.teapot, request=request
    )

    assert "Similar products" in html
    assert request.session["ai_assist_viewed"] == [str(p.teapot.pk)]


def test_tag_renders_nothing_for_an_empty_list(db, hashing_embedder):
    assert render('{% ai_recommendations "trending" %}', request=make_request()) == ""


def test_tag_shows_each_signed_in_customer_their_own_list(built):
    alice = render(
        '{% ai_recommendations "for_you" limit=3 %}',
        request=make_request(user=built.alice),
    )
    bob = render(
        '{% ai_recommendations "for_you" limit=3 %}',
        request=make_request(user=built.bob),
    )

    assert "Because you bought Garden gloves green" in bob
    assert "Garden gloves" not in alice
    assert "Because you bought Blue china teapot" not in bob


def test_widgets_on_one_page_never_repeat_a_product(built):
    # A guest with no history gets "trending" for "for you": on one page
    # the second widget moves on to the next products instead.
    request = make_request()

    html = render(
        '{% ai_recommendations "trending" limit=3 %}'
        '{% ai_recommendations "for_you" limit=3 %}',
        request=request,
    )

    shown = [
        RecommendationEvent.objects.get(token=token).product_id
        for token in re.findall(r'data-token="([^"]+)"', html)
    ]
    assert len(shown) == 6
    assert len(set(shown)) == 6


def test_default_stylesheet_is_linked_once_per_page(built):
    p = built.products
    request = make_request()

    html = render(
        '{% ai_recommendations "similar" limit=2 %}'
        '{% ai_recommendations "bought_together" limit=2 %}',
        product=p.gloves,
        request=request,
    )

    assert html.count("ai_assist/recommendations.css") == 1
    assert html.count('class="ai-recs ') == 2


def test_widget_template_has_named_blocks_to_override():
    # The app's own templates: the demo store overrides item.html.
    folder = Path(ai_assist.__file__).parent / "templates/ai_assist/recommendations"
    source = (folder / "list.html").read_text()
    item = (folder / "item.html").read_text()
    for block in ("styles", "header", "title", "list", "item", "footer"):
        assert "{% block " + block + " %}" in source
    for block in ("image", "name", "price", "reason"):
        assert "{% block " + block + " %}" in item


# --- The API ---------------------------------------------------------------------


def test_api_returns_the_same_list_as_json(built, client):
    p = built.products

    response = client.get(API, {"kind": "bought_together", "product": p.gloves.pk})

    assert response.status_code == 200
    body = response.json()
    assert body["kind"] == "bought_together"
    first = body["results"][0]
    assert first["product"]["id"] == str(p.trowel.pk)
    assert first["product"]["title"] == "Garden trowel steel"
    assert first["reason"] == "Often bought with Garden gloves green"
    assert first["click_url"].endswith(f"/r/{first['token']}/")
    assert len(body["results"]) == 4


def test_api_for_you_uses_the_signed_in_customer(built, client):
    client.force_login(built.bob)

    body = client.get(API, {"kind": "for_you", "limit": 2}).json()

    shown = [item["product"]["id"] for item in body["results"]]
    assert str(built.products.trowel.pk) in shown


@pytest.mark.parametrize(
    "params, field",
    [
        ({"kind": "cheapest"}, "kind"),
        ({}, "kind"),
        ({"kind": "similar"}, "product"),
        ({"kind": "trending", "limit": 500}, "limit"),
    ],
)
def test_api_rejects_bad_input_with_a_clear_message(db, client, params, field):
    response = client.get(API, params)

    assert response.status_code == 400
    assert field in response.json()["fields"]


@pytest.mark.parametrize(
    "product", ["999999", "abc", "-1", "66.0", "99999999999999999999999999"]
)
def test_api_answers_an_unknown_product_with_404(db, client, product):
    # Not popular items labelled "similar", and never a database error.
    response = client.get(API, {"kind": "similar", "product": product})

    assert response.status_code == 404
    body = response.json()
    assert body["code"] == "not_found"
    assert "product" in body["fields"]


def test_event_api_answers_a_body_that_is_not_json_with_a_coded_error(db, client):
    response = client.post(
        "/ai-assist/api/recommendations/events/",
        data="{not json",
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_api_schema_describes_the_endpoint(db, client):
    schema = client.get("/ai-assist/api/schema/", {"format": "json"}).json()

    assert "/ai-assist/api/recommendations/" in schema["paths"]


# --- Tracking ----------------------------------------------------------------------


def test_click_link_records_the_click_and_redirects_to_the_product(built, client):
    p = built.products
    rec = recommend("bought_together", product=p.gloves, limit=1)[0]

    response = client.get(rec.click_url)

    assert response.status_code == 302
    assert response["Location"] == p.trowel.get_absolute_url()
    click = RecommendationEvent.objects.get(action="click")
    assert (click.token, click.kind, click.product_id) == (
        rec.token,
        "bought_together",
        str(p.trowel.pk),
    )


def test_unknown_click_token_goes_home(db, client):
    response = client.get(reverse("ai_assist:recommendation_click", args=["nope"]))

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert not RecommendationEvent.objects.exists()


def test_clicked_item_added_to_the_cart_is_attributed_once(built, client):
    p = built.products
    rec = recommend("bought_together", product=p.gloves, limit=1)[0]
    client.get(rec.click_url)
    session = client.session
    session["cart"] = {str(p.trowel.pk): 1}
    session.save()

    client.get(API, {"kind": "trending"})
    client.get(API, {"kind": "trending"})

    cart = RecommendationEvent.objects.filter(action="cart")
    assert [(e.token, e.kind) for e in cart] == [(rec.token, "bought_together")]


def test_orders_after_a_click_are_attributed_to_the_widget(built, client):
    p = built.products
    client.force_login(built.alice)
    rec = recommend("bought_together", product=p.gloves, user=built.alice, limit=1)[0]
    client.get(rec.click_url)
    make_order(built.alice, [p.trowel], days_ago=0)
    make_order(built.bob, [p.trowel], days_ago=0)

    assert tracking.attribute_orders() == 1
    assert tracking.attribute_orders() == 0
    order = RecommendationEvent.objects.get(action="order")
    assert (order.token, order.kind, order.user) == (
        rec.token,
        "bought_together",
        built.alice,
    )


def test_beacon_records_a_click_by_token(built, client):
    rec = recommend("trending", limit=1)[0]

    ok = client.post(
        API + "events/",
        {"token": rec.token, "action": "click"},
        content_type="application/json",
    )
    missing = client.post(
        API + "events/",
        {"token": "nope", "action": "click"},
        content_type="application/json",
    )

    assert ok.status_code == 202
    assert missing.status_code == 404
    assert RecommendationEvent.objects.filter(action="click").count() == 1


def test_widget_stats_give_click_through_and_conversion_per_kind(built, client):
    p = built.products
    client.force_login(built.alice)
    recs = recommend("bought_together", product=p.gloves, user=built.alice, limit=4)
    client.get(recs[0].click_url)
    make_order(built.alice, [recs[0].product and p.trowel], days_ago=0)
    tracking.attribute_orders()

    today = tracking.widget_stats(7)["bought_together"][-1]

    assert (today["impression"], today["click"], today["order"]) == (4, 1, 1)
    assert today["ctr"] == 0.25
    assert today["conversion"] == 1.0


# --- Admin ------------------------------------------------------------------------


@pytest.fixture
def admin_client(client, db):
    admin = get_user_model().objects.create_superuser("root", "r@example.com", "pw")
    client.force_login(admin)
    return client


def test_admin_event_list_shows_a_chart_per_metric(built, admin_client):
    recommend("trending", limit=2)

    response = admin_client.get(
        reverse("admin:ai_assist_recommendationevent_changelist"), {"chart_days": 7}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="ai-rec-chart"') == 2
    assert "<polyline" in html
    assert "Click-through rate" in html
    # The owner is told when orders show up and why guests' never do.
    assert "within 7 days of the click" in html


def test_admin_rebuild_now_button_rebuilds(
    built, admin_client, django_capture_on_commit_callbacks
):
    from ai_assist.models import RecommendationBuild

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:ai_assist_recommendation_rebuild"), follow=True
        )

    assert response.status_code == 200
    assert RecommendationBuild.objects.count() == 2
    assert "queued" in response.content.decode()


def test_product_page_views_feed_trending(db, hashing_embedder):
    from ai_assist.models import ProductView
    from ai_assist.recommend.rebuild import rebuild_recommendations
    from ai_assist.recommend.services import note_product_view
    from tests.recommend_data import make_product

    make_product("teapot")
    lamp = make_product("lamp")
    for _ in range(3):
        note_product_view(make_request(), lamp.pk)
    rebuild_recommendations()

    result = recommend("trending", limit=2)

    assert ProductView.objects.get(product_id=str(lamp.pk)).views == 3
    assert result[0].product.id == str(lamp.pk)
    assert result[0].reason == "Popular right now"
