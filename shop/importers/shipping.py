"""Plausible, reproducible shipping states for imported historical orders.

The source data records when an order was placed and nothing after. So that
order-status questions have answers, each order gets a dispatch and delivery
timeline drawn from a generator seeded by its number, and its status is read
off that timeline at a reference time (the newest order in the data): recent
orders are still placed, processing or in transit, older ones delivered.
The same number always yields the same timeline.
"""

import hashlib
import random
import string
from datetime import UTC, timedelta

UK_CARRIERS = ("Royal Mail", "Royal Mail", "DPD", "Parcelforce")
INTERNATIONAL_CARRIERS = ("DHL", "DHL", "Parcelforce", "DPD")
HOME_COUNTRY = "United Kingdom"


def shipping_state(number, created_at, country, reference_time):
    """Return the order fields that describe shipping for one order.

    ``number`` seeds the generator, ``created_at`` is when the order was
    placed, ``country`` picks domestic or international carriers and transit
    times, and ``reference_time`` is "now" for the status. The result holds
    ``status``, ``carrier``, ``tracking_code``, ``shipped_at`` and
    ``delivered_at``; carrier and tracking are empty until the parcel ships.
    """
    rng = random.Random(hashlib.sha256(f"order:{number}".encode()).digest())
    domestic = country in ("", HOME_COUNTRY)

    # The warehouse ships within two working days; transit takes one to three
    # days at home and three to eight abroad.
    # Durations are added in UTC so daylight-saving changes cannot produce a
    # time that does not exist, or exists twice, on the local clock.
    created_at = created_at.astimezone(UTC)
    shipped_at = created_at + timedelta(hours=rng.randint(4, 48))
    transit_days = rng.randint(1, 3) if domestic else rng.randint(3, 8)
    delivered_at = shipped_at + timedelta(days=transit_days, hours=rng.randint(0, 8))
    carrier = rng.choice(UK_CARRIERS if domestic else INTERNATIONAL_CARRIERS)
    tracking_code = _tracking_code(carrier, rng)

    if reference_time < shipped_at:
        # Not dispatched yet: an order waits a few hours before it is picked.
        waiting = reference_time - created_at < timedelta(hours=3)
        return {
            "status": "placed" if waiting else "processing",
            "carrier": "",
            "tracking_code": "",
            "shipped_at": None,
            "delivered_at": None,
        }
    in_transit = reference_time < delivered_at
    return {
        "status": "shipped" if in_transit else "delivered",
        "carrier": carrier,
        "tracking_code": tracking_code,
        "shipped_at": shipped_at,
        "delivered_at": None if in_transit else delivered_at,
    }


def _tracking_code(carrier, rng):
    # Shaped like each carrier's public tracking numbers, but made up.
    digits = "".join(rng.choices(string.digits, k=14))
    letters = "".join(rng.choices(string.ascii_uppercase, k=2))
    if carrier == "Royal Mail":
        return f"{letters}{digits[:9]}GB"
    if carrier == "DPD":
        return digits
    if carrier == "DHL":
        return digits[:10]
    return f"P{letters[0]}{digits[:7]}"
