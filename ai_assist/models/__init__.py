"""The app's models, one module per feature."""

from .banners import (  # noqa: F401
    BannerEvent,
    BannerImage,
    BannerTransition,
    BannerVariant,
    BrandKit,
    Campaign,
)
from .chat import Conversation, HandoffConversation, Message  # noqa: F401
from .knowledge import KnowledgeArticle  # noqa: F401
from .recommend import (  # noqa: F401
    NeighbourList,
    ProductView,
    RecommendationBuild,
    RecommendationEvent,
)
from .retrieval import ProductEmbedding  # noqa: F401
