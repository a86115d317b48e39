"""Shopper conversations with the assistant, kept whole in the database."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ConversationQuerySet(models.QuerySet):
    def owned_by(self, *, user=None, session_key=""):
        """Conversations of this signed-in user, or of this guest session."""
        if user is not None and user.is_authenticated:
            return self.filter(user=user)
        if not session_key:
            return self.none()
        return self.filter(user__isnull=True, session_key=session_key)

    def awaiting_handoff(self):
        """Conversations where the shopper asked for staff and nobody replied."""
        return self.filter(handoff_requested=True, handoff_handled_at__isnull=True)


class Conversation(models.Model):
    """
    One chat between a shopper and the assistant.

    A conversation belongs to a signed-in ``user`` or, for a guest, to the
    ``session_key`` of the browser session that started it; nobody else may
    read or write it. ``public_id`` is the only id the API exposes.
    """

    public_id = models.UUIDField(
        _("public id"), default=uuid.uuid4, unique=True, editable=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="ai_assist_conversations",
    )
    session_key = models.CharField(
        _("session key"),
        max_length=64,
        blank=True,
        db_index=True,
        help_text=_("The guest's session; empty for signed-in shoppers."),
    )
    language = models.CharField(_("language"), max_length=16, blank=True)

    # Where the shopper was when the conversation started.
    page_url = models.CharField(_("page URL"), max_length=500, blank=True)
    page_product_id = models.CharField(_("page product id"), max_length=64, blank=True)

    # A guest who proved an order with its number and email.
    guest_order_number = models.CharField(
        _("guest order number"), max_length=64, blank=True
    )
    guest_email = models.EmailField(_("guest email"), blank=True)
    guest_verified_at = models.DateTimeField(
        _("guest order verified at"), null=True, blank=True
    )

    handoff_requested = models.BooleanField(
        _("hand-off wanted"),
        default=False,
        help_text=_("The shopper asked to be contacted by staff."),
    )
    handoff_at = models.DateTimeField(_("hand-off asked at"), null=True, blank=True)
    handoff_note = models.TextField(_("hand-off note"), blank=True)
    handoff_handled_at = models.DateTimeField(
        _("hand-off handled at"), null=True, blank=True
    )

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ConversationQuerySet.as_manager()

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["handoff_requested", "handoff_at"])]

    def __str__(self):
        return str(self.public_id)

    @property
    def has_verified_guest_order(self):
        return bool(self.guest_verified_at and self.guest_order_number)

    def request_handoff(self, note=""):
        """Flag the conversation for staff (the first request's time is kept)."""
        self.handoff_requested = True
        self.handoff_at = self.handoff_at or timezone.now()
        self.handoff_handled_at = None
        if note:
            self.handoff_note = note
        self.save(
            update_fields=[
                "handoff_requested",
                "handoff_at",
                "handoff_handled_at",
                "handoff_note",
                "updated_at",
            ]
        )


class HandoffConversation(Conversation):
    """Conversations waiting for staff: the admin's hand-off queue."""

    class Meta:
        proxy = True
        verbose_name = _("hand-off request")
        verbose_name_plural = _("hand-off queue")


class Message(models.Model):
    """
    One turn of a conversation: the shopper's text or the assistant's reply.

    A shopper's message is stored as ``queued`` before any model runs. The
    reply task then writes exactly one assistant message pointing back at
    it through ``reply_to`` (unique, so a retried task cannot add a second
    reply), streams it, and ends it ``done`` or ``failed``.
    """

    class Role(models.TextChoices):
        USER = "user", _("shopper")
        ASSISTANT = "assistant", _("assistant")

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        STREAMING = "streaming", _("streaming")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    conversation = models.ForeignKey(
        Conversation,
        verbose_name=_("conversation"),
        on_delete=models.CASCADE,
        related_name="messages",
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    text = models.TextField(_("text"), blank=True)
    language = models.CharField(_("language"), max_length=16, blank=True)
    intent = models.CharField(_("intent"), max_length=32, blank=True, db_index=True)
    cards = models.JSONField(
        _("cards"), default=list, blank=True, help_text=_("Product cards shown.")
    )
    orders = models.JSONField(
        _("orders"), default=list, blank=True, help_text=_("Order cards shown.")
    )
    context = models.JSONField(
        _("page context"),
        default=dict,
        blank=True,
        help_text=_("What the shopper's page showed when they wrote (product, cart)."),
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=Status.choices,
        default=Status.QUEUED,
        db_index=True,
    )
    failure_reason = models.TextField(_("failure reason"), blank=True)
    grounded = models.BooleanField(
        _("grounded"),
        null=True,
        blank=True,
        help_text=_("Whether the generated text passed the grounding check."),
    )
    backend = models.CharField(_("backend"), max_length=64, blank=True)
    timings = models.JSONField(
        _("timings"),
        default=dict,
        blank=True,
        help_text=_("queued_at, started_at, first_token_at, finished_at (ISO)."),
    )
    reply_to = models.OneToOneField(
        "self",
        verbose_name=_("reply to"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reply",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["conversation", "created_at"])]

    def __str__(self):
        return f"{self.get_role_display()}: {self.text[:60]}"
