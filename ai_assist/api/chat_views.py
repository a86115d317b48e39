"""
The chat API: thin views over :mod:`ai_assist.chat.conversations`.

Every view finds the conversation through its owner (the signed-in user, or
the guest's session), so a conversation of anyone else answers 404 exactly
like one that does not exist. Unsafe methods need the CSRF token, from
guests as much as from signed-in shoppers.
"""

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, StreamingHttpResponse
from django.urls import reverse

from drf_spectacular.authentication import SessionScheme
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from ..adapters import get_adapter
from ..chat import conversations
from ..conf import ai_settings
from ..models import Conversation, Message
from . import chat_serializers as s
from .base import APIBaseView

CONVERSATION_ID = OpenApiParameter(
    "conversation_id", OpenApiTypes.UUID, OpenApiParameter.PATH
)
MESSAGE_ID = OpenApiParameter(
    "message_id",
    OpenApiTypes.INT,
    OpenApiParameter.PATH,
    description="The shopper's message whose reply is wanted.",
)
ERRORS = {
    code: OpenApiResponse(s.ErrorSerializer, description=text)
    for code, text in [
        (400, "Invalid input."),
        (403, "CSRF token missing or wrong."),
        (404, "No such conversation for this shopper."),
    ]
}


class ChatSessionAuthentication(SessionAuthentication):
    """Session authentication that checks CSRF for guests too.

    DRF's own class only checks the token once a user is signed in, but a
    guest's session owns a conversation just as a user does.
    """

    def authenticate(self, request):
        user = getattr(request._request, "user", None)
        if user is None or not user.is_active:
            self.enforce_csrf(request)
            return None
        return super().authenticate(request)


class ChatSessionScheme(SessionScheme):
    """Describes :class:`ChatSessionAuthentication` in the OpenAPI schema."""

    target_class = ChatSessionAuthentication
    # Its own name: the schema view itself uses DRF's plain class.
    name = "chatSessionAuth"


class EventStreamRenderer(BaseRenderer):
    """Lets clients ask for ``text/event-stream``; errors become one event."""

    media_type = "text/event-stream"
    format = "sse"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return sse_event("error", data).encode()


def sse_event(event, data, event_id=None):
    """Format one server-sent event."""
    head = f"id: {event_id}\n" if event_id is not None else ""
    body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)
    return f"{head}event: {event}\ndata: {body}\n\n"


def error_response(error):
    """Turn a :class:`ChatError` into its JSON answer."""
    response = Response(
        {"detail": error.message, "code": error.code}, status=error.status
    )
    if error.retry_after:
        response["Retry-After"] = str(error.retry_after)
    return response


def invalid_response(serializer):
    """A 400 naming the first bad field, with every field's errors beside."""
    field, problems = next(iter(serializer.errors.items()))
    return Response(
        {
            "detail": f"{field}: {problems[0]}",
            "code": "invalid",
            "errors": serializer.errors,
        },
        status=status.HTTP_400_BAD_REQUEST,
    )


class ChatView(APIBaseView):
    """Shared set-up: session auth with CSRF for all, open to guests."""

    authentication_classes = [ChatSessionAuthentication]
    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer]

    def owner(self, *, create_session=False):
        """The user and session key that own the request's conversations.

        Only starting a conversation creates a session for a guest; any
        other request without one simply owns nothing.
        """
        session = self.request.session
        if create_session and not session.session_key:
            session.save()
        return {"user": self.request.user, "session_key": session.session_key or ""}

    def get_conversation(self, conversation_id):
        try:
            return conversations.get_conversation(conversation_id, **self.owner())
        except Conversation.DoesNotExist:
            raise Http404 from None

    def get_message(self, conversation, message_id):
        try:
            return conversations.get_user_message(conversation, message_id)
        except Message.DoesNotExist:
            raise Http404 from None

    def message_urls(self, conversation, message):
        args = [conversation.public_id, message.pk]
        return {
            "stream_url": reverse("ai_assist:chat-reply-stream", args=args),
            "poll_url": reverse("ai_assist:chat-reply", args=args),
        }


class ConversationStartView(ChatView):
    @extend_schema(
        operation_id="chat_conversation_start",
        summary="Start a conversation",
        request=s.StartConversationSerializer,
        responses={201: s.ConversationSerializer, **ERRORS},
        tags=["chat"],
    )
    def post(self, request):
        serializer = s.StartConversationSerializer(data=request.data)
        if not serializer.is_valid():
            return invalid_response(serializer)
        try:
            conversation = conversations.start_conversation(
                **self.owner(create_session=True), **serializer.validated_data
            )
        except conversations.ChatError as error:
            return error_response(error)
        if conversation.user_id is None:
            conversations.remember_guest_conversation(request.session, conversation)
        data = s.ConversationSerializer(conversation).data
        return Response(data, status=status.HTTP_201_CREATED)


class ConversationDetailView(ChatView):
    @extend_schema(
        operation_id="chat_conversation_read",
        summary="Read a conversation with all its messages",
        parameters=[CONVERSATION_ID],
        responses={200: s.ConversationSerializer, 404: ERRORS[404]},
        tags=["chat"],
    )
    def get(self, request, conversation_id):
        conversation = self.get_conversation(conversation_id)
        return Response(s.ConversationSerializer(conversation).data)


class MessageCreateView(ChatView):
    @extend_schema(
        operation_id="chat_message_post",
        summary="Post a shopper's message; the reply follows on the stream",
        parameters=[CONVERSATION_ID],
        request=s.PostMessageSerializer,
        responses={
            202: s.MessageAcceptedSerializer,
            **ERRORS,
            413: OpenApiResponse(s.ErrorSerializer, description="Message too long."),
            429: OpenApiResponse(s.ErrorSerializer, description="Too many messages."),
        },
        tags=["chat"],
    )
    def post(self, request, conversation_id):
        conversation = self.get_conversation(conversation_id)
        serializer = s.PostMessageSerializer(data=request.data)
        if not serializer.is_valid():
            return invalid_response(serializer)
        try:
            message = conversations.post_message(
                conversation,
                serializer.validated_data["text"],
                language=serializer.validated_data.get("language", ""),
                page_product_id=serializer.validated_data.get("page_product_id", ""),
                cart_product_ids=get_adapter().get_cart(request).keys(),
            )
        except conversations.ChatError as error:
            return error_response(error)
        data = {
            "message_id": message.pk,
            "status": message.status,
            **self.message_urls(conversation, message),
        }
        return Response(data, status=status.HTTP_202_ACCEPTED)


class ReplyView(ChatView):
    @extend_schema(
        operation_id="chat_reply_poll",
        summary="The reply to a message so far (polling fallback)",
        parameters=[CONVERSATION_ID, MESSAGE_ID],
        responses={200: s.ReplyStatusSerializer, 404: ERRORS[404]},
        tags=["chat"],
    )
    def get(self, request, conversation_id, message_id):
        conversation = self.get_conversation(conversation_id)
        message = self.get_message(conversation, message_id)
        reply = getattr(message, "reply", None)
        finished = reply is not None and reply.status in (
            Message.Status.DONE,
            Message.Status.FAILED,
        )
        text = reply.text if finished else conversations.streamed_text(message.pk)
        data = {
            "message_id": message.pk,
            "status": message.status,
            "text": text,
            "reply": s.MessageSerializer(reply).data if finished else None,
        }
        return Response(data)


class ReplyStreamView(ChatView):
    """Server-sent events of one reply: token, cards, then done or error.

    Works behind buffering proxies: it disables caching and nginx's
    buffering by header and sends a comment every ``CHAT_STREAM_KEEPALIVE``
    seconds. A client that reconnects with ``Last-Event-ID`` resumes after
    that event.
    """

    renderer_classes = [EventStreamRenderer, JSONRenderer]

    @extend_schema(
        operation_id="chat_reply_stream",
        summary="Stream the reply to a message as server-sent events",
        parameters=[CONVERSATION_ID, MESSAGE_ID],
        responses={
            (200, "text/event-stream"): OpenApiResponse(
                OpenApiTypes.STR,
                description=(
                    "Events `start`, `token` ({text}), `cards` ({cards, orders}), "
                    "then `done` ({reply}) or `error` ({message, code})."
                ),
            ),
            404: ERRORS[404],
        },
        tags=["chat"],
    )
    def get(self, request, conversation_id, message_id):
        conversation = self.get_conversation(conversation_id)
        message = self.get_message(conversation, message_id)
        after = request.headers.get("Last-Event-ID", "")
        after = int(after) if after.isdigit() else 0
        response = StreamingHttpResponse(
            self.events(message, after), content_type="text/event-stream"
        )
        response["Cache-Control"] = "no-cache"
        response["X-Accel-Buffering"] = "no"
        return response

    def events(self, message, after):
        # A first comment makes proxies and browsers open the stream now.
        yield f": stream of message {message.pk}\nretry: 3000\n\n"
        events = conversations.iter_reply_events(
            message,
            timeout=ai_settings.CHAT_STREAM_TIMEOUT,
            keepalive=ai_settings.CHAT_STREAM_KEEPALIVE,
            after=after,
        )
        for event, data, seq in events:
            if event is None:
                yield ": keep-alive\n\n"
                continue
            if isinstance(data.get("reply"), Message):
                data = {**data, "reply": s.MessageSerializer(data["reply"]).data}
            yield sse_event(event, data, seq)


class OrderLookupView(ChatView):
    @extend_schema(
        operation_id="chat_order_lookup",
        summary="A guest proves an order with its number and email",
        parameters=[CONVERSATION_ID],
        request=s.OrderLookupSerializer,
        responses={
            200: s.OrderLookupResultSerializer,
            **ERRORS,
            429: OpenApiResponse(s.ErrorSerializer, description="Too many tries."),
        },
        tags=["chat"],
    )
    def post(self, request, conversation_id):
        conversation = self.get_conversation(conversation_id)
        serializer = s.OrderLookupSerializer(data=request.data)
        if not serializer.is_valid():
            return invalid_response(serializer)
        try:
            order = conversations.verify_guest_order(
                conversation,
                serializer.validated_data["order_number"],
                serializer.validated_data["email"],
            )
        except conversations.ChatError as error:
            return error_response(error)
        if order is None:
            error = conversations.ChatError(
                conversations.order_not_found_text(), status=404, code="no_order"
            )
            return error_response(error)
        data = {"verified": True, "order": conversations.order_card(order)}
        return Response(data)


class CartAddView(ChatView):
    @extend_schema(
        operation_id="chat_cart_add",
        summary="Add a product from a chat card to the shopper's cart",
        request=s.AddToCartSerializer,
        responses={200: s.CartSerializer, **ERRORS},
        tags=["chat"],
    )
    def post(self, request):
        serializer = s.AddToCartSerializer(data=request.data)
        if not serializer.is_valid():
            return invalid_response(serializer)
        product_id = serializer.validated_data["product_id"]
        try:
            cart = conversations.add_product_to_cart(
                request, product_id, serializer.validated_data["quantity"]
            )
        except conversations.ChatError as error:
            return error_response(error)
        data = {
            "product_id": str(product_id),
            "quantity": cart.get(str(product_id), 0),
            "cart_count": sum(q for q in cart.values() if q > 0),
        }
        return Response(data)
