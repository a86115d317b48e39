"""
Recommendation serving speed: widget and API against a plain product list.

Needs a database with products and built lists (``make demo`` or
``manage.py ai_assist_rebuild_recommendations``). Measures, for product
pages picked from the catalogue, after one warm-up read each:

* ``plain``: a plain Django view that reads four products and renders them
  (the yardstick);
* ``widget``: ``{% ai_recommendations "similar" %}`` rendered through
  :func:`ai_assist.recommend.widgets.render_widget` (impressions included);
* ``api``: ``GET /ai-assist/api/recommendations/?kind=similar`` through the
  whole Django stack.

Targets: widget p95 under 10 ms, API p95 under 20 ms. The ratios to the
plain view say how much the recommendations add on this machine.
Impression rows written by the run are deleted again.
"""

import statistics
import time

ROUNDS = 200
PRODUCTS = 20


def _p95(values):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _time(func, rounds):
    times = []
    for index in range(rounds):
        began = time.perf_counter()
        func(index)
        times.append((time.perf_counter() - began) * 1000)
    return {
        "median_ms": round(statistics.median(times), 2),
        "p95_ms": round(_p95(times), 2),
    }


def run(rounds=ROUNDS):
    from django.conf import settings
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.sessions.backends.cache import SessionStore
    from django.template import engines
    from django.test import Client, RequestFactory

    from ai_assist.adapters import get_adapter
    from ai_assist.models import NeighbourList, RecommendationEvent
    from ai_assist.recommend.widgets import render_widget

    ids = list(
        NeighbourList.objects.filter(signal="content")
        .order_by("product_id")
        .values_list("product_id", flat=True)[:PRODUCTS]
    )
    if not ids:
        return {"skipped": "no built lists: run ai_assist_rebuild_recommendations"}
    started = RecommendationEvent.objects.order_by("-pk").values_list("pk", flat=True)
    last_event = started.first() or 0

    adapter = get_adapter()
    plain = engines["django"].from_string(
        "<ul>{% for p in products %}<li><a href='{{ p.url }}'>{{ p.title }}</a> "
        "{{ p.price }}</li>{% endfor %}</ul>"
    )
    factory = RequestFactory()

    def request():
        req = factory.get("/")
        req.user = AnonymousUser()
        req.session = SessionStore()
        return req

    def plain_view(index):
        products = adapter.get_products(ids[index % len(ids) : index % len(ids) + 4])
        plain.render({"products": products.values()})

    def widget(index):
        render_widget(request(), "similar", product=ids[index % len(ids)], limit=4)

    client = Client(HTTP_HOST=(settings.ALLOWED_HOSTS or ["localhost"])[0])

    def api(index):
        response = client.get(
            "/ai-assist/api/recommendations/",
            {"kind": "similar", "product": ids[index % len(ids)], "limit": 4},
        )
        assert response.status_code == 200, response.content

    for index in range(len(ids)):  # warm the caches once per product
        widget(index)
        api(index)
    report = {
        "plain": _time(plain_view, rounds),
        "widget": _time(widget, rounds),
        "api": _time(api, rounds),
    }
    RecommendationEvent.objects.filter(pk__gt=last_event).delete()

    report["widget_ratio"] = round(
        report["widget"]["p95_ms"] / report["plain"]["p95_ms"], 2
    )
    report["api_ratio"] = round(report["api"]["p95_ms"] / report["plain"]["p95_ms"], 2)
    report["targets"] = {"widget_p95_ms": 10, "api_p95_ms": 20}
    report["meets_targets"] = (
        report["widget"]["p95_ms"] < 10 and report["api"]["p95_ms"] < 20
    )
    return report
