"""
Shopping words for query understanding: colours and a small zh -> en lexicon.

The catalogue is searched in English; a Chinese query is matched through
the multilingual embedder and, for keyword search, through the
translations below. The list covers common shopping nouns and attributes
(gift-shop and electronics), not a dictionary: words it misses still reach
the multilingual vectors.
"""

# Canonical colour -> the words that name it in product text (English).
COLOURS = {
    "red": ("red", "scarlet", "crimson"),
    "pink": ("pink", "rose"),
    "blue": ("blue", "navy", "turquoise", "teal"),
    "green": ("green", "mint", "olive"),
    "yellow": ("yellow",),
    "orange": ("orange",),
    "purple": ("purple", "violet", "lilac"),
    "brown": ("brown", "chocolate"),
    "black": ("black",),
    "white": ("white", "ivory"),
    "grey": ("grey", "gray"),
    "silver": ("silver",),
    "gold": ("gold", "golden"),
    "beige": ("beige", "cream"),
}

# English words in a query that name a colour, mapped to the canonical name.
COLOUR_WORDS = {
    word: colour for colour, words in COLOURS.items() for word in (colour, *words)
}
COLOUR_WORDS.update({"gray": "grey", "navy": "blue", "cream": "beige"})

# Chinese colour words -> canonical colour. Longer forms come first when
# matching (see ZH_TERMS), so 粉红色 is pink rather than red.
ZH_COLOURS = {
    "红色": "red",
    "红": "red",
    "粉红色": "pink",
    "粉红": "pink",
    "粉色": "pink",
    "蓝色": "blue",
    "蓝": "blue",
    "藏青色": "blue",
    "绿色": "green",
    "绿": "green",
    "黄色": "yellow",
    "黄": "yellow",
    "橙色": "orange",
    "橘色": "orange",
    "紫色": "purple",
    "紫": "purple",
    "棕色": "brown",
    "咖啡色": "brown",
    "褐色": "brown",
    "黑色": "black",
    "黑": "black",
    "白色": "white",
    "白": "white",
    "灰色": "grey",
    "灰": "grey",
    "银色": "silver",
    "金色": "gold",
    "米色": "beige",
    "米白色": "beige",
}

# Chinese shopping words -> English keywords for keyword search. Words
# joined by "|" are alternatives ("mug|cup": either will do); words joined
# by spaces are a phrase ("lunch bag": both).
ZH_WORDS = {
    # bags and boxes
    "午餐袋": "lunch bag",
    "午餐包": "lunch bag",
    "饭袋": "lunch bag",
    "便当袋": "lunch bag",
    "午餐盒": "lunch box",
    "饭盒": "lunch box",
    "便当盒": "lunch box",
    "袋子": "bag",
    "包包": "bag",
    "袋": "bag",
    "包": "bag",
    "手提袋": "tote bag",
    "购物袋": "shopping bag",
    "背包": "backpack",
    "盒子": "box",
    "收纳盒": "storage box",
    "铁盒": "tin",
    "罐子": "jar",
    # kitchen and table
    "杯子": "mug|cup",
    "马克杯": "mug",
    "茶杯": "teacup",
    "杯": "mug|cup",
    "保温杯": "thermos|flask|bottle",
    "保温瓶": "thermos|flask|bottle",
    "水瓶": "bottle",
    "水壶": "bottle",
    "瓶子": "bottle",
    "热水袋": "hot water bottle",
    "茶壶": "teapot",
    "茶具": "tea set",
    "盘子": "plate",
    "碟子": "plate",
    "碗": "bowl",
    "餐巾": "napkins",
    "蛋糕架": "cake stand",
    "蛋糕": "cake",
    "围裙": "apron",
    # home
    "蜡烛": "candle",
    "烛台": "candle holder",
    "灯笼": "lantern",
    "灯": "light",
    "时钟": "clock",
    "闹钟": "alarm clock",
    "挂钟": "wall clock",
    "钟": "clock",
    "靠垫": "cushion",
    "抱枕": "cushion",
    "门垫": "doormat",
    "地垫": "mat",
    "相框": "photo frame",
    "镜子": "mirror",
    "花瓶": "vase",
    "雨伞": "umbrella",
    "伞": "umbrella",
    "钥匙扣": "keyring",
    "装饰": "decoration",
    # paper and gifts
    "贺卡": "card",
    "卡片": "card",
    "包装纸": "wrap",
    "丝带": "ribbon",
    "礼物": "gift",
    "笔记本": "notebook",
    "铅笔": "pencil",
    "笔": "pen",
    "贴纸": "sticker",
    "圣诞": "christmas",
    "玩具": "toy",
    "娃娃": "doll",
    "拼图": "jigsaw",
    # patterns and sizes
    "心形": "heart",
    "爱心": "heart",
    "复古": "vintage|retro",
    "花朵": "flower|floral",
    "碎花": "floral",
    "波点": "polkadot|spot",
    "圆点": "polkadot|spot",
    "儿童": "children|kids",
    "婴儿": "baby",
    "大号": "large",
    "小号": "small",
    "迷你": "mini",
    # electronics
    "手机壳": "phone case",
    "手机": "phone|smartphone",
    "耳机": "headphones",
    "蓝牙": "bluetooth",
    "无线": "wireless",
    "鼠标": "mouse",
    "键盘": "keyboard",
    "笔记本电脑": "laptop|notebook",
    "电脑": "computer",
    "平板": "tablet",
    "显示器": "monitor",
    "打印机": "printer",
    "充电器": "charger",
    "充电宝": "power bank",
    "移动电源": "power bank",
    "电池": "battery",
    "相机": "camera",
    "电视": "tv",
    "音箱": "speaker",
    "数据线": "cable",
    "手表": "watch",
    "智能手表": "smart watch",
    "游戏": "gaming|game",
    # clothing
    "鞋子": "shoes",
    "鞋": "shoes",
    "跑步鞋": "running shoes",
    "帽子": "hat",
    "T恤": "t-shirt",
}

# Every Chinese term, longest first, so the longest match wins.
ZH_TERMS = sorted(
    {**{k: v for k, v in ZH_WORDS.items()}, **ZH_COLOURS}, key=len, reverse=True
)
