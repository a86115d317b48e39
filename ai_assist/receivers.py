"""Signal receivers, connected in ``AIAssistConfig.ready()``."""

import logging

from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .adapters import get_adapter

logger = logging.getLogger(__name__)

# Functions called with (product_id, deleted) when a host product changes.
# Each feature registers its own refresh here instead of connecting to the
# host model itself, so the host model is resolved once, lazily.
product_change_handlers = []


def on_product_change(func):
    """Register ``func(product_id, deleted)`` to run when a product changes."""
    product_change_handlers.append(func)
    return func


def _product_saved(sender, instance, raw=False, **kwargs):
    if raw:  # fixture loading: indexes are rebuilt in bulk afterwards
        return
    for handler in product_change_handlers:
        handler(str(instance.pk), deleted=False)


def _product_deleted(sender, instance, **kwargs):
    for handler in product_change_handlers:
        handler(str(instance.pk), deleted=True)


def connect_product_signals():
    try:
        model = get_adapter().get_product_model()
    except (LookupError, ImportError, ValueError):
        # A broken setting is reported by the system checks instead.
        logger.debug("product model not resolvable; change signals not connected")
        return
    if model is None:
        return
    post_save.connect(_product_saved, sender=model, dispatch_uid="ai_assist_save")
    post_delete.connect(_product_deleted, sender=model, dispatch_uid="ai_assist_delete")


@receiver(user_logged_in, dispatch_uid="ai_assist_adopt_guest_chats")
def _adopt_guest_conversations(sender, request, user, **kwargs):
    # A guest who signs in keeps the chat they started: login changes the
    # session key, but the session's data (where the ids are kept) survives.
    if request is None or not hasattr(request, "session"):
        return
    from .chat.conversations import adopt_guest_conversations

    adopt_guest_conversations(request.session, user)


@receiver(post_delete, sender="ai_assist.BannerImage", dispatch_uid="ai_banner_file")
def _banner_image_deleted(sender, instance, **kwargs):
    """Remove a banner's file from storage once its row is gone for good."""
    from django.db import transaction

    if instance.image:
        storage, name = instance.image.storage, instance.image.name
        transaction.on_commit(lambda: storage.delete(name))
