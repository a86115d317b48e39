"""
Recommendation widgets: similar, bought together, for you and trending.

The public surface is :func:`ai_assist.recommend.services.recommend` (used
by the ``{% ai_recommendations %}`` tag, the API and the chat assistant)
and :func:`ai_assist.recommend.rebuild.rebuild_recommendations` (the batch
job). How the pieces fit:

* ``signals``: sparse matrix arithmetic (co-occurrence, content kNN,
  trending), no Django.
* ``build``: order lines and vectors in, one top-k matrix per signal out.
* ``ranker``: blends neighbour lists and popularity; shared by the live
  service and the offline evaluation.
* ``store``: the stored lists, read through a versioned cache.
* ``services``: the rules applied at read time, reasons, fill-up.
* ``tracking``: impressions, clicks, carts and orders per widget.
"""
