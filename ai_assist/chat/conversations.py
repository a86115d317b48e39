"""
Conversation services: everything the chat API, the CLI and the reply task
do, as plain functions.

The flow of one shopper message:

1. :func:`post_message` checks the text, stores it as a ``queued``
   :class:`~ai_assist.models.Message` and queues the ``ai_assist.generate_reply``
   task on commit. No model runs in the request.
2. The task calls :func:`generate_reply`, which claims the one reply row
   (``reply_to`` is unique), calls the reply builder with a callback that
   publishes each token to the message's stream, and saves the reply
   ``done`` with its cards, or ``failed`` with the reason.
3. The SSE view relays the stream (see :mod:`ai_assist.chat.streams`); the
   polling view reads the same events and the database.

Without a broker (``CELERY_TASK_ALWAYS_EAGER``) step 2 runs through the very
same task, started in a background thread once the request's transaction
commits (``CHAT_EAGER_THREAD``), and the stream is an in-process channel.
"""

import logging
import threading
import time
from datetime import timedelta

from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from ..adapters import get_adapter
from ..conf import ai_settings
from ..models import Conversation, Message
from ..signals import assistant_replied, handoff_requested
from .streams import FINAL_EVENTS, get_stream

logger = logging.getLogger(__name__)

# Longest failure reason kept on a message.
MAX_REASON_LENGTH = 500
# The most of one product the chat adds to a cart at once.
MAX_CART_QUANTITY = 99
# Session key listing a guest's conversations, and how many it keeps.
SESSION_CONVERSATIONS = "ai_assist_conversations"
MAX_REMEMBERED = 20


class ChatError(Exception):
    """A request the chat refuses; ``message`` is written for the shopper.

    ``status`` is the HTTP status the API answers with and ``code`` a stable
    machine-readable name.
    """

    def __init__(self, message, *, status=400, code="invalid", retry_after=None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.retry_after = retry_after


# --- Conversations -----------------------------------------------------------


def start_conversation(
    *, user=None, session_key="", language="", page_url="", page_product_id=""
):
    """Create a conversation owned by ``user`` or, for a guest, ``session_key``."""
    if user is not None and not user.is_authenticated:
        user = None
    if user is None and not session_key:
        raise ChatError(_("A guest conversation needs a session."), code="no_session")
    conversation = Conversation.objects.create(
        user=user,
        session_key="" if user else session_key,
        language=(language or "")[:16],
        page_url=(page_url or "")[:500],
        page_product_id=str(page_product_id or "")[:64],
    )
    logger.info(
        "conversation %s: started (%s)", conversation.pk, "user" if user else "guest"
    )
    return conversation


def remember_guest_conversation(session, conversation):
    """Note a guest's conversation in their session, for adoption at sign-in."""
    ids = [i for i in session.get(SESSION_CONVERSATIONS, []) if i]
    ids = [*ids, str(conversation.public_id)][-MAX_REMEMBERED:]
    session[SESSION_CONVERSATIONS] = ids
    session.modified = True


def adopt_guest_conversations(session, user):
    """Give a user the guest conversations noted in their session.

    Called when a guest signs in; returns how many conversations moved.
    """
    ids = session.pop(SESSION_CONVERSATIONS, [])
    if not ids or user is None:
        return 0
    count = Conversation.objects.filter(public_id__in=ids, user__isnull=True).update(
        user=user, session_key=""
    )
    if count:
        logger.info("user %s: adopted %d guest conversations", user.pk, count)
    return count


def get_conversation(public_id, *, user=None, session_key=""):
    """Return the conversation if this user or guest session owns it.

    Raises ``Conversation.DoesNotExist`` for one that does not exist and,
    alike, for one that belongs to someone else.
    """
    owned = Conversation.objects.owned_by(user=user, session_key=session_key)
    return owned.get(public_id=public_id)


def get_user_message(conversation, message_id):
    """Return a shopper message of this conversation, or raise DoesNotExist."""
    return conversation.messages.select_related("reply").get(
        pk=message_id, role=Message.Role.USER
    )


# --- Posting -----------------------------------------------------------------


def check_message_text(text):
    """Return the text to store, or raise :class:`ChatError` (400 or 413)."""
    text = (text or "").strip()
    if not text:
        raise ChatError(_("Please type a message."), code="empty_message")
    limit = ai_settings.MAX_MESSAGE_LENGTH
    if len(text) > limit:
        raise ChatError(
            _("Messages can be at most %(limit)d characters long.") % {"limit": limit},
            status=413,
            code="message_too_long",
        )
    return text


def check_message_rate(conversation):
    """Raise :class:`ChatError` (429) when the owner wrote too often lately.

    The limit counts the shopper's messages over the last minute across all
    their conversations, so starting a new conversation does not reset it.
    """
    since = timezone.now() - timedelta(minutes=1)
    recent = Message.objects.filter(role=Message.Role.USER, created_at__gte=since)
    if conversation.user_id:
        recent = recent.filter(conversation__user_id=conversation.user_id)
    else:
        recent = recent.filter(
            conversation__user__isnull=True,
            conversation__session_key=conversation.session_key,
        )
    if recent.count() >= ai_settings.MESSAGES_PER_MINUTE:
        raise ChatError(
            _("You are sending messages too quickly. Please wait a moment."),
            status=429,
            code="rate_limited",
            retry_after=60,
        )


def post_message(
    conversation, text, *, language="", page_product_id="", cart_product_ids=()
):
    """Store a shopper's message and queue its reply; return the message.

    Raises :class:`ChatError` for an empty or too long text, or when the
    shopper sent too many messages this minute; nothing is stored or queued
    then. The reply task is queued only once the message is committed.
    """
    text = check_message_text(text)
    check_message_rate(conversation)
    context = {
        "page_product_id": str(page_product_id or conversation.page_product_id),
        "cart_product_ids": [str(pid) for pid in cart_product_ids][:50],
    }
    with transaction.atomic():
        message = Message.objects.create(
            conversation=conversation,
            role=Message.Role.USER,
            text=text,
            # Only a language the client names; the builder detects the rest.
            language=(language or "")[:16],
            context=context,
            status=Message.Status.QUEUED,
            timings={"queued_at": timezone.now().isoformat()},
        )
        queue_reply(message.pk)
    logger.info("message %s: queued in conversation %s", message.pk, conversation.pk)
    return message


def queue_reply(message_id):
    """Queue the reply task for a stored message, to run after commit."""
    from ..tasks import generate_reply as task

    if task.app.conf.task_always_eager and ai_settings.CHAT_EAGER_THREAD:
        transaction.on_commit(lambda: _start_eager_thread(task, message_id))
    elif task.app.conf.task_always_eager:
        task.delay_on_commit(message_id)
    else:
        # delay_on_commit, made robust: with the broker down the message is
        # kept and marked failed instead of turning the post into a 500.
        transaction.on_commit(lambda: _send_task(task, message_id))


def _send_task(task, message_id):
    try:
        task.delay(message_id)
    except Exception as exc:
        logger.exception("message %s: could not queue its reply", message_id)
        message = Message.objects.select_related("conversation").get(pk=message_id)
        reply = _claim_reply(message)
        reason = f"not queued: {type(exc).__name__}: {exc}"[:MAX_REASON_LENGTH]
        _fail_reply(message, reply, reason, dict(message.timings))


def _start_eager_thread(task, message_id):
    thread = threading.Thread(
        target=_run_eager_task,
        args=(task, message_id),
        name=f"ai-assist-reply-{message_id}",
        daemon=True,
    )
    thread.start()


def _run_eager_task(task, message_id):
    # The eager task runs through Celery's own apply(), so retries and
    # errors behave as they would in a worker.
    try:
        task.delay(message_id)
    except Exception:
        logger.exception("message %s: eager reply task failed", message_id)
    finally:
        connections.close_all()  # this thread's connections only


# --- Writing the reply -------------------------------------------------------


def generate_reply(message_id):
    """Write, stream and save the assistant's reply to one shopper message.

    Idempotent: when the message already has a finished reply (done or
    failed) nothing happens and that reply is returned. A reply left
    ``streaming`` by a worker that died is written again into the same row.
    Returns the reply message, or None when the message no longer exists.
    """
    message = (
        Message.objects.select_related("conversation__user")
        .filter(pk=message_id, role=Message.Role.USER)
        .first()
    )
    if message is None:
        logger.warning("message %s: gone before its reply was written", message_id)
        return None
    reply = _claim_reply(message)
    if reply.status in (Message.Status.DONE, Message.Status.FAILED):
        logger.info("message %s: reply %s exists, nothing to do", message.pk, reply.pk)
        return reply

    started = time.monotonic()
    timings = {**message.timings, "started_at": timezone.now().isoformat()}
    Message.objects.filter(pk=message.pk).update(status=Message.Status.STREAMING)
    _publish(message.pk, "start", {"reply_id": reply.pk})

    def on_token(piece):
        if not piece:
            return
        if "first_token_at" not in timings:
            timings["first_token_at"] = timezone.now().isoformat()
            timings["first_token_ms"] = _ms_since_queued(message)
        _publish(message.pk, "token", {"text": str(piece)})

    try:
        builder = import_string(ai_settings.CHAT_REPLY_BUILDER)
        result = builder(
            message.text, context=build_context(message), on_token=on_token
        )
    except Exception as exc:
        logger.exception("message %s: the reply builder failed", message.pk)
        reason = f"{type(exc).__name__}: {exc}"[:MAX_REASON_LENGTH]
        return _fail_reply(message, reply, reason, timings)

    timings["generate_ms"] = round((time.monotonic() - started) * 1000)
    return _finish_reply(message, reply, result, timings)


def _claim_reply(message):
    """Return the message's one reply row, creating it as ``streaming``."""
    reply, created = Message.objects.get_or_create(
        reply_to=message,
        defaults={
            "conversation": message.conversation,
            "role": Message.Role.ASSISTANT,
            "status": Message.Status.STREAMING,
            "language": message.language,
        },
    )
    if not created and reply.status == Message.Status.STREAMING:
        logger.info("message %s: rewriting unfinished reply %s", message.pk, reply.pk)
    return reply


def build_context(message):
    """Return the ReplyContext the reply builder gets for this message.

    The order scope comes from the conversation (its signed-in user, or the
    order a guest proved with number and email), never from message text.
    The language is a hint only when the client named one for the message;
    otherwise the builder detects it from the text.
    """
    from .replies import ReplyContext

    conversation = message.conversation
    earlier = list(
        conversation.messages.filter(
            created_at__lte=message.created_at, status=Message.Status.DONE
        )
        .exclude(pk=message.pk)
        .order_by("-created_at", "-pk")[: ai_settings.CHAT_HISTORY_MESSAGES]
    )
    verified = conversation.has_verified_guest_order
    return ReplyContext(
        user=conversation.user,
        guest_order_number=conversation.guest_order_number if verified else "",
        guest_email=conversation.guest_email if verified else "",
        session_key=conversation.session_key,
        language=message.language or None,
        page_product_id=message.context.get("page_product_id", ""),
        history=[(m.role, m.text) for m in reversed(earlier)],
        cart_product_ids=list(message.context.get("cart_product_ids", [])),
        recent_product_ids=_recent_product_ids(earlier),
    )


def _recent_product_ids(messages, limit=8):
    """Product ids of the latest cards shown, newest first ("this one")."""
    ids = []
    for message in messages:  # newest first
        for card in message.cards or []:
            product_id = card.get("id") if isinstance(card, dict) else None
            if card.get("type", "product") == "product" and product_id:
                if str(product_id) not in ids:
                    ids.append(str(product_id))
        if len(ids) >= limit:
            break
    return ids[:limit]


def _finish_reply(message, reply, result, timings):
    timings["finished_at"] = timezone.now().isoformat()
    timings["total_ms"] = _ms_since_queued(message)
    steps = getattr(result, "timings", None)
    if steps:
        timings["steps"] = to_json(steps)
    with transaction.atomic():
        reply.text = result.text or ""
        reply.intent = (result.intent or "")[:32]
        reply.language = (result.language or message.language or "")[:16]
        reply.cards = to_json(result.cards or [])
        reply.orders = to_json(getattr(result, "orders", None) or [])
        reply.grounded = getattr(result, "grounded", None)
        reply.backend = str(getattr(result, "backend", "") or "")[:64]
        reply.status = Message.Status.DONE
        reply.timings = timings
        reply.save()
        Message.objects.filter(pk=message.pk).update(
            status=Message.Status.DONE,
            intent=reply.intent,
            language=reply.language or message.language,
        )
        handoff = bool(getattr(result, "handoff", False))
        if handoff:
            message.conversation.request_handoff(note=message.text[:500])
    if reply.cards or reply.orders:
        _publish(message.pk, "cards", {"cards": reply.cards, "orders": reply.orders})
    _publish(message.pk, "done", {"reply_id": reply.pk})
    # Signals last: the shopper's stream is complete whatever receivers do.
    if handoff:
        handoff_requested.send(Conversation, conversation=message.conversation)
    assistant_replied.send(Message, message=message, reply=reply)
    logger.info(
        "message %s: reply %s done (intent %s, %s ms)",
        message.pk,
        reply.pk,
        reply.intent or "-",
        timings["total_ms"],
    )
    return reply


def _fail_reply(message, reply, reason, timings):
    timings["finished_at"] = timezone.now().isoformat()
    timings["total_ms"] = _ms_since_queued(message)
    with transaction.atomic():
        reply.text = failure_text()
        reply.status = Message.Status.FAILED
        reply.failure_reason = reason
        reply.timings = timings
        reply.save()
        Message.objects.filter(pk=message.pk).update(status=Message.Status.FAILED)
    _publish(message.pk, "error", {"reply_id": reply.pk, "message": reply.text})
    assistant_replied.send(Message, message=message, reply=reply)
    return reply


def failure_text():
    """What the shopper reads when no reply could be written."""
    return _(
        "Sorry, something went wrong while answering. Please try again, or "
        "contact us at %(email)s."
    ) % {"email": ai_settings.SUPPORT_EMAIL}


def _ms_since_queued(message):
    return round((timezone.now() - message.created_at).total_seconds() * 1000)


def _publish(message_id, event, data):
    # A stream that cannot be reached must not lose the reply: it is saved
    # anyway and the polling endpoint reads it from the database.
    try:
        get_stream().publish(message_id, event, data)
    except Exception as exc:
        logger.warning("message %s: could not publish %s (%s)", message_id, event, exc)


def to_json(value):
    """Return ``value`` as JSON-safe data (Decimals and dates become text)."""
    import json

    return json.loads(json.dumps(value, cls=_Encoder))


class _Encoder(DjangoJSONEncoder):
    def default(self, o):
        import dataclasses

        if dataclasses.is_dataclass(o) and not isinstance(o, type):
            return dataclasses.asdict(o)
        return super().default(o)


# --- Reading a reply ---------------------------------------------------------


def streamed_text(message_id):
    """Return the reply text streamed so far for a message (polling)."""
    events = get_stream().read(message_id)
    text = []
    for event in events:
        if event["event"] == "start":
            text = []  # a retried task streams the reply again from the start
        elif event["event"] == "token":
            text.append(event["data"].get("text", ""))
    return "".join(text)


def iter_reply_events(message, *, timeout, keepalive, after=0):
    """Yield ``(event, data, seq)`` for a message's reply, for the SSE view.

    Tokens and cards come from the stream, after event ``after`` when a
    client resumes. The last item is always ``("done", {"reply": reply})``
    or ``("error", {...})`` with the reply read back from the database.
    ``(None, None, None)`` comes every ``keepalive`` seconds of silence. Gives
    up with an error after ``timeout`` seconds.
    """
    reply = _finished_reply(message.pk)
    if reply is not None:
        yield _final_event(reply)
        return

    # The row is checked at least every second of silence: the task may
    # have finished without reaching this stream (Redis down, or an eager
    # task in another web process's memory).
    check_every = min(keepalive, 1.0)
    deadline = time.monotonic() + timeout
    quiet_since = time.monotonic()
    events = get_stream().listen(message.pk, timeout=check_every, after=after)
    for event in events:
        if event is None:
            reply = _finished_reply(message.pk)
            if reply is not None:
                yield _final_event(reply)
                return
            now = time.monotonic()
            if now > deadline:
                yield "error", {"message": failure_text(), "code": "timeout"}, None
                return
            if now - quiet_since >= keepalive:
                quiet_since = now
                yield None, None, None
            continue
        quiet_since = time.monotonic()
        if event["event"] in FINAL_EVENTS:
            reply = _finished_reply(message.pk)
            if reply is not None:
                yield _final_event(reply, event["seq"])
            else:
                yield "error", {"message": failure_text(), "code": "failed"}, None
            return
        yield event["event"], event["data"], event["seq"]


def wait_for_reply(message, *, timeout):
    """Block until the message's reply is finished; return it, or None.

    Follows the same stream the SSE view relays, so it works with a worker
    in another process (Redis) and with the in-process eager thread alike.
    """
    events = iter_reply_events(message, timeout=timeout, keepalive=1)
    for event, data, _seq in events:
        if event in FINAL_EVENTS:
            return data.get("reply")
    return None


def reply_as_dict(reply):
    """The fields of a finished reply that the CLI prints."""
    return {
        "text": reply.text,
        "intent": reply.intent,
        "language": reply.language,
        "cards": reply.cards,
        "orders": reply.orders,
        "handoff": reply.conversation.handoff_requested,
        "status": reply.status,
    }


def _finished_reply(message_id):
    return Message.objects.filter(
        reply_to_id=message_id,
        status__in=[Message.Status.DONE, Message.Status.FAILED],
    ).first()


def _final_event(reply, seq=None):
    if reply.status == Message.Status.FAILED:
        data = {"message": reply.text or failure_text(), "code": "failed"}
        return "error", {**data, "reply": reply}, seq
    return "done", {"reply": reply}, seq


# --- Guest orders and the cart -----------------------------------------------


def verify_guest_order(conversation, number, email):
    """Let a guest prove an order by number and email; return OrderData or None.

    On a match the credentials are kept on the conversation, so later
    questions about "my order" may use it. A wrong pair and an unknown number
    give the same None. Raises :class:`ChatError` (429) after too many tries.
    """
    number, email = (number or "").strip(), (email or "").strip()
    if not number or not email:
        raise ChatError(_("Please give both the order number and the email."))
    key = f"ai_assist:order_lookups:{conversation.pk}"
    cache.add(key, 0, 60)
    if cache.incr(key) > ai_settings.ORDER_LOOKUPS_PER_MINUTE:
        raise ChatError(
            _("Too many order look-ups. Please wait a minute and try again."),
            status=429,
            code="rate_limited",
            retry_after=60,
        )
    order = get_adapter().get_order_for_guest(number, email)
    if order is None:
        logger.info(
            "conversation %s: guest order look-up found nothing", conversation.pk
        )
        return None
    conversation.guest_order_number = order.number
    conversation.guest_email = email
    conversation.guest_verified_at = timezone.now()
    conversation.save(
        update_fields=[
            "guest_order_number",
            "guest_email",
            "guest_verified_at",
            "updated_at",
        ]
    )
    logger.info("conversation %s: guest order verified", conversation.pk)
    return order


def order_not_found_text():
    """The one answer for a wrong pair and for an unknown order number alike."""
    return _("No order matches that order number and email.")


def add_product_to_cart(request, product_id, quantity=1):
    """Put a product from a chat card into the shopper's cart.

    Reads the product live: it must exist, be published and be in stock.
    Returns the cart as ``{product_id: quantity}``; raises :class:`ChatError`
    otherwise.
    """
    try:
        quantity = int(quantity)
    except (TypeError, ValueError):
        quantity = 0
    if not 1 <= quantity <= MAX_CART_QUANTITY:
        raise ChatError(
            _("Quantity must be between 1 and %(max)d.") % {"max": MAX_CART_QUANTITY}
        )
    adapter = get_adapter()
    product = adapter.get_product(str(product_id))
    if product is None or not product.is_published:
        raise ChatError(_("That product is not available."), status=404)
    if not product.in_stock:
        raise ChatError(_("Sorry, that product is out of stock."), code="out_of_stock")
    return adapter.add_to_cart(request, product.id, quantity)


def order_card(order):
    """Return an order (OrderData) as the card the widget shows, JSON-safe.

    The same shape the reply builder puts in ``Reply.orders``.
    """
    from .tools import order_card as card

    return to_json(card(order))


# --- Staff -------------------------------------------------------------------


def mark_handoffs_handled(queryset):
    """Mark these conversations' hand-off requests as handled; return how many."""
    waiting = queryset.filter(handoff_requested=True, handoff_handled_at__isnull=True)
    count = waiting.update(handoff_handled_at=timezone.now(), updated_at=timezone.now())
    logger.info("conversations: %d hand-offs marked handled", count)
    return count
