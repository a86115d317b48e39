"""django-ai-assist: shopper chat, recommendations and banners for Django stores."""

__version__ = "0.1.0"
