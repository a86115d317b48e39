"""
The banner studio: ad copy and rendered banner images for campaigns.

``copy`` writes, filters and ranks the text; ``render`` (with ``layout``,
``fonts``, ``palette`` and ``photos``) draws the images; ``workflow`` runs
generation and the review states; ``slots`` serves live banners to the
storefront and counts impressions and clicks.
"""
