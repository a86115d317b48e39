"""
Banner rendering speed: one set of four sizes, copy included.

Target: a set renders in under 3 s once models are loaded. The set is a
real product photo (cut-out included), template copy ranked by the
configured embedder, and four sizes encoded as PNG. Set
``BENCH_BANNER_MODEL=1`` to also time copy from the packaged Gemma model
(slow on 2 cores; needs ``ai_assist_prepare_models`` first).
"""

import os
import statistics
import time
from pathlib import Path

SIZES = [(1200, 628), (1080, 1080), (1920, 600), (728, 90)]
PHOTO = (
    Path(__file__).resolve().parent.parent
    / "data"
    / "product-photos"
    / "images"
    / "solidus_hoodie_red_1.png"
)


def _render_set(renderer, photo, copywriter):
    from ai_assist.banners.brand import brand_style
    from ai_assist.banners.copy import CopyBrief, write_copy
    from ai_assist.banners.render import BannerSpec, encode_image

    brief = CopyBrief(
        title="Solidus hoodie, red",
        description="A warm red hoodie in brushed cotton fleece with a roomy hood.",
        brand="Solidus",
        goal="sale",
        discount_text="20% off",
    )
    copy = write_copy(brief, count=3, seed=1, copywriter=copywriter).best
    spec = BannerSpec(
        copy.headline,
        copy.description,
        copy.cta,
        seed=3,
        photo=photo,
        brand=brand_style(None),
        motif=brief.title,
    )
    for result in renderer.render_set(spec, SIZES):
        encode_image(result.image, "PNG")


def run():
    from ai_assist.banners.photos import open_photo
    from ai_assist.banners.render import PillowRenderer

    photo = None
    if PHOTO.exists():
        with open(PHOTO, "rb") as handle:
            photo = open_photo(handle)

    timings = []
    for _ in range(4):
        # A fresh renderer each time, so the photo cut-out is timed too.
        started = time.perf_counter()
        _render_set(PillowRenderer(), photo, "templates")
        timings.append(time.perf_counter() - started)
    report = {
        "sizes": ["x".join(map(str, s)) for s in SIZES],
        "photo": PHOTO.name if photo is not None else None,
        "first_set_s": round(timings[0], 3),
        "warm_set_median_s": round(statistics.median(timings[1:]), 3),
        "target_s": 3.0,
    }
    report["meets_target"] = report["warm_set_median_s"] < report["target_s"]

    # Ranking written candidates against the product with the embedder.
    from ai_assist.banners.copy import CopyBrief, CopyCandidate, rank_candidates

    brief = CopyBrief(title="Solidus hoodie, red", description="Brushed fleece.")
    candidates = [
        CopyCandidate(f"Warm red hoodie {n}", "Brushed fleece.") for n in range(4)
    ]
    rank_candidates(candidates, brief)  # loads the embedder
    started = time.perf_counter()
    rank_candidates(candidates, brief)
    report["rank_four_candidates_s"] = round(time.perf_counter() - started, 3)

    if os.environ.get("BENCH_BANNER_MODEL") == "1":
        from ai_assist.banners.copy import get_copywriter

        started = time.perf_counter()
        get_copywriter("local").load()
        report["copy_model_load_s"] = round(time.perf_counter() - started, 2)
        started = time.perf_counter()
        _render_set(PillowRenderer(), photo, "local")
        report["set_with_model_copy_s"] = round(time.perf_counter() - started, 2)
    return report
