"""Click-through and conversion per widget as inline SVG line charts."""

from ..models.recommend import Kind

WIDTH, HEIGHT, PAD = 640, 180, 28
COLOURS = {
    Kind.SIMILAR: "#1f77b4",
    Kind.BOUGHT_TOGETHER: "#ff7f0e",
    Kind.FOR_YOU: "#2ca02c",
    Kind.TRENDING: "#d62728",
}


def line_chart(stats, metric):
    """Lay out one chart of ``metric`` ("ctr" or "conversion") per day.

    ``stats`` is :func:`ai_assist.recommend.tracking.widget_stats` output.
    Returns a dict for the admin template: the SVG size, one polyline per
    widget kind (points as an SVG ``points`` string), the y-axis maximum
    and the first and last day, with totals per kind for the legend.
    """
    peak = max(
        (entry[metric] for series in stats.values() for entry in series), default=0
    )
    top = peak or 1.0
    lines = []
    for kind, series in stats.items():
        if not series:
            continue
        step = (WIDTH - 2 * PAD) / max(len(series) - 1, 1)
        points = " ".join(
            f"{PAD + i * step:.1f},"
            f"{HEIGHT - PAD - entry[metric] / top * (HEIGHT - 2 * PAD):.1f}"
            for i, entry in enumerate(series)
        )
        totals = {
            action: sum(e[action] for e in series)
            for action in ("impression", "click", "cart", "order")
        }
        lines.append(
            {
                "kind": Kind(kind).label,
                "colour": COLOURS.get(kind, "#555"),
                "points": points,
                "totals": totals,
                "ctr": _ratio(totals["click"], totals["impression"]),
                "conversion": _ratio(totals["order"], totals["click"]),
                "cart_rate": _ratio(totals["cart"], totals["click"]),
            }
        )
    days = next(iter(stats.values()), [])
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "pad": PAD,
        "bottom": HEIGHT - PAD,
        "right": WIDTH - PAD,
        "peak": f"{peak:.1%}",
        "first_day": days[0]["day"] if days else None,
        "last_day": days[-1]["day"] if days else None,
        "lines": lines,
    }


def _ratio(part, whole):
    return f"{part / whole:.1%}" if whole else "–"
