"""The app's models, one module per feature."""

from .chat import Conversation, HandoffConversation, Message  # noqa: F401
from .retrieval import ProductEmbedding  # noqa: F401
