from django.urls import path

from drf_spectacular.views import SpectacularAPIView

from . import chat_views as chat
from . import recommend_views as recommend

# --- Chat ----------------------------------------------------------------
conversation = "chat/conversations/<uuid:conversation_id>/"
reply = conversation + "messages/<int:message_id>/"
chat_urls = [
    path(
        "chat/conversations/",
        chat.ConversationStartView.as_view(),
        name="chat-conversations",
    ),
    path(conversation, chat.ConversationDetailView.as_view(), name="chat-conversation"),
    path(
        conversation + "messages/",
        chat.MessageCreateView.as_view(),
        name="chat-messages",
    ),
    path(reply, chat.ReplyView.as_view(), name="chat-reply"),
    path(reply + "stream/", chat.ReplyStreamView.as_view(), name="chat-reply-stream"),
    path(
        conversation + "order-lookup/",
        chat.OrderLookupView.as_view(),
        name="chat-order-lookup",
    ),
    path("chat/cart/", chat.CartAddView.as_view(), name="chat-cart-add"),
]

# --- Recommendations -------------------------------------------------------
recommend_urls = [
    path(
        "recommendations/",
        recommend.RecommendationListView.as_view(),
        name="recommendations",
    ),
    path(
        "recommendations/events/",
        recommend.RecommendationEventView.as_view(),
        name="recommendation-events",
    ),
]

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    *chat_urls,
    *recommend_urls,
]
