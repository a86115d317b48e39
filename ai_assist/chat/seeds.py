"""
Starter knowledge articles: generic store policies in English and Chinese.

``seed_knowledge()`` writes them once; the store then edits them in the
admin. ``{email}`` and ``{hours}`` are filled from ``SUPPORT_EMAIL`` and
``SUPPORT_HOURS``. The first paragraph of each body is what the assistant
quotes, so it holds the answer.
"""

KNOWLEDGE_SEEDS = [
    # --- Shipping ---------------------------------------------------------
    {
        "slug": "shipping",
        "language": "en",
        "title": "Shipping and delivery",
        "tags": "shipping, delivery",
        "body": (
            "We dispatch orders within 2 working days. Standard delivery "
            "takes 3 to 5 working days after dispatch, and you get a "
            "tracking code by email as soon as your parcel ships.\n\n"
            "The delivery cost is shown at checkout before you pay. We "
            "deliver to the addresses our checkout accepts; if your "
            "country is not listed, write to {email} and we will tell you "
            "what is possible."
        ),
    },
    {
        "slug": "shipping",
        "language": "zh-hans",
        "title": "配送与运费",
        "tags": "shipping, delivery",
        "body": (
            "我们会在 2 个工作日内发货。发货后标准配送需要 3 到 5 个工作日，"
            "包裹寄出后我们会通过电子邮件发送物流单号。\n\n"
            "运费会在付款前的结算页面显示。如果结算页面没有您所在的国家或地区，"
            "请发邮件到 {email}，我们会告诉您可以怎样配送。"
        ),
    },
    # --- Returns -----------------------------------------------------------
    {
        "slug": "returns",
        "language": "en",
        "title": "Returns and refunds",
        "tags": "returns, refunds",
        "body": (
            "You can return unused items in their original packaging "
            "within 30 days of delivery. Email {email} with your order "
            "number and we will send you the return instructions.\n\n"
            "Once the return reaches us and is checked, we refund the "
            "item price to your original payment method within 14 days. "
            "Items that arrive damaged or faulty are replaced or refunded, "
            "including the cost of sending them back."
        ),
    },
    {
        "slug": "returns",
        "language": "zh-hans",
        "title": "退货与退款",
        "tags": "returns, refunds",
        "body": (
            "未使用且包装完好的商品可在收货后 30 天内退货。请发邮件到 {email}，"
            "注明您的订单号，我们会回复退货说明。\n\n"
            "退货到达并检查后，我们会在 14 天内将商品款项退回您原来的付款方式。"
            "到货时损坏或有质量问题的商品，我们会换货或退款，并承担寄回的运费。"
        ),
    },
    # --- Payment -------------------------------------------------------------
    {
        "slug": "payment",
        "language": "en",
        "title": "Payment",
        "tags": "payment, billing",
        "body": (
            "We accept major credit and debit cards at checkout. Your card "
            "is charged when you place the order, in the currency shown "
            "next to the prices.\n\n"
            "We never see or store your full card number. If a payment "
            "fails or you were charged twice, email {email} with your "
            "order number and we will sort it out."
        ),
    },
    {
        "slug": "payment",
        "language": "zh-hans",
        "title": "付款方式",
        "tags": "payment, billing",
        "body": (
            "结算时可以使用主要的信用卡和借记卡付款。下单时即扣款，"
            "币种为价格旁边显示的币种。\n\n"
            "我们不会查看或保存您的完整卡号。如果付款失败或被重复扣款，"
            "请发邮件到 {email} 并注明订单号，我们会为您处理。"
        ),
    },
    # --- Order changes --------------------------------------------------------
    {
        "slug": "order-changes",
        "language": "en",
        "title": "Changing or cancelling an order",
        "tags": "orders, cancel, change",
        "body": (
            "An order can be changed or cancelled until it has been "
            "dispatched. Email {email} with your order number as soon as "
            "possible and our team will confirm the change.\n\n"
            "Once an order has shipped it can no longer be changed, but "
            "you can return it after delivery."
        ),
    },
    {
        "slug": "order-changes",
        "language": "zh-hans",
        "title": "修改或取消订单",
        "tags": "orders, cancel, change",
        "body": (
            "订单在发货前可以修改或取消。请尽快发邮件到 {email} 并注明订单号，"
            "我们的客服会确认修改。\n\n"
            "订单一旦发货就不能再修改，但您可以在收货后办理退货。"
        ),
    },
    # --- Account ----------------------------------------------------------------
    {
        "slug": "account",
        "language": "en",
        "title": "Your account",
        "tags": "account, password, sign in",
        "body": (
            "Sign in to see your orders and their delivery status. If you "
            "forgot your password, use the password reset link on the "
            "sign-in page.\n\n"
            "To change your email address or close your account, email "
            "{email} from the address you registered with."
        ),
    },
    {
        "slug": "account",
        "language": "zh-hans",
        "title": "您的账户",
        "tags": "account, password, sign in",
        "body": (
            "登录后可以查看您的订单和配送状态。如果忘记密码，"
            "请使用登录页面上的重置密码链接。\n\n"
            "如需更改电子邮件地址或注销账户，请用注册时的邮箱发邮件到 {email}。"
        ),
    },
    # --- Contact ------------------------------------------------------------------
    {
        "slug": "contact",
        "language": "en",
        "title": "Contact us",
        "tags": "contact, help, human",
        "body": (
            "Our customer service team answers by email at {email}, "
            "{hours}. We reply within one working day.\n\n"
            "You can also ask the assistant to pass your question to the "
            "team: they will answer you by email."
        ),
    },
    {
        "slug": "contact",
        "language": "zh-hans",
        "title": "联系我们",
        "tags": "contact, help, human",
        "body": (
            "我们的客服团队通过电子邮件 {email} 为您服务，服务时间：{hours}。"
            "我们会在一个工作日内回复。\n\n"
            "您也可以让智能助手把您的问题转给客服团队，他们会通过电子邮件回复您。"
        ),
    },
]
