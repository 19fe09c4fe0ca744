"""The fixed world the demo story happens in: a file-sharing product's pages, buttons and visitors.

Everything here is constant so that a seed alone decides the generated data.
"""

from __future__ import annotations

from posthog_api.ingestion.elements import elements_to_chain

HOST = "https://hedgebox.example"

BLOG_SLUGS = [f"post-{n}" for n in range(1, 61)]
DOC_SLUGS = [
    f"{section}/{topic}"
    for section in ("getting-started", "sharing", "security", "api", "teams")
    for topic in ("overview", "setup", "limits", "faq", "examples", "troubleshooting")
]

# (path, weight) for pages visited while browsing; /files/<n> gives the long tail of URLs.
MARKETING_PAGES = [("/", 30), ("/features", 8), ("/pricing", 10), ("/about", 2), ("/careers", 1)]
BLOG_PAGES = [(f"/blog/{slug}", 1) for slug in BLOG_SLUGS]
DOC_PAGES = [(f"/docs/{slug}", 1) for slug in DOC_SLUGS]
APP_PAGES = [("/files", 30), ("/account/settings", 3), ("/account/billing", 2), ("/shared", 6)]
FILE_PAGE_COUNT = 400

BROWSERS = [
    ("Chrome", 64, "124"),
    ("Safari", 19, "17.4"),
    ("Firefox", 7, "125"),
    ("Edge", 7, "124"),
    ("Opera", 3, "109"),
]
OPERATING_SYSTEMS = [
    ("Windows", 42, "Desktop"),
    ("Mac OS X", 24, "Desktop"),
    ("iOS", 16, "Mobile"),
    ("Android", 14, "Mobile"),
    ("Linux", 4, "Desktop"),
]
COUNTRIES = [
    ("US", "United States", 34),
    ("GB", "United Kingdom", 9),
    ("DE", "Germany", 8),
    ("FR", "France", 6),
    ("IN", "India", 8),
    ("BR", "Brazil", 5),
    ("CA", "Canada", 5),
    ("PL", "Poland", 3),
    ("JP", "Japan", 4),
    ("AU", "Australia", 3),
    ("NL", "Netherlands", 3),
    ("ES", "Spain", 3),
    ("MX", "Mexico", 2),
    ("SE", "Sweden", 2),
    ("NG", "Nigeria", 2),
    ("KR", "South Korea", 3),
]
REFERRERS = [
    ("$direct", 40),
    ("www.google.com", 30),
    ("news.ycombinator.com", 6),
    ("twitter.com", 6),
    ("www.bing.com", 4),
    ("github.com", 6),
    ("www.reddit.com", 8),
]
PLANS = [("standard", 70, 10.0), ("pro", 25, 29.0), ("business", 5, 99.0)]
FIRST_NAMES = [
    "Ada",
    "Bo",
    "Chen",
    "Dana",
    "Eli",
    "Fatima",
    "Gus",
    "Hana",
    "Ivan",
    "Jo",
    "Kofi",
    "Lena",
    "Mo",
    "Nia",
    "Omar",
    "Priya",
    "Quinn",
    "Rui",
    "Sara",
    "Tom",
]
FILE_TYPES = [("pdf", 30), ("png", 25), ("docx", 15), ("mp4", 10), ("zip", 10), ("xlsx", 10)]


def _chain(*elements: dict[str, object]) -> str:
    return elements_to_chain(list(elements))


def _button(
    text: str, classes: str, *, nth: int = 1, data_attr: str = "", attr_id: str = ""
) -> dict[str, object]:
    attrs = {"attr__data-attr": data_attr} if data_attr else {}
    if attr_id:
        attrs["attr__id"] = attr_id
    return {
        "tag_name": "button",
        "$el_text": text,
        "attr__class": classes,
        "nth_child": nth,
        "nth_of_type": nth,
        **attrs,
    }


def _link(text: str, href: str, *, nth: int = 1, classes: str = "nav-link") -> dict[str, object]:
    return {
        "tag_name": "a",
        "$el_text": text,
        "attr__href": href,
        "attr__class": classes,
        "nth_child": nth,
        "nth_of_type": nth,
    }


_BODY = {"tag_name": "body", "nth_child": 2, "nth_of_type": 1}
_NAV = {"tag_name": "nav", "attr__class": "navbar", "nth_child": 1, "nth_of_type": 1}
_MAIN = {"tag_name": "main", "attr__class": "content", "nth_child": 2, "nth_of_type": 1}
_HERO = {"tag_name": "div", "attr__class": "hero", "nth_child": 1, "nth_of_type": 1}

NAV_CLICKS = [
    _chain(_link("Pricing", "/pricing", nth=2), _NAV, _BODY),
    _chain(_link("Features", "/features", nth=1), _NAV, _BODY),
    _chain(_link("Docs", "/docs/getting-started/overview", nth=3), _NAV, _BODY),
    _chain(_link("Blog", "/blog", nth=4), _NAV, _BODY),
    _chain(_link("Log in", "/login", nth=5, classes="nav-link login"), _NAV, _BODY),
]
SIGNUP_CLICK = _chain(
    _button("Sign up", "btn btn-primary", attr_id="signup-cta", data_attr="signup"),
    _HERO,
    _MAIN,
    _BODY,
)
PRICING_CLICKS = [
    _chain(
        _button(f"Choose {name}", f"btn plan-{name}", nth=i + 1, data_attr=f"plan-{name}"),
        {"tag_name": "div", "attr__class": "plans", "nth_child": 2, "nth_of_type": 1},
        _MAIN,
        _BODY,
    )
    for i, (name, _, _) in enumerate(PLANS)
]
APP_CLICKS = [
    _chain(
        _button("Upload", "btn btn-upload", data_attr="upload"),
        {"tag_name": "div", "attr__class": "toolbar", "nth_child": 1, "nth_of_type": 1},
        _MAIN,
        _BODY,
    ),
    _chain(
        _button("Share", "btn btn-share", nth=2, data_attr="share"),
        {"tag_name": "div", "attr__class": "toolbar", "nth_child": 1, "nth_of_type": 1},
        _MAIN,
        _BODY,
    ),
    _chain(
        _button("Download", "btn", nth=3),
        {"tag_name": "li", "attr__class": "file-row", "nth_child": 4, "nth_of_type": 4},
        {"tag_name": "ul", "attr__class": "file-list", "nth_child": 2, "nth_of_type": 1},
        _MAIN,
        _BODY,
    ),
    _chain(
        {
            "tag_name": "span",
            "$el_text": "New folder",
            "attr__class": "link",
            "nth_child": 1,
            "nth_of_type": 1,
        },
        {"tag_name": "div", "attr__class": "toolbar", "nth_child": 1, "nth_of_type": 1},
        _MAIN,
        _BODY,
    ),
    _chain(_link("Settings", "/account/settings", nth=6, classes="nav-link"), _NAV, _BODY),
]
CHECKOUT_CLICK = _chain(
    _button("Pay now", "btn btn-primary checkout", attr_id="pay"),
    {"tag_name": "form", "attr__class": "checkout-form", "nth_child": 1, "nth_of_type": 1},
    _MAIN,
    _BODY,
)
# Elements people click although nothing happens: the dead clicks of the story.
DEAD_CLICKS = [
    _chain(
        {
            "tag_name": "img",
            "attr__class": "hero-image",
            "attr__src": "/static/hero.png",
            "nth_child": 2,
            "nth_of_type": 1,
        },
        _HERO,
        _MAIN,
        _BODY,
    ),
    _chain(
        {
            "tag_name": "div",
            "$el_text": "Storage used",
            "attr__class": "usage-meter",
            "nth_child": 3,
            "nth_of_type": 2,
        },
        _MAIN,
        _BODY,
    ),
]
# The upload button is slow to respond, so frustrated users rage-click it.
RAGE_CLICK = APP_CLICKS[0]
