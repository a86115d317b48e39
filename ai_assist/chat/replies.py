"""
The reply service: from a shopper's message to a grounded answer.

:func:`build_reply` routes the message to an intent, calls the tools that
hold the facts (:mod:`ai_assist.chat.tools`), builds cards from the store's
data, and writes a templated answer (:mod:`ai_assist.chat.answers`). In
English, the configured generator may then write small talk, or an opening
sentence before a search answer (see ``PHRASING``); its text is streamed
sentence by sentence, and only sentences that pass the grounding check
(:mod:`ai_assist.chat.grounding`) are kept. The facts themselves (product
lines, order state, policy text) always come from the templates. Chinese
replies come from templates and retrieval only: the packaged model cannot
write Chinese.

Streaming contract for callers: ``on_token`` receives pieces of text as
they are ready; ``Reply.text`` is the final text. The pieces normally join
to exactly ``Reply.text``, but a caller must still show ``Reply.text`` at
the end (the widget's "done" event does), in case a backend streamed
something the check then replaced.
"""

import logging
import re
import time
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured
from django.utils import translation

from ..conf import ai_settings
from ..llm import GeneratorError, get_generator
from ..llm.base import StopGeneration
from . import answers, tools
from .grounding import Facts, check_reply, is_off_script

logger = logging.getLogger(__name__)

INTENTS = (
    "product_search", "product_question", "recommendation", "order_status",
    "order_change", "shipping", "returns_refunds", "payment", "account",
    "human_handoff", "feedback", "smalltalk",
)  # fmt: skip

# How much the generator may write: a lead of a sentence or two, or a
# short small-talk answer. Short replies keep a 2-core CPU within budget.
LEAD_TOKENS = 40
SMALLTALK_TOKENS = 60
# How much of the conversation goes into the prompt, at most, before it is
# trimmed further to fit the model's context.
HISTORY_TURNS = 6
HISTORY_CHARS = 300
MESSAGE_CHARS = 1000

# What the generator may write, per intent. "reply": the whole answer (no
# facts are involved); "opener": a sentence before the templated answer,
# which stays whole. A backend's PHRASE_INTENTS option narrows the list.
# Intents not listed are answered by templates alone: in order, policy,
# product-fact and hand-off answers the template IS the message, and the
# 135M model, given the chance, replaced "no such order" with a market in
# Ashkelon.
PHRASING = {
    "smalltalk": "reply",
    "product_search": "opener",
    "recommendation": "opener",
}

PHRASE_PROMPT = (
    "You are the shopping assistant of an online store. Write one short, "
    "friendly sentence to the customer that introduces the results below. "
    "The results are shown after your sentence, so do not repeat them: no "
    "product names, prices, numbers, dates or promises."
)
SMALLTALK_PROMPT = (
    "You are the friendly shopping assistant of an online store. Answer the "
    "customer in one or two short sentences. You can search the catalogue, "
    "check their orders, and answer questions about shipping, returns and "
    "payment. Never state prices, numbers, product names or promises."
)


@dataclass
class ReplyContext:
    """What the reply service knows besides the message, from the request.

    ``user`` (or None) and the guest's proven ``guest_order_number`` and
    ``guest_email`` set whose orders may be shown. ``language`` is a hint
    ("en", "zh-hans"); None detects it from the text. ``page_product_id``
    is the product the page shows; ``recent_product_ids`` the products of
    the latest cards in the conversation, most relevant first, which
    resolve "this product" when the page shows none. ``history`` is the
    conversation so far as ``(role, text)``, oldest first.
    """

    user: object = None
    guest_order_number: str = ""
    guest_email: str = ""
    session_key: str = ""
    language: str | None = None
    page_product_id: str = ""
    history: list = field(default_factory=list)
    cart_product_ids: list = field(default_factory=list)
    recent_product_ids: list = field(default_factory=list)

    @property
    def order_scope(self):
        return tools.OrderScope(
            user=self.user,
            guest_order_number=self.guest_order_number or "",
            guest_email=self.guest_email or "",
        )


@dataclass
class Reply:
    """The assistant's answer.

    ``cards`` holds product cards and order cards (``"type"`` tells them
    apart); ``orders`` repeats the order cards. ``handoff`` asks the caller
    to flag the conversation for staff. ``grounded`` is False when the
    generator wrote something the check rejected (the text then holds the
    template instead). ``backend`` names the generator whose text is in the
    reply ("templates" when none). ``timings`` are milliseconds per step.
    """

    text: str
    intent: str
    language: str
    cards: list = field(default_factory=list)
    orders: list = field(default_factory=list)
    handoff: bool = False
    grounded: bool = True
    backend: str = "templates"
    timings: dict = field(default_factory=dict)
    confidence: float | None = None
    problems: list = field(default_factory=list)


@dataclass
class _Turn:
    """One intent's tool results, shaped for the reply."""

    answer: answers.Answer
    cards: list = field(default_factory=list)
    orders: list = field(default_factory=list)
    facts: list = field(default_factory=list)


# --- The service ------------------------------------------------------------


def build_reply(text, *, context, on_token=None):
    """Answer one shopper message; return a :class:`Reply`.

    ``context`` is a :class:`ReplyContext`. ``on_token`` (optional) is
    called with each piece of the reply as it is ready. Never raises for a
    generator failure: the templated answer is used instead.
    """
    started = time.monotonic()
    timings = {}
    language = reply_language(text, context.language)
    intent, confidence = _route(text, language)
    timings["route_ms"] = _ms(started)

    with translation.override(language):
        turn = HANDLERS.get(intent, _search)(text, context, language)
        timings["tools_ms"] = _ms(started) - timings["route_ms"]
        stream = _Stream(on_token, started, timings)
        phrased = _phrase(intent, text, context, language, turn, stream)

    lead, backend, problems = phrased
    reply_text = stream.finish(lead, turn.answer.details)
    timings["total_ms"] = _ms(started)
    logger.info(
        "reply: intent %s, backend %s, %s ms%s",
        intent,
        backend,
        timings["total_ms"],
        f", rejected ({', '.join(problems)})" if problems else "",
    )
    return Reply(
        text=reply_text,
        intent=intent,
        language=language,
        cards=[*turn.cards, *turn.orders],
        orders=turn.orders,
        handoff=turn.answer.handoff,
        grounded=not problems,
        backend=backend,
        timings=timings,
        confidence=confidence,
        problems=problems,
    )


def reply_language(text, hint=None):
    """The reply's language: "zh-hans" for Chinese, otherwise "en"."""
    if not hint:
        from .router import detect_language

        hint = detect_language(text)
    return "zh-hans" if hint.lower().startswith("zh") else "en"


def _route(text, language):
    from .router import route

    result = route(text, language=language)
    intent = result.intent if result.intent in INTENTS else "product_search"
    return intent, round(float(result.confidence), 4)


def _ms(since):
    return round((time.monotonic() - since) * 1000)


# --- Intents to tools -------------------------------------------------------


def _search(text, context, language):
    result = tools.search_catalogue(text, language=language)
    return _Turn(answers.search_answer(result), cards=result["products"])


def _product_question(text, context, language):
    if _names_a_price_limit_and_a_thing(text):
        # "cake stand under £10" asks for products, whatever page it is
        # typed on; "is it under £10?" stays a question about the product.
        return _search(text, context, language)
    candidates = [context.page_product_id, *context.recent_product_ids]
    for product_id in filter(None, candidates):
        facts = tools.get_product_facts(product_id, question=text)
        if facts is not None:
            return _Turn(
                answers.product_answer(facts, text),
                cards=[facts["product"]],
                facts=[facts["description"]],
            )
    result = tools.search_catalogue(text, language=language)
    return _Turn(answers.no_product_answer(result), cards=result["products"])


def _names_a_price_limit_and_a_thing(text):
    from ..retrieval.search import analyze, parse_query

    parsed = parse_query(text)
    has_limit = parsed.min_price is not None or parsed.max_price is not None
    return has_limit and bool(analyze(parsed.keywords))


def _recommendation(text, context, language):
    result = tools.recommend_products(
        product_id=context.page_product_id
        or next(iter(context.recent_product_ids), None),
        user=context.user,
        cart_product_ids=context.cart_product_ids,
    )
    if not result["products"]:
        return _search(text, context, language)
    return _Turn(answers.recommendation_answer(result), cards=result["products"])


def _orders(text, context):
    """The order tool's result, its cards labelled in the reply's language."""
    result = tools.get_order_status(
        context.order_scope, number=tools.find_order_number(text)
    )
    for card in result["orders"]:
        card["status_label"] = answers.status_label(card["status"])
    return result


def _order_status(text, context, language):
    result = _orders(text, context)
    return _Turn(answers.order_answer(result), orders=result["orders"])


def _order_change(text, context, language):
    order = _orders(text, context)
    policy = tools.search_policies(text, language=language, topic="orders")
    answer = answers.policy_answer(policy)
    handoff = answers.handoff_answer(
        tools.request_handoff(), has_email=_has_email(context)
    )
    answer.details.append(handoff.lead)
    answer.handoff = True
    return _Turn(answer, orders=order["orders"], facts=_bodies(policy))


def _policy(topic):
    def handler(text, context, language):
        result = tools.search_policies(text, language=language, topic=topic)
        return _Turn(answers.policy_answer(result), facts=_bodies(result))

    return handler


def _handoff(text, context, language):
    result = tools.request_handoff()
    return _Turn(answers.handoff_answer(result, has_email=_has_email(context)))


def _feedback(text, context, language):
    return _Turn(answers.feedback_answer())


def _smalltalk(text, context, language):
    return _Turn(answers.smalltalk_answer())


def _has_email(context):
    user = context.user
    signed_in = user is not None and getattr(user, "is_authenticated", False)
    return bool(context.guest_email or (signed_in and getattr(user, "email", "")))


def _bodies(policy):
    return [article["body"] for article in policy["articles"]]


HANDLERS = {
    "product_search": _search,
    "product_question": _product_question,
    "recommendation": _recommendation,
    "order_status": _order_status,
    "order_change": _order_change,
    "shipping": _policy("shipping"),
    "returns_refunds": _policy("returns"),
    "payment": _policy("payment"),
    "account": _policy("account"),
    "human_handoff": _handoff,
    "feedback": _feedback,
    "smalltalk": _smalltalk,
}


# --- Phrasing by the generator ------------------------------------------------


def _phrase(intent, text, context, language, turn, stream):
    """Return ``(lead, backend, problems)``; the lead streams as it is approved.

    The generator writes only in English and only the lead; sentences are
    checked one by one against the tool results and the generation stops
    at the first sentence that fails. With no approved sentence the
    templated lead is used.
    """
    template = turn.answer.lead
    if language != "en" or intent not in PHRASING:
        return template, "templates", []
    try:
        generator = get_generator()
    except (ImproperlyConfigured, ImportError):
        logger.exception("reply: generator %s unavailable", ai_settings.GENERATOR)
        return template, "templates", []
    allowed = generator.options.get("PHRASE_INTENTS", PHRASING)
    if not generator.uses_model or intent not in allowed:
        return template, "templates", []
    mode = PHRASING[intent]

    facts = Facts()
    facts.add(turn.answer.text, *turn.facts)
    if mode == "reply":
        system, max_tokens = SMALLTALK_PROMPT, SMALLTALK_TOKENS
    else:
        system = PHRASE_PROMPT + "\n\nResults:\n" + turn.answer.text[:800]
        max_tokens = LEAD_TOKENS
    # The backend's MAX_NEW_TOKENS caps both lengths.
    max_tokens = min(max_tokens, generator.max_new_tokens)
    gate = _SentenceGate(facts, stream.emit, limit=2 if mode == "reply" else 1)
    started = time.monotonic()
    try:
        messages = _prompt(generator, system, context.history, text, max_tokens)
        generator.generate(messages, max_new_tokens=max_tokens, on_token=gate.feed)
        gate.finish()
    except GeneratorError as exc:
        logger.warning("reply: generator %s failed (%s)", generator.name, exc)
    stream.timings["generate_ms"] = _ms(started)
    if not gate.approved:
        return template, "templates", gate.problems
    lead = "".join(gate.approved)
    if mode == "opener" or gate.problems:
        # The approved sentences have been streamed already; the template's
        # lead follows them (in place of any sentence that failed).
        lead = f"{lead} {template}"
    return lead, generator.name, gate.problems


def _prompt(generator, system, history, text, reply_tokens):
    """Chat messages for the generator, history trimmed from the oldest."""
    user = {"role": "user", "content": text[:MESSAGE_CHARS]}
    head = {"role": "system", "content": system}
    budget = generator.context_tokens - reply_tokens
    budget -= generator.count_tokens(system) + generator.count_tokens(user["content"])
    turns = []
    for role, past in reversed(list(history)[-HISTORY_TURNS:]):
        if role not in ("user", "assistant") or not past:
            continue
        content = past[:HISTORY_CHARS]
        cost = generator.count_tokens(content) + 4  # role markers
        if cost > budget:
            break
        budget -= cost
        turns.append({"role": role, "content": content})
    return [head, *reversed(turns), user]


_SENTENCE_END = re.compile(r"[.!?。！？](?=\s)")


class _SentenceGate:
    """Let generated text through one checked sentence at a time."""

    def __init__(self, facts, emit, *, limit):
        self.facts = facts
        self.emit = emit
        self.limit = limit
        self.buffer = ""
        self.approved = []
        self.problems = []
        self.closed = False

    def feed(self, piece):
        self.buffer += piece
        if is_off_script(self.buffer):
            # No need to wait for the end of a sentence that cannot pass.
            self.problems = ["off script"]
            self.closed = True
            raise StopGeneration
        while match := _SENTENCE_END.search(self.buffer):
            sentence = self.buffer[: match.end()]
            self.buffer = self.buffer[match.end() :]
            self._take(sentence)

    def finish(self):
        """Check what is left once the generator stopped by itself."""
        if self.buffer.strip() and not self.closed:
            try:
                self._take(self.buffer)
            except StopGeneration:
                pass
        self.buffer = ""

    def _take(self, sentence):
        candidate = "".join([*self.approved, sentence])
        verdict = check_reply(candidate, self.facts)
        if not verdict.ok:
            self.problems = verdict.problems
            self.closed = True
            raise StopGeneration
        if not self.approved:
            sentence = sentence.lstrip()
        self.approved.append(sentence)
        self.emit(sentence)
        if len(self.approved) >= self.limit:
            self.closed = True
            raise StopGeneration


class _Stream:
    """Hands pieces to ``on_token`` and records when the first one left."""

    def __init__(self, on_token, started, timings):
        self.on_token = on_token
        self.started = started
        self.timings = timings
        self.pieces = []

    def emit(self, piece):
        if not piece:
            return
        if not self.pieces:
            self.timings["first_token_ms"] = _ms(self.started)
        self.pieces.append(piece)
        if self.on_token is not None:
            self.on_token(piece)

    def finish(self, lead, details):
        """Stream whatever is still unsent and return the full reply text."""
        sent = "".join(self.pieces)
        self.emit(lead[len(sent) :] if lead.startswith(sent) else lead)
        for line in details:
            self.emit("\n" + line)
        return "".join(self.pieces).strip()
