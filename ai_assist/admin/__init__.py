"""The app's admin, one module per feature (as in ``ai_assist.models``)."""

from . import banners, chat, knowledge, recommend  # noqa: F401
