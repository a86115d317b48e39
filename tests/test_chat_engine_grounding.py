"""The grounding check: generated text may not add facts to tool results."""

import pytest

from ai_assist.chat.grounding import Facts, check_reply, numbers_in

RESULTS = Facts(
    [
        "Here are 2 products from our catalogue that match:",
        "- LUNCH BAG RED RETROSPOT: £1.65 (12 in stock)",
        "- JUMBO BAG RED RETROSPOT: £2.08 (out of stock)",
    ]
)


def test_a_price_that_is_not_in_the_results_is_rejected():
    verdict = check_reply("The red lunch bag is only £1.25 today!", RESULTS)

    assert not verdict.ok
    assert "number" in verdict.problems


def test_a_price_from_the_results_passes():
    verdict = check_reply("Good news: the lunch bag costs £1.65.", RESULTS)

    assert verdict.ok, verdict.problems


def test_numbers_compare_by_value():
    assert numbers_in("It costs 1.650 or 1,000 pounds") == numbers_in("1.65 1000")
    assert check_reply("We have 12 of them.", RESULTS).ok


def test_spelled_out_numbers_need_backing_too():
    assert "number word" in check_reply("We have twenty of those.", RESULTS).problems
    assert check_reply("I found two good matches for you.", RESULTS).ok


def test_product_names_not_in_the_results_are_rejected():
    verdict = check_reply("You might also like the Blue Polka Picnic Set.", RESULTS)

    assert "name" in verdict.problems
    assert check_reply("The Lunch Bag Red Retrospot is lovely.", RESULTS).ok
    assert "name" in check_reply('Try our "Retro Tote".', RESULTS).problems


@pytest.mark.parametrize(
    "text",
    [
        "You will get a full refund.",
        "Shipping is free on this order.",
        "It will arrive by Friday.",
        "We guarantee you'll love it.",
        "Use code SAVE for a discount.",
    ],
)
def test_promises_not_in_the_results_are_rejected(text):
    assert "promise" in check_reply(text, RESULTS).problems


def test_a_promise_the_policy_makes_may_be_repeated():
    policy = Facts(["Returns are free within 30 days, with a full refund."])

    assert check_reply("Returns are free and you get a refund.", policy).ok


def test_an_order_status_not_in_the_results_is_rejected():
    order = Facts(["Here is your order 536365:", "Status: being prepared."])

    assert "order status" in check_reply("Your order has shipped.", order).problems
    assert "number" in check_reply("Your order 536366 is ready.", order).problems


@pytest.mark.parametrize(
    "text",
    [
        "As an AI, I don't have access to your orders.",
        "I'm sorry for any confusion, but as a shopping assistant, I can help.",
        "My primary function is to assist customers.",
    ],
)
def test_the_model_talking_about_itself_is_rejected(text):
    assert "off script" in check_reply(text, RESULTS).problems


def test_links_and_emails_need_backing():
    contact = Facts(["Write to help@shop.test."])

    assert check_reply("You can write to help@shop.test.", contact).ok
    assert "contact" in check_reply("Write to boss@shop.test.", contact).problems
    assert "contact" in check_reply("See https://evil.test/x", contact).problems


def test_required_facts_must_be_present():
    facts = Facts(["Status: shipped."], required=["shipped"])

    assert "missing fact" in check_reply("Here it is.", facts).problems
    assert check_reply("It has shipped.", facts).ok


def test_a_place_or_brand_inside_a_sentence_is_a_name_too():
    facts = Facts(["I couldn't find an order with the number 538836."])
    text = "Order 538836 was found at a local market in Ashkelon, Israel."

    assert "name" in check_reply(text, facts).problems
    assert check_reply("Hello! I'm glad you're here. How can I help?", facts).ok
