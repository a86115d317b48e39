"""Serializers of the recommendations API."""

from rest_framework import serializers

from ..models.recommend import Kind

EVENT_ACTIONS = ["click", "cart"]


class RecommendationQuerySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Kind.choices)
    product = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=64,
        help_text="The page's product id (needed for similar).",
    )
    limit = serializers.IntegerField(
        required=False, default=4, min_value=1, max_value=24
    )

    def validate(self, attrs):
        if attrs["kind"] == Kind.SIMILAR and not attrs.get("product"):
            raise serializers.ValidationError(
                {"product": "The similar list needs a product id."}
            )
        return attrs


class RecommendedProductSerializer(serializers.Serializer):
    id = serializers.CharField()
    title = serializers.CharField()
    price = serializers.DecimalField(
        max_digits=12, decimal_places=2, allow_null=True, coerce_to_string=True
    )
    currency = serializers.CharField()
    url = serializers.CharField()
    image_url = serializers.CharField()
    in_stock = serializers.BooleanField()


class RecommendationSerializer(serializers.Serializer):
    product = RecommendedProductSerializer()
    reason = serializers.CharField()
    kind = serializers.CharField()
    token = serializers.CharField(help_text="Send back with events (clicks).")
    position = serializers.IntegerField()
    click_url = serializers.CharField(
        help_text="Product link that records the click, then redirects."
    )


class RecommendationListSerializer(serializers.Serializer):
    kind = serializers.CharField()
    results = RecommendationSerializer(many=True)


class RecommendationEventSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=32)
    action = serializers.ChoiceField(choices=EVENT_ACTIONS)


class RecommendationErrorSerializer(serializers.Serializer):
    """A refusal: a message, a stable code and the fields at fault."""

    detail = serializers.CharField()
    code = serializers.CharField()
    fields = serializers.DictField(required=False)
