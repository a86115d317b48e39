"""Bulk "update or create" for importers: few queries, no per-row saves.

An importer describes the rows it wants, keyed by a natural key (a SKU, an
order number, an email). :func:`sync_rows` loads the matching rows in chunks,
creates the missing ones with ``bulk_create``, rewrites only those whose
fields differ with ``bulk_update``, and leaves the rest alone, so a second
import of the same file writes nothing. Shared helpers of the importers
(their error type, initial stock levels) live here too.
"""

import hashlib
from collections import Counter

from django.utils import timezone
from django.utils.text import slugify

from shop.models import Category

# Stay below SQLite's limit on query parameters whatever its build.
LOOKUP_CHUNK = 900
WRITE_BATCH = 1000


class ImportDataError(Exception):
    """The input file cannot be imported (missing columns, unreadable)."""


def initial_stock(sku):
    """A stable, plausible stock level for a new product (some sold out)."""
    digest = int(hashlib.sha256(f"stock:{sku}".encode()).hexdigest(), 16)
    if digest % 100 < 6:
        return 0
    return 5 + digest // 100 % 240


def sync_rows(model, key, wanted, *, update_fields=(), create_only=None):
    """Create or update ``model`` rows so they match ``wanted``.

    ``wanted`` maps a natural key (the value of field ``key``) to a dict of
    field values. Fields named in ``update_fields`` are compared and rewritten
    on existing rows; other fields are only written when a row is created.
    ``create_only`` (key -> dict) adds values used at creation only, for
    fields such as stock that the store changes afterwards.

    Returns ``(pks, counts)``: the primary key of every wanted row by key, and
    a Counter with ``created``, ``updated`` and ``unchanged``.
    """
    create_only = create_only or {}
    existing = fetch_by_key(model, key, wanted, fields=update_fields)
    counts = Counter()

    to_create = []
    to_update = []
    for natural_key, values in wanted.items():
        row = existing.get(natural_key)
        if row is None:
            fields = {**values, **create_only.get(natural_key, {})}
            to_create.append(model(**{key: natural_key, **fields}))
            continue
        changed = [f for f in update_fields if getattr(row, f) != values[f]]
        if not changed:
            counts["unchanged"] += 1
            continue
        for field in update_fields:
            setattr(row, field, values[field])
        to_update.append(row)

    model.objects.bulk_create(to_create, batch_size=WRITE_BATCH)
    counts["created"] = len(to_create)
    if to_update:
        fields = list(update_fields)
        if any(f.name == "updated_at" for f in model._meta.concrete_fields):
            # bulk_update skips auto_now, so stamp the change by hand.
            now = timezone.now()
            for row in to_update:
                row.updated_at = now
            fields.append("updated_at")
        model.objects.bulk_update(to_update, fields, batch_size=WRITE_BATCH)
    counts["updated"] = len(to_update)

    pks = {k: row.pk for k, row in existing.items()}
    if to_create:
        created_keys = [getattr(obj, key) for obj in to_create]
        # Re-read the keys: not every backend returns ids from bulk inserts.
        pks.update(
            (k, row.pk) for k, row in fetch_by_key(model, key, created_keys).items()
        )
    return pks, counts


def fetch_by_key(model, key, keys, fields=()):
    """Return ``{key value: instance}`` for rows whose ``key`` is in ``keys``.

    Only the primary key, ``key`` and ``fields`` are loaded.
    """
    keys = list(keys)
    found = {}
    for start in range(0, len(keys), LOOKUP_CHUNK):
        chunk = keys[start : start + LOOKUP_CHUNK]
        queryset = model.objects.filter(**{f"{key}__in": chunk}).only(
            "pk", key, *fields
        )
        found.update((getattr(row, key), row) for row in queryset)
    return found


def ensure_categories(names):
    """Return ``{name: category pk}``, creating categories that are missing."""
    names = sorted(set(names))
    existing = dict(Category.objects.filter(name__in=names).values_list("name", "pk"))
    missing = [name for name in names if name not in existing]
    taken = set(Category.objects.values_list("slug", flat=True))
    new = []
    for name in missing:
        slug = base = slugify(name) or "category"
        suffix = 2
        while slug in taken:
            slug, suffix = f"{base}-{suffix}", suffix + 1
        taken.add(slug)
        new.append(Category(name=name, slug=slug))
    Category.objects.bulk_create(new)
    existing.update(Category.objects.filter(name__in=missing).values_list("name", "pk"))
    return existing
