"""
The recommendation signals as sparse matrix arithmetic.

Pure functions over numpy and scipy.sparse, with no Django in them, so the
nightly rebuild and the offline evaluation run exactly the same code. Items
and customers are row/column indices here; mapping them to product ids is
the caller's business.

Nothing builds a dense items x items matrix: co-occurrence is computed a
block of rows at a time and cut to the top ``k`` of each row before the
next block, which keeps memory proportional to ``items * k``.
"""

from dataclasses import dataclass

import numpy as np
from scipy import sparse

# Rows of the items x items product computed at once. Bounds the memory of
# one block to roughly block * (distinct co-occurring items) entries.
BLOCK_ROWS = 2048


CUSTOMER_SIZE_EXPONENT = 0.5


@dataclass
class Interactions:
    """Order lines as parallel arrays of indices.

    ``items``/``baskets``/``customers`` are integer indices (customer -1
    for guests), ``ages`` the age of each line in days at training time,
    ``quantities`` the units bought.
    """

    items: np.ndarray
    baskets: np.ndarray
    customers: np.ndarray
    ages: np.ndarray
    quantities: np.ndarray
    n_items: int
    n_baskets: int
    n_customers: int


def decay(ages, half_life):
    """Weight for events ``ages`` days old that halves every ``half_life``."""
    if not half_life:
        return np.ones_like(np.asarray(ages, dtype=np.float32))
    return np.power(0.5, np.asarray(ages, dtype=np.float32) / float(half_life))


def incidence(rows, cols, n_rows, n_cols, weights=None):
    """A binary (or weighted, summed) rows x cols CSR matrix."""
    if weights is None:
        weights = np.ones(len(rows), dtype=np.float32)
    m = sparse.csr_matrix(
        (np.asarray(weights, dtype=np.float32), (rows, cols)),
        shape=(n_rows, n_cols),
    )
    m.sum_duplicates()
    return m


def basket_matrix(data, *, half_life=None):
    """Baskets x items, one entry per distinct item in an order.

    Each basket's row is weighted down by the log of its size, because a
    wholesale order of 300 lines says little about which two of them go
    together (the "BM25" idea of discounting long documents), and by age
    when ``half_life`` is given.
    """
    m = incidence(data.baskets, data.items, data.n_baskets, data.n_items)
    m.data[:] = 1.0
    sizes = np.diff(m.indptr).astype(np.float32)
    row_weight = 1.0 / np.log2(2.0 + sizes)
    if half_life:
        basket_age = np.zeros(data.n_baskets, dtype=np.float32)
        basket_age[data.baskets] = data.ages
        row_weight *= decay(basket_age, half_life)
    return sparse.diags(row_weight) @ m


def customer_matrix(data, *, half_life=None):
    """Customers x items: how strongly each known customer bought each item.

    Repeat purchases count, but with diminishing returns (log of the number
    of orders holding the item), so one favourite bought weekly does not
    drown out the rest of the history. Guests (customer -1) are left out.
    """
    known = data.customers >= 0
    weights = decay(data.ages[known], half_life)
    m = incidence(
        data.customers[known],
        data.items[known],
        data.n_customers,
        data.n_items,
        weights,
    )
    m.data = np.log1p(m.data).astype(np.float32)
    # A wholesaler with a thousand products pairs everything with
    # everything; weigh each customer down by the size of their history.
    sizes = np.diff(m.indptr).astype(np.float32)
    return sparse.diags(1.0 / np.power(1.0 + sizes, CUSTOMER_SIZE_EXPONENT)) @ m


def customer_stages(data, *, half_life=None):
    """``(owned, new)``: stages x items matrices for "went on to buy".

    A stage is an order in which a known customer bought something for the
    first time. ``new`` holds, per stage, the items first bought in it;
    ``owned`` the items first bought in it or in any earlier stage of the
    same customer. Both carry the weights of :func:`customer_matrix`. So
    ``owned.T @ new`` counts, for each pair (i, j), the customers who
    first bought j in the same order as i or later: what buyers of i went
    on to buy, which is what a "for you" list is asked to guess. A plain
    co-customer count also pairs i with everything its buyers had bought
    long before it, which says little about what comes next.

    ``owned`` holds one entry per first purchase and later stage, so its
    size grows with customers' histories (orders x products for the
    heaviest buyer), not with the square of the catalogue.
    """
    known = data.customers >= 0
    if not known.any():
        empty = sparse.csr_matrix((0, data.n_items), dtype=np.float32)
        return empty, empty
    customers = data.customers[known].astype(np.int64)
    items = data.items[known].astype(np.int64)
    ages = data.ages[known]
    baskets = data.baskets[known]

    # Each customer's lines of each item, oldest first; the first line of
    # a (customer, item) group dates its first purchase.
    keys = customers * data.n_items + items
    order = np.lexsort((baskets, -ages, keys))
    keys = keys[order]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    weights = np.add.reduceat(decay(ages[order], half_life), starts)
    first = order[starts]
    customers, items = customers[first], items[first]
    sizes = np.bincount(customers, minlength=data.n_customers)
    weights = np.log1p(weights) / np.power(
        1.0 + sizes[customers], CUSTOMER_SIZE_EXPONENT
    )

    # Stages: each customer's distinct first-purchase orders, oldest first.
    by_time = np.lexsort((baskets[first], -ages[first], customers))
    customers, items = customers[by_time], items[by_time]
    weights = weights[by_time].astype(np.float32)
    stage_baskets = baskets[first][by_time]
    new_stage = np.r_[
        True,
        (customers[1:] != customers[:-1]) | (stage_baskets[1:] != stage_baskets[:-1]),
    ]
    stage = np.cumsum(new_stage) - 1
    n_stages = int(stage[-1]) + 1 if len(stage) else 0
    last_stage = np.zeros(data.n_customers, dtype=np.int64)
    np.maximum.at(last_stage, customers, stage)
    new = sparse.csr_matrix((weights, (stage, items)), shape=(n_stages, data.n_items))

    # An item first bought at stage s stays owned at every later stage.
    repeats = last_stage[customers] - stage + 1
    offsets = np.arange(int(repeats.sum())) - np.repeat(
        np.cumsum(repeats) - repeats, repeats
    )
    owned = sparse.csr_matrix(
        (
            np.repeat(weights, repeats),
            (np.repeat(stage, repeats) + offsets, np.repeat(items, repeats)),
        ),
        shape=(n_stages, data.n_items),
    )
    return owned, new


def top_k_rows(m, k):
    """Keep the ``k`` largest entries of each CSR row (ties: lower index)."""
    m = m.tocsr()
    indptr = [0]
    indices = []
    values = []
    for row in range(m.shape[0]):
        start, end = m.indptr[row], m.indptr[row + 1]
        cols, vals = m.indices[start:end], m.data[start:end]
        # A full sort rather than argpartition: ties at the cut must fall
        # the same way however the rows were blocked.
        order = np.lexsort((cols, -vals))[:k]
        indices.append(cols[order])
        values.append(vals[order])
        indptr.append(indptr[-1] + len(order))
    return sparse.csr_matrix(
        (
            np.concatenate(values) if values else np.zeros(0, np.float32),
            np.concatenate(indices) if indices else np.zeros(0, np.int32),
            np.asarray(indptr),
        ),
        shape=m.shape,
    )


def item_totals(m):
    """Each item's column sum of an events x items matrix, as float32."""
    return np.asarray(m.sum(axis=0), dtype=np.float32).ravel()


def cooccurrence_neighbours(
    m, *, k, alpha=0.5, shrink=2.0, min_count=0.0, sources=None, totals=None
):
    """Top-``k`` item neighbours from an events x items matrix ``m``.

    The co-occurrence is ``c_ij = sum over events of sources[e, i] *
    m[e, j]`` (``sources`` defaults to ``m`` itself, the symmetric count;
    a different one makes the pairs directional, see
    :func:`customer_stages`). It is normalised as ``c_ij / (n_i ** alpha
    * n_j ** (1 - alpha))`` with ``n`` the item ``totals`` (by default the
    column sums of ``m``; ``alpha`` 0.5 is the cosine), so a best-seller
    that shares a basket with everything does not top every list, and
    shrunk by ``c_ij / (c_ij + shrink)`` so a pair seen once is trusted
    less than a pair seen fifty times. Passing ``totals`` counted over a
    longer memory than the pairs lets recent pairs count more than old
    ones without turning every list into this week's best-sellers.
    Returns an items x items CSR matrix with at most ``k`` entries per row
    and no diagonal.
    """
    m = sparse.csr_matrix(m, dtype=np.float32)
    sources = m if sources is None else sparse.csr_matrix(sources, dtype=np.float32)
    st = sources.T.tocsr()
    counts = item_totals(m) if totals is None else np.asarray(totals, np.float32)
    safe = np.where(counts > 0, counts, 1.0)
    row_norm = np.power(safe, alpha)
    col_norm = np.power(safe, 1.0 - alpha)

    blocks = []
    for start in range(0, m.shape[1], BLOCK_ROWS):
        stop = min(start + BLOCK_ROWS, m.shape[1])
        block = (st[start:stop] @ m).tocsr()
        block.setdiag(0, k=start)  # an item is not its own neighbour
        block.eliminate_zeros()
        if min_count:
            block.data[block.data < min_count] = 0
            block.eliminate_zeros()
        raw = block.data.copy()
        rows = np.repeat(np.arange(start, stop), np.diff(block.indptr))
        block.data = (
            raw
            / (row_norm[rows] * col_norm[block.indices])
            * (raw / (raw + shrink) if shrink else 1.0)
        ).astype(np.float32)
        blocks.append(top_k_rows(block, k))
    if not blocks:
        return sparse.csr_matrix((0, 0), dtype=np.float32)
    return sparse.vstack(blocks).tocsr()


def content_neighbours(vectors, *, k, block=256):
    """Top-``k`` cosine neighbours of L2-normalised row ``vectors``.

    The similarity is computed one block of rows at a time against all
    vectors (a block x n dense slab), never the full n x n matrix.
    """
    vectors = np.asarray(vectors, dtype=np.float32)
    n = len(vectors)
    k = min(k, max(n - 1, 0))
    indptr, indices, values = [0], [], []
    for start in range(0, n, block):
        sims = vectors[start : start + block] @ vectors.T
        rows = np.arange(sims.shape[0])
        sims[rows, rows + start] = -np.inf  # not the item itself
        if k == 0:
            indptr.extend([0] * len(rows))
            continue
        top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        top_vals = np.take_along_axis(sims, top, axis=1)
        order = np.argsort(-top_vals, axis=1, kind="stable")
        top = np.take_along_axis(top, order, axis=1)
        top_vals = np.take_along_axis(top_vals, order, axis=1)
        for cols, vals in zip(top, top_vals, strict=True):
            indices.append(cols)
            values.append(np.maximum(vals, 0))
            indptr.append(indptr[-1] + len(cols))
    m = sparse.csr_matrix(
        (
            np.concatenate(values) if values else np.zeros(0, np.float32),
            np.concatenate(indices) if indices else np.zeros(0, np.int64),
            np.asarray(indptr),
        ),
        shape=(n, n),
    )
    m.eliminate_zeros()  # products without text have no neighbours
    return m


def trending_scores(data, *, half_life, view_items=None, view_ages=None):
    """Time-decayed adoption of each item: who started buying it lately.

    Each buyer (a customer, or a guest's order) counts once per product,
    at their first order of it, weighted by that order's age. So a product
    many buyers are discovering now trends, and a wholesaler re-ordering
    the same product every week is one old vote, not ten new ones. Views
    count a tenth of an order each.
    """
    items, ages = data.items, data.ages
    if len(items):
        # Keep each buyer's first line of each product (the oldest one).
        buyers = np.where(
            data.customers >= 0, data.customers, data.n_customers + data.baskets
        ).astype(np.int64)
        keys = buyers * data.n_items + items
        order = np.lexsort((-ages, keys))
        first = np.ones(len(keys), dtype=bool)
        first[1:] = keys[order][1:] != keys[order][:-1]
        items, ages = items[order[first]], ages[order[first]]
    weights = decay(ages, half_life)
    scores = np.bincount(items, weights=weights, minlength=data.n_items)
    scores = scores.astype(np.float64)  # an empty bincount comes back as int
    if view_items is not None and len(view_items):
        view_weights = 0.1 * decay(view_ages, half_life)
        scores += np.bincount(view_items, weights=view_weights, minlength=len(scores))
    return scores.astype(np.float32)


def sqrt_scaled(scores):
    """Scale popularity into [0, 1] as the square root of its share of the
    maximum: the top stays apart from the middle (a log would flatten it)
    while the long tail is not crushed to zero (a linear scale would)."""
    scores = np.asarray(scores, dtype=np.float32)
    top = scores.max() if len(scores) else 0.0
    return np.sqrt(scores / top) if top > 0 else scores


def days_between(later, earlier):
    """Age in days between two datetimes (never negative)."""
    return max((later - earlier).total_seconds() / 86400.0, 0.0)
