"""What every view of the app's API shares."""

from rest_framework.views import APIView


class APIBaseView(APIView):
    """An API view whose every refusal reads ``{"detail", "code", ...}``.

    DRF's own refusals (a body that is not JSON, a missing CSRF token, a
    404) carry only ``detail``; the code is added, so clients can branch
    on one field whatever refused them.
    """

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        data = response.data
        if isinstance(data, dict) and "detail" in data and "code" not in data:
            data["code"] = getattr(data["detail"], "code", "error")
        return response
