"""
Policies and FAQ: finding the knowledge article that answers a question.

Articles are embedded once and the vectors kept in memory per process. The
cache is keyed on the articles' count and latest ``updated_at``, so an edit
in the admin (in the web process) is seen by every worker on its next
question without signals between processes.
"""

import logging
import threading
from dataclasses import dataclass

from django.db.models import Count, Max

import numpy as np

from ..conf import ai_settings
from ..retrieval.embedders import get_embedder
from .seeds import KNOWLEDGE_SEEDS

logger = logging.getLogger(__name__)

# Added to the cosine score of an article tagged with the question's topic:
# the router has already read the question, so its topic is good evidence.
TOPIC_BONUS = 0.15

_cache = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class KnowledgeHit:
    """One article and how close it is to the question."""

    article: object
    score: float


def _language_key(language):
    return "zh-hans" if (language or "").lower().startswith("zh") else "en"


def _embedder_for(language):
    if _language_key(language) == "en":
        return get_embedder()
    return get_embedder(ai_settings.MULTILINGUAL_EMBEDDER)


def _articles_with_vectors(language, embedder):
    """Return ``(articles, matrix)`` for one language, from cache when fresh."""
    from ..models import KnowledgeArticle

    published = KnowledgeArticle.objects.filter(
        is_published=True, language__iexact=language
    )
    stamp = published.aggregate(n=Count("id"), latest=Max("updated_at"))
    key = (language, embedder.name)
    with _lock:
        cached = _cache.get(key)
        if cached and cached[0] == stamp:
            return cached[1], cached[2]

    articles = list(published)
    texts = [f"{a.title}\n{a.tags}\n{a.body}" for a in articles]
    matrix = embedder.encode_passages(texts)
    with _lock:
        _cache[key] = (stamp, articles, matrix)
    logger.debug("knowledge %s: embedded %d articles", language, len(articles))
    return articles, matrix


def clear_knowledge_cache():
    """Forget the cached article vectors (tests swap embedders)."""
    with _lock:
        _cache.clear()


def search_knowledge(text, *, language=None, topic=None, limit=1):
    """Return up to ``limit`` :class:`KnowledgeHit` for a shopper's question.

    Looks at published articles in the question's language (English when
    there are none in it), ranks them by embedding similarity, and favours
    articles tagged with ``topic`` ("shipping", "returns"...).
    """
    language = _language_key(language)
    embedder = _embedder_for(language)
    articles, matrix = _articles_with_vectors(language, embedder)
    if not articles and language != "en":
        embedder = _embedder_for("en")
        articles, matrix = _articles_with_vectors("en", embedder)
    if not articles:
        return []

    scores = matrix @ embedder.encode_query(text)
    if topic:
        bonus = [TOPIC_BONUS if topic in a.tag_list else 0.0 for a in articles]
        scores = scores + np.asarray(bonus, dtype=np.float32)
    order = np.argsort(-scores)[:limit]
    return [KnowledgeHit(articles[i], float(scores[i])) for i in order]


def seed_knowledge(*, overwrite=False):
    """Create the starter policy articles in English and Simplified Chinese.

    Shipping, returns, payment, order changes, account and contact pages,
    filled in with ``SUPPORT_EMAIL`` and ``SUPPORT_HOURS``. Existing
    articles (same slug and language) are left as edited in the admin
    unless ``overwrite`` is true. Returns the number of articles created or
    updated.
    """
    from ..models import KnowledgeArticle

    values = {"email": ai_settings.SUPPORT_EMAIL, "hours": ai_settings.SUPPORT_HOURS}
    changed = 0
    for seed in KNOWLEDGE_SEEDS:
        fields = {
            "title": seed["title"],
            "body": seed["body"].format(**values),
            "tags": seed["tags"],
            "is_published": True,
        }
        lookup = {"slug": seed["slug"], "language": seed["language"]}
        if overwrite:
            KnowledgeArticle.objects.update_or_create(**lookup, defaults=fields)
            changed += 1
        else:
            _, created = KnowledgeArticle.objects.get_or_create(
                **lookup, defaults=fields
            )
            changed += created
    logger.info("knowledge: %d seed articles written", changed)
    return changed
