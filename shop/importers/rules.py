"""Keyword rules, kept as data, that classify imported products.

Both source catalogues come without categories, so a product's category is
the first rule whose keywords appear in its title. A keyword matches a whole
word, optionally followed by a plural "s" or "es", so "bag" finds "Lunch Bag"
and "Jumbo Bags" but not "Bagatelle". Order matters: put the more specific
rules first ("Christmas" before "Candles & Lights" sends a Christmas tealight
to Christmas).
"""

import re

# Giftware (UCI Online Retail). "Gifts" catches whatever no rule claims.
GIFTWARE_RULES = (
    (
        "Christmas",
        "christmas, xmas, advent, santa, reindeer, snowman, snowflake, bauble, "
        "nativity, noel, elf, tinsel, stocking",
    ),
    (
        "Candles & Lights",
        "candle, candleholder, t light, tealight, tea light, lantern, light, "
        "lamp, nightlight, led, lampshade, chandelier, incense",
    ),
    (
        "Bags",
        "bag, handbag, tote, shopper, purse, backpack, rucksack, satchel, "
        "holdall, luggage tag",
    ),
    (
        "Jewellery & Accessories",
        "necklace, bracelet, earring, brooch, bangle, pendant, bead, jewel, "
        "jewellery, jewelry, diamante, tiara, hair clip, hair slide, hairclip, "
        "hairband, hair band, hair comb, scarf, umbrella, keyring, key ring, "
        "sunglasses, compact mirror, charm, passport cover",
    ),
    (
        "Kitchen & Dining",
        "mug, cup, saucer, plate, bowl, teapot, teacup, tea, coffee, cake, "
        "cakestand, baking, bake, cookie, biscuit, cookie cutter, jar, spoon, "
        "cutlery, knife, fork, napkin, apron, oven glove, tray, jug, glass, "
        "tumbler, beaker, lunch box, larder, pantry, kitchen, dish, "
        "chopping board, placemat, coaster, straw, cocktail, wine, "
        "bottle opener, egg, bread, sugar, milk, measuring, scales, pan, "
        "doily, tablecloth, recipe, cupcake, popcorn, lolly, picnic, thermos, "
        "flask, teatowel, tea towel",
    ),
    (
        "Stationery",
        "card, greeting, notebook, note book, notepad, pen, pencil, eraser, "
        "ruler, sticker, paper, envelope, wrap, wrapping, tissue, ribbon, "
        "calendar, diary, journal, memo, tape, stamp, sketchbook, colouring, "
        "crayon, postcard, bookmark, gift tag, stationery, letter, chalk",
    ),
    (
        "Toys & Games",
        "toy, game, puzzle, jigsaw, doll, dolly, teddy, playhouse, skittles, "
        "dominoes, spinning top, kid, children, childrens, child, ball, kite, "
        "soldier, bingo, magic, bubble, pirate, marbles, yo yo, skipping rope, "
        "puppet, rocking horse, money box, piggy bank",
    ),
    (
        "Garden",
        "garden, gardener, plant, planter, flower pot, watering can, bird, "
        "birdhouse, bird house, feeder, seed, herb marker, trowel, outdoor, "
        "hen, parasol, windmill, wind chime, chime",
    ),
    (
        "Party & Celebrations",
        "party, balloon, bunting, birthday, wedding, confetti, invitation, "
        "paper chain, cracker, celebration, garland, easter",
    ),
    (
        "Bath & Beauty",
        "soap, bath, sponge, toiletry, lip gloss, nail, manicure, towel, "
        "hand cream, make up, cosmetic, washbag, wash bag, bathroom, plaster",
    ),
    (
        "Home Decor",
        "frame, photo, clock, cushion, mirror, sign, plaque, wall art, "
        "doormat, door mat, hook, hanger, coat rack, heart, wreath, vase, "
        "ornament, decoration, bell, chalkboard, doorstop, hot water bottle, "
        "storage, box, drawer knob, knob, quilt, throw, blanket, rug, curtain, "
        "cabinet, shelf, basket, letter rack, trinket, wicker, home, flower, "
        "tin, magnet, tile",
    ),
)
GIFTWARE_FALLBACK = "Gifts"

# Electronics (Icecat). The data's own type attribute is empty for most rows,
# so titles carry the signal.
ELECTRONICS_RULES = (
    (
        "Warranty & Support",
        "warranty, support, care pack, carepack, onsite, on site, "
        "service pack, servicepack",
    ),
    (
        "Ink & Toner",
        "toner, ink, cartridge, drum, ribbon, fuser, maintenance kit, "
        "imaging unit, developer, singlepack, multipack, original, compatible",
    ),
    (
        "Printers & Scanners",
        "printer, scanner, multifunction, copier, fax, plotter, labelwriter, "
        "laser, laserjet, all in one",
    ),
    ("Paper & Labels", "paper, label, photo paper, sheet, envelope, film"),
    (
        "Cables & Adapters",
        "cable, adapter, adaptor, connector, splitter, coupler, patch cord, "
        "extension, converter, dongle, gender changer, hub",
    ),
    (
        "Networking",
        "router, switch, access point, network, networking, ethernet, "
        "wireless, transceiver, modem, firewall, repeater, nas",
    ),
    (
        "Audio & Video",
        "speaker, headphone, headset, earphone, microphone, mp3, mp4, audio, "
        "player, radio, camera, webcam, camcorder, video, av, lens",
    ),
    (
        "Storage & Memory",
        "hdd, ssd, hard drive, flash drive, memory card, sd card, microsd, "
        "usb flash, memory, ram, dvd, cd, blu ray, storage",
    ),
    (
        "Power & UPS",
        "ups, power supply, battery, charger, pdu, surge protector, "
        "power strip, inverter, surgearrest, surge, power conditioner",
    ),
    ("Racks & Enclosures", "rack, enclosure, cabinet, shelf, mount, bracket"),
    (
        "Computers & Components",
        "notebook, laptop, desktop, workstation, server, barebone, "
        "processor, cpu, motherboard, graphics card, fan, cooler, heatsink, "
        "tablet, chromebook, thin client",
    ),
    (
        "Monitors & Projectors",
        "monitor, display, projector, screen, privacy filter, tv, television, lcd",
    ),
    (
        "Keyboards & Mice",
        "keyboard, mouse, mice, trackball, presenter, mousepad, wrist rest",
    ),
    ("Phones", "phone, telephone, smartphone, mobile, dect"),
    ("Toys & Games", "toy, game, puzzle, jigsaw, doll, kids, action figure"),
    ("Calculators & Office", "calculator, stapler, staples, shredder, laminator"),
)
ELECTRONICS_FALLBACK = "Electronics & Office"


class CategoryRules:
    """Assign a category name to a title from ``(name, keywords)`` rules.

    ``keywords`` is one comma-separated string of words or phrases ("tea
    towel"); punctuation and case in titles are ignored. The first matching
    rule wins; ``fallback`` is returned when none matches.
    """

    def __init__(self, rules, fallback):
        self.fallback = fallback
        self._compiled = [(name, _keyword_pattern(words)) for name, words in rules]

    def __call__(self, title):
        text = _normalise(title)
        for name, pattern in self._compiled:
            if pattern.search(text):
                return name
        return self.fallback

    @property
    def names(self):
        """Every category these rules can return, fallback last."""
        return [name for name, _ in self._compiled] + [self.fallback]


def _normalise(text):
    # "T-LIGHT" and "t light" must meet, as must "CHILDREN'S" and "childrens".
    text = text.lower().replace("'", "")
    return " " + re.sub(r"[^a-z0-9]+", " ", text).strip() + " "


def _keyword_pattern(keywords):
    phrases = [_normalise(phrase).strip() for phrase in keywords.split(",")]
    # Longest first, so "hot water bottle" is tried before "bottle".
    phrases.sort(key=len, reverse=True)
    alternatives = "|".join(re.escape(phrase) for phrase in phrases if phrase)
    return re.compile(rf" (?:{alternatives})(?:s|es)? ")


giftware_category = CategoryRules(GIFTWARE_RULES, GIFTWARE_FALLBACK)
electronics_category = CategoryRules(ELECTRONICS_RULES, ELECTRONICS_FALLBACK)
