"""Importers that fill the demo store from the public data sets in ``data/``.

Each importer is a plain function called by a thin management command:
``import_online_retail`` (UCI Online Retail: products, customers, orders) and
``import_icecat`` (the Icecat electronics catalogue). Both write with bulk
queries inside one transaction and are idempotent: a second run over the same
file changes nothing.

Bulk writes bypass model signals, so the assistant's search index is not
refreshed row by row; run ``ai_assist_reindex`` after an import (``make demo``
does).
"""
