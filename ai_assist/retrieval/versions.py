"""
Version tokens that tell each process when its in-memory indexes are stale.

Indexes (the vector matrix, the BM25 index) are built once per process and
kept in memory. A token in the shared cache names the current state of the
data they were built from; whoever changes the data sets a new token, and a
process whose copy was built under another token rebuilds it. Tokens are
random rather than counters so a cleared cache can never bring back an old
value that a stale copy still carries.
"""

import uuid

from django.core.cache import cache

_PREFIX = "ai_assist:version:"

# The product vectors of every embedder.
VECTORS = "vectors"
# The catalogue text that keyword indexes are built from.
CATALOGUE = "catalogue"


def get_version(name):
    """Return the current token for ``name``, creating one if there is none."""
    key = _PREFIX + name
    token = cache.get(key)
    if token is None:
        cache.add(key, uuid.uuid4().hex, timeout=None)
        token = cache.get(key)
    return token


def bump_version(name):
    """Mark everything built from ``name`` as stale, in every process."""
    cache.set(_PREFIX + name, uuid.uuid4().hex, timeout=None)
