"""
The recommendations API: the widgets' lists as JSON, and a click beacon.

Thin views over :func:`ai_assist.recommend.services.recommend` and
:mod:`ai_assist.recommend.tracking`; the lists are exactly those the
template tags render.
"""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from ..adapters import get_adapter
from ..recommend import tracking
from ..recommend.services import recommend
from . import recommend_serializers as s
from .base import APIBaseView


def _invalid(serializer):
    return Response(
        {
            "detail": "Invalid input.",
            "code": "invalid",
            "fields": serializer.errors,
        },
        status=status.HTTP_400_BAD_REQUEST,
    )


class RecommendationListView(APIBaseView):
    """One recommendation list for the current shopper."""

    authentication_classes = [SessionAuthentication]
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="recommendations_list",
        parameters=[
            OpenApiParameter(
                "kind",
                str,
                required=True,
                enum=["similar", "bought_together", "for_you", "trending"],
            ),
            OpenApiParameter("product", str, description="The page's product id."),
            OpenApiParameter("limit", int, description="1 to 24, default 4."),
        ],
        responses={
            200: s.RecommendationListSerializer,
            400: OpenApiResponse(s.RecommendationErrorSerializer),
            404: OpenApiResponse(
                s.RecommendationErrorSerializer, description="No such product."
            ),
        },
    )
    def get(self, request):
        query = s.RecommendationQuerySerializer(data=request.query_params)
        if not query.is_valid():
            return _invalid(query)
        params = query.validated_data
        product = params.get("product")
        if product and get_adapter().get_product(product) is None:
            # Popular items labelled "similar" would hide a page's bad id.
            return Response(
                {
                    "detail": f"No product with id {product!r}.",
                    "code": "not_found",
                    "fields": {"product": ["No such product."]},
                },
                status=status.HTTP_404_NOT_FOUND,
            )
        items = recommend(
            params["kind"],
            product=params.get("product") or None,
            request=request._request,
            limit=params["limit"],
        )
        data = {
            "kind": params["kind"],
            "results": [
                {
                    "product": {
                        "id": rec.product.id,
                        "title": rec.product.title,
                        "price": rec.product.price,
                        "currency": rec.product.currency,
                        "url": rec.product.url,
                        "image_url": rec.product.image_url,
                        "in_stock": rec.product.in_stock,
                    },
                    "reason": rec.reason,
                    "kind": rec.kind,
                    "token": rec.token,
                    "position": rec.position,
                    "click_url": rec.click_url,
                }
                for rec in items
            ],
        }
        return Response(s.RecommendationListSerializer(data).data)


class RecommendationEventView(APIBaseView):
    """Record a click (or add-to-cart) on a recommended item by its token.

    For widgets that navigate with JavaScript instead of the redirect link.
    No CSRF token is needed: the item token is unguessable and the worst a
    forged call can do is count one click.
    """

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="recommendations_event",
        request=s.RecommendationEventSerializer,
        responses={
            202: OpenApiResponse(description="Recorded."),
            400: OpenApiResponse(s.RecommendationErrorSerializer),
            404: OpenApiResponse(s.RecommendationErrorSerializer),
        },
    )
    def post(self, request):
        event = s.RecommendationEventSerializer(data=request.data)
        if not event.is_valid():
            return _invalid(event)
        django_request = request._request
        impression = tracking.record_click(
            event.validated_data["token"], django_request
        )
        if impression is None:
            return Response(
                {"detail": "Unknown recommendation token.", "code": "not_found"},
                status=status.HTTP_404_NOT_FOUND,
            )
        if event.validated_data["action"] == "cart":
            tracking.attribute_cart(django_request)
        return Response(status=status.HTTP_202_ACCEPTED)
