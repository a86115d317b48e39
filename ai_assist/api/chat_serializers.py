"""Serializers of the chat API: what comes in, what goes out."""

from django.utils.translation import gettext_lazy as _

from rest_framework import serializers

from ..models import Conversation, Message

# --- Output ------------------------------------------------------------------


class MessageSerializer(serializers.ModelSerializer):
    """One message as the widget shows it; text is plain text, never HTML."""

    reply_to = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Message
        fields = [
            "id",
            "role",
            "text",
            "language",
            "intent",
            "cards",
            "orders",
            "status",
            "reply_to",
            "created_at",
        ]
        read_only_fields = fields


class ConversationSerializer(serializers.ModelSerializer):
    """A conversation with its whole transcript, oldest message first."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    guest_order_verified = serializers.BooleanField(
        source="has_verified_guest_order", read_only=True
    )
    messages = MessageSerializer(many=True, read_only=True)

    class Meta:
        model = Conversation
        fields = [
            "id",
            "language",
            "handoff_requested",
            "guest_order_verified",
            "created_at",
            "messages",
        ]
        read_only_fields = fields


class MessageAcceptedSerializer(serializers.Serializer):
    """The answer to a posted message: where to follow its reply."""

    message_id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Message.Status.choices)
    stream_url = serializers.CharField(help_text=_("Server-sent events of the reply."))
    poll_url = serializers.CharField(help_text=_("The reply's state, for polling."))


class ReplyStatusSerializer(serializers.Serializer):
    """A message's reply as far as it got; for clients that cannot stream."""

    message_id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Message.Status.choices)
    text = serializers.CharField(
        allow_blank=True, help_text=_("The reply text so far (final once done).")
    )
    reply = MessageSerializer(allow_null=True)


class OrderLineCardSerializer(serializers.Serializer):
    title = serializers.CharField()
    quantity = serializers.IntegerField()


class OrderCardSerializer(serializers.Serializer):
    """An order as shown on a card in the chat."""

    type = serializers.CharField(help_text=_('Always "order".'))
    number = serializers.CharField()
    status = serializers.CharField()
    created_at = serializers.DateTimeField(allow_null=True)
    carrier = serializers.CharField(allow_blank=True)
    tracking_code = serializers.CharField(allow_blank=True)
    shipped_at = serializers.DateTimeField(allow_null=True)
    delivered_at = serializers.DateTimeField(allow_null=True)
    currency = serializers.CharField()
    total = serializers.DecimalField(max_digits=12, decimal_places=2)
    lines = OrderLineCardSerializer(many=True)


class OrderLookupResultSerializer(serializers.Serializer):
    verified = serializers.BooleanField()
    order = OrderCardSerializer()


class CartSerializer(serializers.Serializer):
    product_id = serializers.CharField()
    quantity = serializers.IntegerField(help_text=_("Now in the cart."))
    cart_count = serializers.IntegerField(help_text=_("Items in the whole cart."))


class ErrorSerializer(serializers.Serializer):
    """Every refusal: a message for the shopper and a stable code."""

    detail = serializers.CharField()
    code = serializers.CharField()


# --- Input -------------------------------------------------------------------


class StartConversationSerializer(serializers.Serializer):
    language = serializers.CharField(max_length=16, required=False, allow_blank=True)
    page_url = serializers.CharField(max_length=500, required=False, allow_blank=True)
    page_product_id = serializers.CharField(
        max_length=64, required=False, allow_blank=True
    )


class PostMessageSerializer(serializers.Serializer):
    # Length and blankness are checked by the service, which answers 413 and
    # 400 with the shopper-facing messages.
    text = serializers.CharField(allow_blank=True, trim_whitespace=False)
    language = serializers.CharField(max_length=16, required=False, allow_blank=True)
    page_product_id = serializers.CharField(
        max_length=64, required=False, allow_blank=True
    )


class OrderLookupSerializer(serializers.Serializer):
    order_number = serializers.CharField(max_length=64)
    email = serializers.EmailField()


class AddToCartSerializer(serializers.Serializer):
    product_id = serializers.CharField(max_length=64)
    quantity = serializers.IntegerField(default=1)
