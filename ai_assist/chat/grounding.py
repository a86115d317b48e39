"""
The check between a generated reply and the shopper.

The small local model phrases replies; it must not add facts. A generated
reply is rejected when it states something the tool results do not hold:

- a number (price, quantity, order number, date, phone number...);
- a name that looks like a product or brand (capitalised words, quoted text);
- an order status ("shipped", "on its way"...);
- a promise (refund, free, guarantee, discount, "will arrive by"...);
- an email address or link.

It is also rejected when it leaves out a fact the reply must carry, or
when it talks about itself instead of answering ("as an AI...", which the
135M model does often). The reply service then answers with its template.
The check is deliberately strict: a false rejection costs only phrasing.
"""

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
_NUMBER_WORDS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "twenty": 20, "thirty": 30, "fifty": 50, "hundred": 100, "thousand": 1000,
    "dozen": 12, "half": None, "percent": None,
}  # fmt: skip
_WORD = re.compile(r"[a-z]+")

# Names: two or more capitalised words in a row ("Red Retrospot Lunch
# Bag", "DHL Express"), or anything in quotes.
_NAME = re.compile(
    r"\b[A-Z][\w'&-]*(?:\s+(?:[A-Z][\w'&-]*|&|of|and|the))*\s+[A-Z][\w'&-]*"
)
# A capitalised word that does not start a sentence.
_INNER_CAPITAL = re.compile(r"(?<![.!?]\s)(?<!^)(?<=\s)([A-Z][a-z][\w'-]*)")
_COMMON_CAPITALS = frozenset(
    "I I'm I'll I've I'd OK Hi Hello Monday Tuesday Wednesday Thursday Friday "
    "Saturday Sunday".split()
)
_QUOTED = re.compile(r"[\"“‘«]([^\"”’»]{2,80})[\"”’»]")
_CONTACT = re.compile(r"\S+@\S+\.\w+|https?://\S+|www\.\S+", re.IGNORECASE)

ORDER_STATUS_WORDS = (
    "placed", "processing", "processed", "shipped", "dispatched", "delivered",
    "cancelled", "canceled", "on its way", "on the way", "out for delivery",
    "in transit", "arrived", "lost", "delayed", "returned", "packed",
)  # fmt: skip

PROMISES = (
    r"refund\w*", r"free", r"guarantee\w*", r"warrant\w*", r"discount\w*",
    r"\d+\s*%", r"percent", r"off\b.*price", r"coupon\w*", r"voucher\w*",
    r"compensat\w*", r"replacement\w*", r"money.back", r"promise\w*",
    r"will (?:arrive|be delivered|reach)", r"arriv\w* (?:by|on|within|tomorrow|today)",
    r"deliver\w* (?:by|on|within|tomorrow|today)", r"tomorrow", r"next.day",
    r"same.day", r"in stock", r"out of stock", r"available",
    r"compatible", r"fits?\b", r"works? with",
)  # fmt: skip
_PROMISE = [re.compile(rf"\b{p}", re.IGNORECASE) for p in PROMISES]

# The model describing itself, refusing, or drifting into another story.
OFF_SCRIPT = (
    r"as an ai", r"as a (?:chat ?bot|language model|virtual|digital)",
    r"language model", r"i don'?t have (?:access|the ability|real|personal)",
    r"i(?:'m| am) (?:not able|unable)", r"i can(?:no|')t (?:help|assist|access)",
    r"sorry for your loss", r"my (?:shop|store)\b", r"real.world",
    r"sorry for (?:any|the) confusion", r"as (?:an?|your) (?:\w+ )?assistant",
    r"i speciali[sz]e", r"my (?:primary )?(?:function|capabilities|purpose)",
)  # fmt: skip
_OFF_SCRIPT = [re.compile(p, re.IGNORECASE) for p in OFF_SCRIPT]


def is_off_script(text):
    """Whether the text has the model talking about itself or refusing.

    Checked on every streamed piece, so such a reply stops at once.
    """
    return any(p.search(text) for p in _OFF_SCRIPT)


def _decimal(text):
    try:
        return Decimal(text.replace(",", "")).normalize()
    except InvalidOperation:
        return None


def numbers_in(text):
    """Return the set of numbers written in digits in ``text`` (as Decimals)."""
    found = set()
    for match in _NUMBER.findall(text or ""):
        value = _decimal(match.rstrip(".,"))
        if value is not None:
            found.add(value)
    return found


@dataclass
class Facts:
    """What a generated reply may state: the tool results as text.

    ``texts`` are fact sentences (product titles with prices, order
    status lines, knowledge article text, the templated reply). ``required``
    are phrases the reply must contain, for answers that are pointless
    without them (an order's status).
    """

    texts: list[str] = field(default_factory=list)
    required: list[str] = field(default_factory=list)

    def add(self, *texts):
        self.texts.extend(str(t) for t in texts if t)

    @property
    def blob(self):
        return "\n".join(self.texts).lower()

    @property
    def numbers(self):
        found = set()
        for text in self.texts:
            found |= numbers_in(text)
        return found


@dataclass
class Verdict:
    """The outcome of :func:`check_reply`: ``ok`` and, if not, why."""

    ok: bool
    problems: list[str] = field(default_factory=list)

    def __bool__(self):
        return self.ok


def check_reply(text, facts):
    """Check a generated reply against the tool results it was given.

    Returns a :class:`Verdict`; its ``problems`` name each kind of claim
    that was not backed (never the customer's data, so they may be logged).
    """
    if not text or not text.strip():
        return Verdict(False, ["empty"])
    blob = facts.blob
    problems = [
        *_unbacked_numbers(text, facts.numbers, blob),
        *_unbacked_names(text, blob),
        *_unbacked_claims(text, blob),
    ]
    if is_off_script(text):
        problems.append("off script")
    if any(r.lower() not in text.lower() for r in facts.required):
        problems.append("missing fact")
    return Verdict(not problems, problems)


def _unbacked_numbers(text, allowed, blob):
    if any(n not in allowed for n in numbers_in(text)):
        yield "number"
    for word in _WORD.findall(text.lower()):
        if word in _NUMBER_WORDS and not re.search(rf"\b{word}\b", blob):
            value = _NUMBER_WORDS[word]
            if value is None or Decimal(value) not in allowed:
                yield "number word"
                return


def _unbacked_names(text, blob):
    for name in _NAME.findall(text):
        # "The Lunch Bag" or "Lovely Lunch Bag": leading words may be the
        # sentence's own, so any tail of two or more words may match.
        words = name.lower().split()
        tails = (" ".join(words[i:]) for i in range(len(words) - 1))
        if not any(tail in blob for tail in tails):
            yield "name"
            return
    for quoted in _QUOTED.findall(text):
        if quoted.strip().lower() not in blob:
            yield "name"
            return
    # A capitalised word inside a sentence is a name too ("a market in
    # Ashkelon, Israel", said SmolLM2 of an order it had never seen).
    for word in _INNER_CAPITAL.findall(text):
        if word not in _COMMON_CAPITALS and not re.search(
            rf"\b{re.escape(word.lower())}\b", blob
        ):
            yield "name"
            return
    if any(c.lower().rstrip(".,") not in blob for c in _CONTACT.findall(text)):
        yield "contact"


def _unbacked_claims(text, blob):
    lowered = text.lower()
    for status in ORDER_STATUS_WORDS:
        if re.search(rf"\b{status}\b", lowered) and not re.search(
            rf"\b{status}\b", blob
        ):
            yield "order status"
            break
    if any(p.search(text) and not p.search(blob) for p in _PROMISE):
        yield "promise"
