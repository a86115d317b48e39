"""
Templated answers: the words of every reply that the model does not write.

Each function turns one tool's result into a :class:`Answer`: a short
``lead`` (which a generator may rephrase in English) and ``details``
(product lines, the order's state, the policy text) that always come from
the tool result verbatim. Strings are translatable; callers activate the
reply's language first.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..conf import ai_settings
from ..formatting import format_price

# Words that make a product question about price or stock only, which the
# product facts answer without the description.
PRICE_STOCK_WORDS = (
    "price", "cost", "how much", "stock", "available", "availability",
    "价格", "多少钱", "价钱", "库存", "有货", "有没有货",
)  # fmt: skip


@dataclass
class Answer:
    """A templated reply: a lead sentence, details, and facts behind them."""

    lead: str
    details: list[str] = field(default_factory=list)
    handoff: bool = False

    @property
    def text(self):
        return "\n".join([self.lead, *self.details]).strip()


def _date(value):
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return formats.date_format(value, "DATE_FORMAT")


def _stock_line(card):
    if card["stock"] is None:
        return _("in stock") if card["in_stock"] else _("out of stock")
    if card["in_stock"]:
        return _("%(count)s in stock") % {"count": card["stock"]}
    return _("out of stock")


def product_line(card):
    """One product as a line of text: title, price and stock."""
    price = format_price(card["price"], card["currency"])
    return f"- {card['title']}: {price} ({_stock_line(card)})"


# --- Products ---------------------------------------------------------------


def search_answer(result):
    """The answer to a product search: what was found, or that nothing was."""
    products = result["products"]
    max_price = result["filters"].get("max_price")
    if not products:
        lead = _("Sorry, I couldn't find anything in our catalogue that matches.")
        details = []
        if max_price:
            details.append(
                _("I looked for items priced up to %(price)s.")
                % {"price": format_price(max_price, ai_settings.DEFAULT_CURRENCY)}
            )
        details.append(
            _("Try other words, or ask me to pass your question to our team.")
        )
        return Answer(lead, details)
    lead = ngettext(
        "Here is %(count)d product from our catalogue that matches:",
        "Here are %(count)d products from our catalogue that match:",
        len(products),
    ) % {"count": len(products)}
    return Answer(lead, [product_line(card) for card in products])


def product_answer(facts, question):
    """The answer to a question about one product, honest about gaps."""
    card = facts["product"]
    # Some catalogues end titles with a full stop ("Lunch Bag Black Skull.").
    title = card["title"].rstrip(". ")
    lead = _("Here is what I know about %(title)s:") % {"title": title}
    details = [
        _("Price: %(price)s, %(stock)s.")
        % {
            "price": format_price(card["price"], card["currency"]),
            "stock": _stock_line(card),
        }
    ]
    lowered = question.lower()
    if any(word in lowered for word in PRICE_STOCK_WORDS):
        return Answer(lead, details)
    if facts["matching_sentences"]:
        quoted = " ".join(facts["matching_sentences"])
        details.append(_("The description says: %(text)s") % {"text": quoted})
        details.append(
            _("If that doesn't answer your question, I can ask our team for you.")
        )
    else:
        details.append(
            _(
                "The product description doesn't say. I can pass your question "
                "to our team if you like."
            )
        )
    return Answer(lead, details)


def no_product_answer(result):
    """A product question without a product in view: offer matches."""
    answer = search_answer(result)
    if result["products"]:
        answer.lead = _(
            "Which product do you mean? These match your question; open one "
            "and ask me again:"
        )
    return answer


def recommendation_answer(result):
    products = result["products"]
    if not products:
        return Answer(
            _(
                "I don't have suggestions right now. Tell me what you are "
                "looking for and I'll search the catalogue."
            )
        )
    return Answer(_("You might like these:"), [product_line(card) for card in products])


# --- Orders -----------------------------------------------------------------


def status_label(status):
    """The order status as words for the shopper, translated."""
    labels = {
        "placed": _("placed"),
        "processing": _("being prepared"),
        "shipped": _("shipped"),
        "delivered": _("delivered"),
        "cancelled": _("cancelled"),
    }
    return labels.get(status, status)


def order_lines(card):
    """The order's state as lines: status, shipping, delivery, contents."""
    lines = [_("Status: %(status)s.") % {"status": status_label(card["status"])}]
    if card["created_at"]:
        lines.append(_("Placed on %(date)s.") % {"date": _date(card["created_at"])})
    if card["shipped_at"]:
        lines.append(_("Shipped on %(date)s.") % {"date": _date(card["shipped_at"])})
    if card["carrier"] or card["tracking_code"]:
        lines.append(
            _("Carrier: %(carrier)s, tracking code: %(code)s.")
            % {"carrier": card["carrier"] or "-", "code": card["tracking_code"] or "-"}
        )
    if card["delivered_at"]:
        lines.append(
            _("Delivered on %(date)s.") % {"date": _date(card["delivered_at"])}
        )
    count = sum(line["quantity"] for line in card["lines"])
    lines.append(
        ngettext(
            "%(count)d item, total %(total)s.",
            "%(count)d items, total %(total)s.",
            count,
        )
        % {"count": count, "total": format_price(card["total"], card["currency"])}
    )
    return lines


def order_answer(result):
    """The answer to an order question, the same for "not yours" and "none"."""
    if result["needs_sign_in"]:
        return Answer(
            _(
                "To check an order, please sign in, or enter your order number "
                "and the email address you ordered with in the order form."
            )
        )
    if not result["orders"]:
        if result["asked_number"]:
            return Answer(
                _(
                    "I couldn't find an order with the number %(number)s. Please "
                    "check the number; I can only show orders placed with your "
                    "own account or email address."
                )
                % {"number": result["asked_number"]}
            )
        return Answer(_("I couldn't find any orders for you yet."))
    card = result["orders"][0]
    lead = _("Here is your order %(number)s:") % {"number": card["number"]}
    return Answer(lead, order_lines(card))


# --- Policies and people ------------------------------------------------------


def policy_answer(result):
    articles = result["articles"]
    if not articles:
        return Answer(
            _(
                "I don't have that information here. I can pass your question "
                "to our team if you like."
            )
        )
    article = articles[0]
    return Answer(
        _("From our page “%(title)s”:") % {"title": article["title"]},
        [article["summary"]],
    )


def handoff_answer(result, *, has_email):
    """Tell the shopper who takes over, how and when they will hear back."""
    values = {"email": result["email"], "hours": result["hours"]}
    if has_email:
        text = _(
            "I've passed this conversation to our customer service team. They "
            "work %(hours)s and will answer you by email. You can also write "
            "to them at %(email)s."
        )
    else:
        text = _(
            "I've passed this conversation to our customer service team. They "
            "work %(hours)s and will answer here in this chat; to get the "
            "answer by email, write to %(email)s."
        )
    return Answer(text % values, handoff=True)


def feedback_answer():
    return Answer(
        _("Thank you for your feedback. I've passed it on to our team."),
        handoff=True,
    )


def smalltalk_answer():
    return Answer(
        _(
            "Hello! I can help you find products, check your orders and answer "
            "questions about shipping, returns and payment."
        )
    )
