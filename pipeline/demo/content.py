"""Demo blog content: original posts for the bundled loopback demo blogs.

Pure data (no server code).  Two hand-written blogs (:func:`blogger_posts` and
:func:`wordpress_posts`) plus deterministic generated posts for benchmarks
(:func:`synthetic_posts`).

Every call returns fresh deep copies, so tests may mutate what they get.

``DemoPost.paragraphs`` holds what a perfect extractor would return: one
plain-text entry per block of the body (paragraph, subheading, list item,
blockquote).  Images contribute no text.  When the body is more than one
``<p>`` per paragraph (lists, quotes, images, links, subheadings) the exact
HTML is in ``DemoPost.body_html``.  If a test edits ``paragraphs`` of such a
post, the servers notice that the HTML no longer matches (``html_source``
records the paragraphs it was built from) and render the edited paragraphs as
plain ``<p>`` blocks instead.
"""

from __future__ import annotations

import copy
import hashlib
import html
import random
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

__all__ = [
    "DemoComment",
    "DemoPost",
    "BLOGGER_BLOG_TITLE",
    "BLOGGER_BLOG_DESCRIPTION",
    "WORDPRESS_BLOG_TITLE",
    "WORDPRESS_BLOG_DESCRIPTION",
    "WORDPRESS_CATEGORIES",
    "CLUTTER_STRINGS",
    "blogger_posts",
    "blogger_pages",
    "wordpress_posts",
    "wordpress_pages",
    "synthetic_posts",
    "distinctive_word",
    "words_of",
]


@dataclass
class DemoComment:
    comment_id: str  # platform id, e.g. "7301"
    author: str
    published: str  # ISO 8601 UTC, e.g. "2024-03-05T10:15:00+00:00"
    text: str  # plain text of the comment
    parent: str | None = None  # comment_id of the parent for replies


@dataclass
class DemoPost:
    slug: str
    title: str
    author: str
    published: str  # ISO 8601 UTC with +00:00
    updated: str
    labels: list[str]  # Blogger labels, or WordPress categories + tags (categories first)
    paragraphs: list[str]  # plain-text blocks of the body (incl. list items, quotes, headings)
    comments: list[DemoComment] = field(default_factory=list)
    body_html: str | None = None  # exact body HTML if it differs from <p> per paragraph
    post_id: str = ""  # platform id
    # The paragraphs body_html was generated from; when ``paragraphs`` no longer
    # equals it (a test edited the post) renderers ignore body_html.
    html_source: tuple[str, ...] | None = field(default=None, repr=False, compare=False)

    @property
    def text(self) -> str:
        """The body as plain text: the paragraphs joined with newlines."""
        return "\n".join(self.paragraphs)

    def effective_body_html(self) -> str | None:
        """``body_html`` if it still matches ``paragraphs``, else None."""
        if self.body_html is None:
            return None
        if self.html_source is not None and tuple(self.paragraphs) != self.html_source:
            return None
        return self.body_html


BLOGGER_BLOG_TITLE = "Lantern Lane Notebook"
BLOGGER_BLOG_DESCRIPTION = "Allotment notes, old railways, kitchen experiments and clear nights."
BLOGGER_AUTHOR = "Margaret Ellery"

WORDPRESS_BLOG_TITLE = "Spokes & Stars"
WORDPRESS_BLOG_DESCRIPTION = "Two friends, a shed full of bicycles and a second-hand telescope"
WORDPRESS_CATEGORIES = ("Cycling", "Astronomy", "Food", "Local History", "Workshop")

# Boilerplate strings the demo themes render around posts; post text never contains them.
CLUTTER_STRINGS = (
    "Get link",
    "Share this:",
    "Like this:",
    "Post a Comment",
    "Leave a Reply",
    "Newer Post",
    "Older Post",
    "Powered by Blogger",
    "Popular Posts",
    "Blog Archive",
)


# ---------------------------------------------------------------------------
# A tiny block markup used to write the posts below.
#
# Blocks are separated by blank lines:  "## Heading", "- item" lines (a list),
# "1. item" lines (ordered list), "> quote", "![alt text](file.jpg)" (image) and
# anything else is a paragraph.  Inline: [text](url) links and **bold**.
# ---------------------------------------------------------------------------

_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
_BOLD = re.compile(r"\*\*([^*]+)\*\*")
_IMAGE = re.compile(r"^!\[([^\]]*)\]\(([^)\s]+)\)$")


def _inline_text(s: str) -> str:
    return _BOLD.sub(r"\1", _LINK.sub(r"\1", s))


def _inline_html(s: str, bold_tag: str) -> str:
    out = html.escape(s, quote=False)
    out = _LINK.sub(lambda m: f'<a href="{html.escape(m.group(2))}">{m.group(1)}</a>', out)
    return _BOLD.sub(lambda m: f"<{bold_tag}>{m.group(1)}</{bold_tag}>", out)


def _build_body(src: str, style: str, img_prefix: str) -> tuple[list[str], str | None]:
    """Parse the mini markup into (paragraphs, body_html or None)."""
    paragraphs: list[str] = []
    parts: list[str] = []
    plain = True
    blocks = [b.strip() for b in re.split(r"\n\s*\n", src.strip()) if b.strip()]
    bold = "b" if style == "blogger" else "strong"
    for block in blocks:
        lines = [ln.strip() for ln in block.splitlines()]
        joined = " ".join(lines)
        if _LINK.search(joined) or _BOLD.search(joined):
            plain = False
        if joined.startswith("## "):
            plain = False
            text = joined[3:].strip()
            paragraphs.append(_inline_text(text))
            if style == "blogger":
                parts.append(f"<h3>{_inline_html(text, bold)}</h3>")
            else:
                parts.append(f'<h2 class="wp-block-heading">{_inline_html(text, bold)}</h2>')
        elif all(ln.startswith("- ") for ln in lines) or all(
            re.match(r"\d+\. ", ln) for ln in lines
        ):
            plain = False
            ordered = not lines[0].startswith("- ")
            items = [re.sub(r"^(- |\d+\. )", "", ln) for ln in lines]
            paragraphs.extend(_inline_text(i) for i in items)
            tag = "ol" if ordered else "ul"
            cls = "" if style == "blogger" else ' class="wp-block-list"'
            lis = "".join(f"<li>{_inline_html(i, bold)}</li>" for i in items)
            parts.append(f"<{tag}{cls}>{lis}</{tag}>")
        elif joined.startswith("> "):
            plain = False
            text = joined[2:].strip()
            paragraphs.append(_inline_text(text))
            if style == "blogger":
                parts.append(f"<blockquote>{_inline_html(text, bold)}</blockquote>")
            else:
                parts.append(
                    f'<blockquote class="wp-block-quote"><p>{_inline_html(text, bold)}</p>'
                    "</blockquote>"
                )
        elif m := _IMAGE.match(joined):
            plain = False
            alt, name = html.escape(m.group(1)), html.escape(img_prefix + m.group(2))
            if style == "blogger":
                parts.append(
                    '<div class="separator" style="clear: both;">'
                    f'<a href="{name}" style="display: block; padding: 1em 0; '
                    'text-align: center; ">'
                    f'<img alt="{alt}" border="0" width="400" data-original-height="600" '
                    f'data-original-width="800" src="{name}"/></a></div>'
                )
            else:
                parts.append(
                    '<figure class="wp-block-image size-large">'
                    f'<img decoding="async" width="800" height="600" src="{name}" alt="{alt}" '
                    'class="wp-image-0"/></figure>'
                )
        else:
            paragraphs.append(_inline_text(joined))
            parts.append(f"<p>{_inline_html(joined, bold)}</p>")
    if plain:
        return paragraphs, None
    return paragraphs, "\n".join(parts)


def _blogger_id(seed: str) -> str:
    """A 19-digit Blogger-looking id, stable for a given seed."""
    n = int(hashlib.sha256(seed.encode()).hexdigest()[:16], 16)
    return str(1_000_000_000_000_000_000 + n % 8_000_000_000_000_000_000)


def _make(
    style: str,
    slug: str,
    title: str,
    author: str,
    published: str,
    updated: str,
    labels: list[str],
    body: str,
    comments: list[tuple],
    post_id: str,
) -> DemoPost:
    prefix = "/img/b/" if style == "blogger" else "/wp-content/uploads/"
    paragraphs, body_html = _build_body(body, style, prefix)
    return DemoPost(
        slug=slug,
        title=title,
        author=author,
        published=published,
        updated=updated,
        labels=list(labels),
        paragraphs=paragraphs,
        comments=[DemoComment(*c) for c in comments],
        body_html=body_html,
        post_id=post_id,
        html_source=tuple(paragraphs) if body_html is not None else None,
    )


# ---------------------------------------------------------------------------
# Blogger blog: "Lantern Lane Notebook" (one author, a hobby blog)
# Each entry: slug, title, published, updated, labels, body, comments
# ---------------------------------------------------------------------------

_BLOGGER_SRC: list[tuple] = [
    (
        "seed-catalogues-in-january",
        "Seed catalogues in January",
        "2023-01-14T09:30:00+00:00",
        "2023-01-14T09:30:00+00:00",
        ["Gardening"],
        """
Every January the seed catalogues arrive within a week of each other, and every January I
promise myself that this year I will be sensible. I never am. The kitchen table disappears under
glossy pages of beans I have no room for and squashes the size of a wheelbarrow.

This year I have at least made a list before opening the envelopes. It runs to three columns:
things that did well last year, things that failed for reasons I understand, and things that
failed for reasons I will never understand. The parsnips live permanently in the third column.

The one real experiment will be a row of mangelwurzel. My grandfather grew them for the cows
and swore they were the sweetest thing in the field if you caught them young. Nobody sells them
for eating any more, so I have ordered a fodder variety and will report back, possibly with
apologies.

Everything else is the usual order: two kinds of runner bean, an early potato that shrugs off
slugs, and far too many tomatoes for one greenhouse.
""",
        [
            (
                "7301",
                "Hazel Brompton",
                "2023-01-14T18:02:00+00:00",
                "Parsnips are in my third column too. I have decided they simply dislike me.",
            ),
            (
                "7302",
                "Margaret Ellery",
                "2023-01-15T08:40:00+00:00",
                "Fresh seed every year and a cold soil, that is all the advice I have left!",
                "7301",
            ),
        ],
    ),
    (
        "branch-line-that-never-was",
        "The branch line that never was: walking the old trackbed",
        "2023-02-05T14:10:00+00:00",
        "2023-02-07T20:00:00+00:00",
        ["Railways", "Local history"],
        """
Half a mile out of the village there is an embankment that goes nowhere. It starts politely
beside the lane, climbs to the height of a house, and then stops dead in a field of barley. For
years I assumed it was a flood bank.

It turns out to be the only built part of a branch line promoted in 1898 to link the quarry with
the main line. The company raised enough money to build the embankment and a single culvert
before the quarry owner died and the whole scheme collapsed.

The culvert is still there, lined with blue engineering brick and perfectly dry. Someone has
scratched the word dunnock into the keystone, along with a date I cannot read. Whoever it was
had better handwriting than me.

![The abandoned embankment seen from the lane, covered in hawthorn](embankment.png)

If you go, the public footpath runs along the top for about two hundred yards. After that it is
private land and the farmer is, quite reasonably, not keen on railway enthusiasts in his crop.
""",
        [
            (
                "7310",
                "Colin Treharne",
                "2023-02-05T19:22:00+00:00",
                "The county record office has the deposited plans for that line. Worth a look, "
                "they show a station right where the pub car park is now.",
            ),
            (
                "7311",
                "Margaret Ellery",
                "2023-02-06T09:05:00+00:00",
                "Colin, that is wonderful, thank you. A trip to the record office is now booked.",
                "7310",
            ),
            (
                "7312",
                "Anonymous",
                "2023-02-09T12:48:00+00:00",
                "My father used to sledge down that embankment. We called it the ramp.",
            ),
        ],
    ),
    (
        "why-im-naive-about-sourdough",
        "Why I'm still naïve about sourdough",
        "2023-02-26T11:00:00+00:00",
        "2023-03-01T10:15:00+00:00",
        ["Cooking"],
        """
I have kept a sourdough starter alive for three years, which makes me sound far more competent
than I am. The starter does the work. I just feed it and occasionally apologise to it.

What I still do not understand is why the same recipe behaves so differently from one week to
the next. Flour, water, salt, the same warm corner of the kitchen. One loaf rises like a hot air
balloon and the next sits there like a paving slab.

My current theory involves the weather and the mood of the oven. My neighbour, who baked
professionally for twenty years, says the theory is nonsense and that I simply do not wait long
enough. She is probably right, and I am probably too impatient to prove it.

For the record, the starter is called Brunhilde and lives in a jar that used to hold
piccalilli. She smells faintly of apples when she is happy.
""",
        [
            (
                "7320",
                "Ruth Okafor",
                "2023-02-26T15:31:00+00:00",
                "Longer bulk ferment in winter. Trust your neighbour!",
            ),
        ],
    ),
    (
        "frost-pockets-and-the-bottom-bed",
        "Frost pockets and the bottom bed",
        "2023-03-18T08:45:00+00:00",
        "2023-03-18T08:45:00+00:00",
        ["Gardening"],
        """
The allotment slopes gently towards the brook, and I have finally worked out why nothing early
ever survives in the bottom bed. Cold air behaves like water. It pours downhill on still nights
and collects in the lowest corner, which happens to be mine.

I put a cheap thermometer on a stake at each end of the plot. On clear nights the bottom reads
three degrees colder than the top, sometimes more. Three degrees is the difference between a
bean seedling and a small black smudge.

So the bottom bed is now for brassicas and leeks, which do not mind, and the tender things move
uphill. The hedge at the bottom will also get a gap cut into it so that the cold can drain away
into the meadow rather than pooling against my cabbages.

The thermometers cost less than a packet of seeds and taught me more than any book. The lesson,
which I will forget by next spring, is to watch your own ground before trusting anyone's advice
about it, including mine. The word for that sort of patience, my aunt used to say, is
grubbling.
""",
        [],
    ),
    (
        "cafe-culture-at-the-station-buffet",
        "Café culture at the old station buffet",
        "2023-04-02T16:20:00+00:00",
        "2023-04-02T16:20:00+00:00",
        ["Railways", "Cooking"],
        """
The refreshment room on the up platform closed in 1971 and reopened last summer as a small café
run by two sisters. They have kept the tiled counter, the brass coat hooks and the clock, which
still runs four minutes fast in the old railway tradition.

I went for the scones and stayed for the timetable. They have framed an original 1950s poster
that lists every train from the junction, including a mysterious 6.12 to somewhere whose name
has been scraped off.

The menu is short and honest: soup, toasted sandwiches, a cake of the day and a pot of tea that
needs two hands to lift. The lemon drizzle on Saturday was the best I have eaten since my
mother's, and I do not say that lightly.

There is something restful about drinking coffee while the expresses hammer through without
stopping. Nobody is going anywhere in the café. The sisters call the corner table the
signalbox, because from there you can see both directions of the line.
""",
        [
            (
                "7330",
                "Peter Vance",
                "2023-04-03T07:55:00+00:00",
                "The 6.12 went to the colliery halt. I remember it from when I was a boy.",
            ),
            (
                "7331",
                "Margaret Ellery",
                "2023-04-03T12:10:00+00:00",
                "Peter, you have solved a mystery the sisters have been puzzling over for a year.",
                "7330",
            ),
            (
                "7332",
                "Hazel Brompton",
                "2023-04-05T17:45:00+00:00",
                "Going on Saturday purely for the lemon drizzle. You have been warned.",
            ),
        ],
    ),
    (
        "messier-marathon-from-the-back-garden",
        "A Messier marathon from the back garden (sort of)",
        "2023-04-22T22:15:00+00:00",
        "2023-04-24T09:00:00+00:00",
        ["Astronomy"],
        """
A Messier marathon is the attempt to see all one hundred and ten objects in Charles Messier's
catalogue in a single night. It is only possible for a few weeks around the spring equinox, and
only if you have a clear horizon in every direction. I have neither the stamina nor the horizon.

What I managed instead was thirty-one objects between dusk and half past one, when the dew won.
That included the easy showpieces and a handful of faint smudges that I would not swear to in a
court of law.

## What worked

- A red torch taped to the chart holder so I could not put it down somewhere and lose it
- A flask of soup instead of coffee
- Starting with the galaxies in the west before they set behind the Hendersons' roof

## What did not

The Virgo cluster defeated me, as it defeats everyone. Every field of view looks like every
other field of view: a few grey thumbprints on black velvet. I logged one galaxy three times
under three different numbers before realising.

Next year I will plan the route properly. This year I am simply pleased with the soup and with
the lovely quaver of light from the globular cluster in Hercules just before I packed up.
""",
        [
            (
                "7340",
                "Sunil Dhar",
                "2023-04-23T10:30:00+00:00",
                "Thirty-one from a suburban garden is a very respectable night.",
            ),
        ],
    ),
    (
        "mending-a-1950s-roadster",
        "Mending a 1950s roadster bicycle",
        "2023-05-13T10:05:00+00:00",
        "2023-05-20T18:30:00+00:00",
        ["Bicycles"],
        """
The roadster came from a house clearance for the price of a sandwich. It weighs roughly the
same as a small motorbike, has rod brakes, a three-speed hub and a chain guard that covers the
entire drivetrain like a tea cosy.

Most of the work was patient cleaning. Decades of oil and dust had set into a sort of brown
varnish, and the chrome underneath turned out to be in better shape than I dared hope. The
hub was a different story. Inside was a thick paste that had once been grease and was now
closer to toffee.

I took the hub apart on a tea towel, photographing every stage, and laid the pieces out in
order. The pawls, springs and planet gears went into a jar of paraffin overnight. Reassembly
took three attempts, and on the third the gears finally clicked through with that satisfying
tick that old hubs make.

> Never take apart anything you are not prepared to carry to a shop in a bag.

That advice came from my uncle, and I have followed it more often than I would like. This
time, for once, the bag stayed empty. The roadster now carries me to the allotment at a stately
pace, and the rod brakes stop it eventually, given a little notice and some faith. My
neighbour calls it the velocipachyderm.
""",
        [
            (
                "7350",
                "Dennis Mayhew",
                "2023-05-13T20:14:00+00:00",
                "Rod brakes in the rain are an adventure. Hope your hill is a gentle one.",
            ),
            (
                "7351",
                "Margaret Ellery",
                "2023-05-14T07:02:00+00:00",
                "Very gentle, and I plan my stops about a week in advance.",
                "7350",
            ),
        ],
    ),
    (
        "rhubarb-and-ginger-jam",
        "Rhubarb & ginger jam, and a lesson about pectin",
        "2023-06-03T13:40:00+00:00",
        "2023-06-03T13:40:00+00:00",
        ["Cooking", "Gardening"],
        """
The rhubarb crown at the end of the plot is older than I am and produces more stalks than any
sensible person can eat. So, jam.

Rhubarb is low in pectin, which is why the first batch never set and became a rather nice sauce
for yoghurt. For the second batch I added the juice and pips of two lemons, tied in muslin, and
boiled it harder than felt comfortable.

1. Chop a kilo of rhubarb and leave it overnight with the sugar
2. Add grated fresh ginger and the lemon bag in the morning
3. Boil hard until a drop wrinkles on a cold saucer
4. Pot into warm jars and label them before you forget which is which

The second batch set beautifully. The ginger gives it a warmth that makes it good on toast and
surprisingly good with cheese. My neighbour asked for the recipe and then asked for a jar,
which I take to be the highest compliment. I wrote the whole method on the back of a
seed packet and labelled it marmaladish, which is not a word, but should be.
""",
        [],
    ),
    (
        "the-tithe-map-and-the-missing-lane",
        "The tithe map and the missing lane",
        "2023-06-24T09:15:00+00:00",
        "2023-06-26T11:45:00+00:00",
        ["Local history"],
        """
Tithe maps were drawn up in the 1840s so that the old payments to the church could be turned
into money. For a local historian they are gold: every field, every cottage and every owner,
numbered and written up in a separate schedule.

Our parish map shows a lane that no longer exists. It runs from the back of the forge, crosses
two fields called Long Slang and Little Slang, and joins the turnpike beside a building marked
simply as a pound.

A pound was where stray animals were kept until their owners paid to get them back. There is
nothing there now except a slightly odd bend in the hedge, but once you know, you can see the
corner where the walls stood. I found a single squared stone in the ditch which might have been
part of it, or might be nothing at all.

The lane itself survives as a line of old oak trees across the middle of a field. Walk along
them and you are walking the old route whether you mean to or not. The field name Slang, by
the way, means a long narrow strip, and has nothing to do with bad language, despite what my
nephew hoped. The farmer calls the line of oaks the quillet.
""",
        [
            (
                "7360",
                "Colin Treharne",
                "2023-06-24T16:40:00+00:00",
                "Pound walls were often robbed for field gates. Check the gateposts nearby.",
            ),
            (
                "7361",
                "Margaret Ellery",
                "2023-06-25T10:00:00+00:00",
                "Colin, one of the gateposts is the same stone. You are a genius.",
                "7360",
            ),
            (
                "7362",
                "Jo Whitlock",
                "2023-06-25T21:13:00+00:00",
                "We have a Long Slang in our parish too. Lovely to know what it means.",
            ),
            (
                "7363",
                "Colin Treharne",
                "2023-06-26T08:20:00+00:00",
                "Merely an old hand at robbed stone!",
                "7361",
            ),
        ],
    ),
    (
        "noctilucent-clouds-at-midnight",
        "Noctilucent clouds at midnight",
        "2023-07-08T23:50:00+00:00",
        "2023-07-08T23:50:00+00:00",
        ["Astronomy"],
        """
Around midsummer, if you look north an hour or so after sunset, you can sometimes see thin
electric-blue clouds glowing long after the rest of the sky has gone dark. They are noctilucent
clouds, the highest clouds on Earth, made of ice crystals around eighty kilometres up, still
catching sunlight from below the horizon.

Tonight was the best display I have seen. Fine rippled bands spread across a third of the
northern sky, silver at the edges and faintly blue in the middle. The ordinary clouds below
them were black silhouettes.

I stood in the garden in my dressing gown for forty minutes taking photographs that do not do it
justice. The cat joined me, sat on the bird table and ignored the whole thing.

If you want to try, the season runs from late May to early August. Look low in the north
between about an hour and two hours after sunset, and be ready to feel a little shiver of
wonder, or at least some gloaming chill.
""",
        [
            (
                "7370",
                "Sunil Dhar",
                "2023-07-09T08:11:00+00:00",
                "Saw them too from the hill, about the same time. Astonishing.",
            ),
        ],
    ),
    (
        "a-puncture-kit-that-fits-in-a-tin",
        "A puncture kit that fits in a tobacco tin",
        "2023-08-12T11:25:00+00:00",
        "2023-08-12T11:25:00+00:00",
        ["Bicycles"],
        """
The old tobacco tin came from my grandfather's shed and is exactly the right size for a
roadside repair kit. It rides in the saddlebag and rattles reassuringly over cattle grids.

Inside there are six patches of assorted sizes, a small tube of rubber solution, a square of
sandpaper, a stub of chalk for marking the hole, two plastic tyre levers and a folded pair of
latex gloves. The gloves are the luxury item. Nobody enjoys cycling home with black fingers.

I have also wrapped a length of insulating tape around a pencil stub. It has mended a split
mudguard, a loose light bracket and, once, a friend's sandal strap. The pencil itself is for
writing down the number of the farmhouse you knock on when everything else fails.

The whole kit weighs less than an apple, and I call it the snibbet.
""",
        [],
    ),
    (
        "runner-beans-and-the-great-glut",
        "Runner beans and the great glut",
        "2023-08-29T17:00:00+00:00",
        "2023-09-02T09:30:00+00:00",
        ["Gardening", "Cooking"],
        """
Every gardener knows the moment in late August when the runner beans stop being a crop and
become a problem. I picked four kilos on Sunday and there were just as many on Tuesday.

The neighbours are no longer answering the door. The freezer is full. I have blanched, sliced,
pickled and chutneyed, and I am starting to dream in green.

The best thing I made was a warm salad of beans, new potatoes and crispy bacon with a mustard
dressing. The worst was an experiment with bean fritters that I will not describe. The
hens were unimpressed as well.

Next year I am growing half as many plants. I say this every year, and every year the packet
has twenty seeds in it and I cannot bear to throw any of them away, so the glut returns like
a faithful but exhausting flibbertigibbet.
""",
        [
            (
                "7380",
                "Ruth Okafor",
                "2023-08-29T19:45:00+00:00",
                "Leave some on the plant to dry and you get free seed for next year, and fewer "
                "beans to pick!",
            ),
            (
                "7381",
                "Hazel Brompton",
                "2023-08-30T07:30:00+00:00",
                "Please do not knock on my door with beans. I have my own.",
            ),
        ],
    ),
    (
        "the-signalman-s-logbook",
        "The signalman's logbook",
        "2023-09-16T15:35:00+00:00",
        "2023-09-16T15:35:00+00:00",
        ["Railways", "Local history"],
        """
A reader lent me a remarkable thing: the train register kept in our junction signal box during
the winter of 1947. Every train is written in, with the times it was offered, accepted and
cleared, in a dozen different hands as the shifts changed.

It reads like a novel if you let it. The entries get shakier as the snow gets deeper. On the
fourth of March the night man writes simply "no traffic, drifts to the handrail", and the next
entry is not until mid morning two days later.

Tucked into the back were pencil notes about coal for the stove, a list of which farms wanted
the newspaper dropping off, and a very firm reminder that the kettle belonged to the box and
not to any individual signalman. Some arguments are eternal.

I have transcribed the whole thing and returned it to its owner, who is going to give it to the
heritage centre. It deserves to be read by more people than me. Among the pencil notes is a
tally headed fogman, counting the detonator charges laid on the rails in fog.
""",
        [
            (
                "7390",
                "Peter Vance",
                "2023-09-17T09:00:00+00:00",
                "My uncle worked that box. I would love to see his handwriting in it.",
            ),
            (
                "7391",
                "Margaret Ellery",
                "2023-09-17T11:20:00+00:00",
                "Peter, the heritage centre will have it on display in the spring. Do go.",
                "7390",
            ),
        ],
    ),
    (
        "quince-cheese-for-beginners",
        "Quince cheese for beginners",
        "2023-10-21T12:00:00+00:00",
        "2023-10-21T12:00:00+00:00",
        ["Cooking"],
        """
Quince cheese is not cheese at all but a firm, sliceable paste of quince and sugar, the same
thing the Spanish call membrillo. It takes an afternoon, a heavy pan and a willingness to be
spat at by boiling fruit.

The quinces came from a tree in the churchyard that nobody else seems to want. They are hard,
knobbly and covered in grey fluff, and they smell like a cross between pears and roses. Left in
a bowl they perfume the whole house.

You simmer them whole until soft, push the flesh through a sieve, then cook the purée with sugar,
stirring constantly, until it turns the colour of old brick and holds a line when you drag a
spoon through it. Wear long sleeves.

Set in a lined tin and left to dry for a week, it keeps for months. A slice with strong cheese
is the best thing about autumn evenings. The vicar has been given a slab by way of thanks for
the fruit, wrapped in greaseproof paper and tied with garden twine like a little parcel of
gallimaufry.
""",
        [],
    ),
    (
        "leaf-mould-the-lazy-gardener-s-gold",
        "Leaf mould: the lazy gardener's gold",
        "2023-11-11T10:10:00+00:00",
        "2023-11-12T08:00:00+00:00",
        ["Gardening"],
        """
If you do only one thing in the garden this month, bag up some fallen leaves. In two years they
will be leaf mould, the finest soil conditioner there is, and you will not have paid a penny.

Leaves rot differently from kitchen compost. They are broken down slowly by fungi rather than
bacteria, so they do not need turning or mixing. They just need to be damp and left alone, which
suits me perfectly.

I stuff them into old compost sacks, wet them with the hose, punch a few holes with a garden fork
and stack the bags behind the shed. That is the entire method. The bags from two winters ago are
now dark, crumbly and smell of a woodland floor.

Use it as a mulch, dig it into heavy soil, or sieve it for seed compost. Avoid evergreen leaves,
which take forever, and conkers, which will sprout into a small forest. The council sweeper
drops off a trailer of street leaves in exchange for a jar of chutney, a trade my late husband
called the great hornswoggle.
""",
        [
            (
                "7400",
                "Jo Whitlock",
                "2023-11-11T14:25:00+00:00",
                "I did not know about the fungi. That explains why my leaf heap never got hot.",
            ),
        ],
    ),
    (
        "jupiter-s-moons-through-a-small-telescope",
        "Jupiter's moons through a small telescope",
        "2023-12-02T21:40:00+00:00",
        "2023-12-02T21:40:00+00:00",
        ["Astronomy"],
        """
Jupiter is high in the south this winter and impossible to miss: the brightest point in the
evening sky after the Moon. Even a pair of steady binoculars will show its four largest moons
lined up beside it like beads on a wire.

Through my little refractor the planet shows two dark belts, and on good nights a hint of the
Great Red Spot. The moons are the real fun, though. They move visibly over an evening. Go out
at seven and again at ten and one of them will have slipped behind the planet or crept out from
its shadow.

Galileo saw exactly this in 1610 and drew it night after night in his notebook. It was the
first proof that not everything in the sky circles the Earth. It is a strange feeling to stand
in the garden and watch the same little dance.

I keep a sketchbook by the back door now and draw the positions whenever it is clear. My
drawings are crude, but the pattern they make over a week is a lovely thing, a little orrery
drawn in pencil.
""",
        [
            (
                "7410",
                "Sunil Dhar",
                "2023-12-03T09:15:00+00:00",
                "Look for the shadow transits too, a tiny black dot crossing the disc.",
            ),
            (
                "7411",
                "Margaret Ellery",
                "2023-12-03T12:00:00+00:00",
                "I caught one last night thanks to you!",
                "7410",
            ),
            (
                "7412",
                "Dennis Mayhew",
                "2023-12-04T18:30:00+00:00",
                "My granddaughter saw the moons for the first time this week and has not stopped "
                "talking about it.",
            ),
        ],
    ),
    (
        "christmas-cake-a-family-argument",
        "Christmas cake: a family argument",
        "2023-12-16T15:00:00+00:00",
        "2023-12-18T10:00:00+00:00",
        ["Cooking"],
        """
In our family there are two schools of Christmas cake. My mother's side believed in a dark,
dense cake made in October and fed with brandy every Sunday until it could stand up on its own.
My father's side made a lighter cake the week before Christmas and thought the other lot were
showing off.

I have made both for years and the argument has never been settled. This year I made the dark
one, mostly because I remembered in time. It has had seven feedings and is, frankly, rather
potent.

The recipe is written in my mother's hand on a card spattered with fruit and grease. At the
bottom she has added, in a different pen, "do NOT let Arthur near the icing". Arthur was my
uncle. Nobody will tell me what happened.

## The marzipan question

Homemade marzipan is easy and much nicer than the bought kind: ground almonds, icing sugar, an
egg and a few drops of almond essence. Roll it thin. The icing goes on the following day,
rough and snowy, with a battered plastic robin who has been on every family cake since the
1970s and whose name, for reasons lost to history, is Snowbottle.
""",
        [
            (
                "7420",
                "Hazel Brompton",
                "2023-12-16T20:20:00+00:00",
                "Team dark cake, always. Seven feedings is the minimum.",
            ),
            (
                "7421",
                "Ruth Okafor",
                "2023-12-17T09:40:00+00:00",
                "I need to know what Arthur did to the icing.",
                "7420",
            ),
        ],
    ),
    (
        "frozen-points-and-the-winter-timetable",
        "Frozen points and the winter timetable",
        "2024-01-20T10:30:00+00:00",
        "2024-01-20T10:30:00+00:00",
        ["Railways"],
        """
Points are the moving sections of track that switch a train from one line to another, and they
hate the cold. Ice between the blade and the rail stops them closing properly, and a point that
is not properly closed will not let the signal clear.

On the old railway, lengthmen went out with brooms and braziers to keep them free. Today most
busy points have electric heaters clamped to the rails, which come on automatically when the
temperature drops. On frosty mornings you can sometimes see steam rising off them.

Our little line still has a set of hand points in the yard that nobody has bothered to heat.
The volunteers clear them with a kettle of hot water and a bag of salt before the first train,
and the kettle has its own hook in the permanent way hut.

It is not glamorous work. But there is a quiet pride in being the reason the first train of the
day runs at all, and the volunteers have a word for the salt bag: the gritbucket.
""",
        [],
    ),
    (
        "a-rainy-day-in-the-county-archive",
        "A rainy day in the county archive",
        "2024-02-10T13:20:00+00:00",
        "2024-02-14T16:00:00+00:00",
        ["Local history"],
        """
There is no better place to spend a wet Saturday than the county record office. The reading
room is warm and quiet, the staff are endlessly patient, and somewhere in the boxes there is
always a story nobody has told.

I went to look at the deposited plans for the railway embankment I wrote about last year. They
are drawn on linen in coloured inks and still look brand new. The proposed station sits exactly
where the pub car park is, just as a reader promised.

In the same box was a bundle of letters between the railway company and a furious landowner who
objected to the line crossing his pheasant covert. His final letter is a masterpiece of polite
fury and ends with the phrase "I remain, sir, your obedient but deeply disappointed servant".

I copied it out in full. Some sentences deserve to be kept. The archivist suggested the
estate's game book next, a thick ledger bound in green cloth listing every bird shot on the
covert, written out by a keeper with the wonderful surname Pettigrew-Scarrow.
""",
        [
            (
                "7430",
                "Colin Treharne",
                "2024-02-10T18:55:00+00:00",
                "Told you the plans were worth it! Glad you enjoyed the landowner's letters too.",
            ),
        ],
    ),
    (
        "chitting-potatoes-on-the-windowsill",
        "Chitting potatoes on the windowsill",
        "2024-03-02T09:00:00+00:00",
        "2024-03-02T09:00:00+00:00",
        ["Gardening"],
        """
The seed potatoes arrived this week and are now lined up in egg boxes on every windowsill in the
house. Chitting, as it is called, means letting them sprout short, sturdy shoots in the light
before planting.

Whether it makes any real difference is hotly debated. For early varieties it probably gains you
a week or two. For maincrop, the evidence is thin. I do it anyway, because there is something
cheering about rows of little green shoots on a grey March morning.

The trick is light and cool. In a warm dark cupboard the shoots grow long, pale and feeble, and
snap off when you plant them. On a cool bright sill they stay short and purple-green, like
knuckles.

The cat has taken to sleeping in the egg boxes. I have given up arguing with him and moved the
second earlies to the spare room, where they sit in regimented rows like a tiny parade ground of
tuberous sentinels.
""",
        [
            (
                "7440",
                "Jo Whitlock",
                "2024-03-02T12:12:00+00:00",
                "Our cat does exactly the same. There must be something about egg boxes.",
            ),
            (
                "7441",
                "Margaret Ellery",
                "2024-03-02T17:45:00+00:00",
                "Warm cardboard, I suspect. He has excellent taste in furniture.",
                "7440",
            ),
        ],
    ),
    (
        "the-quiet-carriage-and-other-small-mercies",
        'The "quiet carriage" and other small mercies',
        "2024-04-06T08:15:00+00:00",
        "2024-04-09T19:00:00+00:00",
        ["Railways"],
        """
I took the train to the city on Tuesday and sat in the quiet carriage, which on this line means
a carriage where people make phone calls slightly more softly than elsewhere.

I do not really mind. A train is one of the few places left where you can sit still and watch
the country go past without anyone expecting anything of you. I had a flask, a book, and a
window seat on the side that looks over the estuary.

The estuary at low tide is a great shining plain of mud with curlews stalking across it. The
line runs right along the sea wall for three miles, and on a bright morning the light off the
water fills the carriage.

Small mercies: a seat facing forward, a working heater, a conductor who says good morning as if
he means it, and a tea trolley with proper milk. I came home with the book finished and a
notebook full of lists, one of which included the word brackishness, for the smell of the air
by the sea wall.
""",
        [],
    ),
    (
        "first-light-on-the-new-dobsonian",
        "First light on the new Dobsonian",
        "2024-05-18T23:30:00+00:00",
        "2024-05-20T07:45:00+00:00",
        ["Astronomy"],
        """
After years of squinting through a small refractor I finally bought a second-hand Dobsonian
reflector: an eight-inch mirror in a tube like a drainpipe, sitting on a plywood box that swivels
on a square of kitchen worktop. It is ugly, heavy and wonderful.

First light, as astronomers call the first night with a new telescope, was a hazy evening with a
fat Moon. Not ideal, but the Moon itself was breathtaking. Craters inside craters, mountain
shadows stretching across the plains, and a long wandering valley I had never noticed before.

Later, once the Moon had dipped behind the trees, I turned to the globular cluster in Hercules
that ended my Messier marathon last year. In the small telescope it was a fuzzy ball. In the
Dobsonian it broke into individual stars right across the middle, a glittering swarm.

I laughed out loud in the dark garden, which probably worried the neighbours. The previous
owner had painted a name on the tube in small white letters: Starhopper. I think I will keep
it.
""",
        [
            (
                "7450",
                "Sunil Dhar",
                "2024-05-19T08:00:00+00:00",
                "Welcome to the aperture club. Your back will never recover.",
            ),
            (
                "7451",
                "Dennis Mayhew",
                "2024-05-19T10:30:00+00:00",
                "Starhopper is a fine name for a telescope.",
            ),
            (
                "7452",
                "Margaret Ellery",
                "2024-05-19T12:00:00+00:00",
                "Sunil, my back is already complaining. Worth it.",
                "7450",
            ),
        ],
    ),
]

_BLOGGER_PAGES_SRC = [
    (
        "about",
        "About me",
        "2022-12-01T10:00:00+00:00",
        "2023-06-01T10:00:00+00:00",
        """
I am Margaret, a retired geography teacher with an allotment, a telescope, a heavy old bicycle
and a kitchen that is never quite tidy.

This notebook is where I keep the things I would otherwise forget: what grew, what failed, which
old railway I walked and which cake I burnt. Comments are always welcome, especially corrections.
""",
    ),
]


# ---------------------------------------------------------------------------
# WordPress blog: "Spokes & Stars" (two authors; categories first, then tags)
# Each entry: post_id, slug, title, author, published, updated, labels, body, comments
# ---------------------------------------------------------------------------

_TOMAS = "Tomás Herrera"
_PRIYA = "Priya Nair"

_WORDPRESS_SRC: list[tuple] = [
    (
        "12",
        "building-a-wheel-from-scratch",
        "Building a wheel from scratch",
        _TOMAS,
        "2023-03-04T10:00:00+00:00",
        "2023-03-06T08:30:00+00:00",
        ["Cycling", "Workshop", "wheels", "repairs"],
        """
There is a moment in building a bicycle wheel when a loose tangle of thirty-two spokes suddenly
becomes a round, taut, singing thing. I have built maybe twenty wheels now and that moment still
feels like a small magic trick.

You start by lacing: threading each spoke through the hub flange and into the rim in a pattern
called three-cross, where each spoke crosses three others on its way out. Get one spoke in the
wrong hole and nothing will line up, which is how I spent most of my first evening.

## Truing and tension

Then comes truing, the slow business of tightening each nipple a quarter turn at a time while the
wheel spins in a stand. You are chasing three things at once: side-to-side wobble, up-and-down
hop, and keeping the rim centred over the hub. I use an old stand made from a welded bracket and
two bolts, which my friend Priya calls the spokeshaver.

- Tension evenly and slowly
- Stress-relieve the spokes by squeezing pairs together
- True again, then again

A well-built wheel will outlast the bike it sits in. A badly built one will let you know within
a week, usually on a hill.
""",
        [
            (
                "201",
                "Grace Kimura",
                "2023-03-04T19:30:00+00:00",
                "Three-cross on the first attempt is brave. Mine ended up as a sort of two-and-a-half.",
            ),
            (
                "202",
                _TOMAS,
                "2023-03-05T08:15:00+00:00",
                "Two-and-a-half is a perfectly valid artistic choice.",
                "201",
            ),
        ],
    ),
    (
        "19",
        "light-pollution-maps-are-lying-to-me",
        "Light pollution maps are lying to me",
        _PRIYA,
        "2023-03-25T21:00:00+00:00",
        "2023-03-25T21:00:00+00:00",
        ["Astronomy", "dark skies"],
        """
According to the light pollution map, my back garden sits in a friendly yellow zone, the kind
of place where the Milky Way should be faintly visible on a good night. According to my eyes, it
sits in an orange haze with a single bright star that turns out to be a plane.

The maps are built from satellite measurements that are several years old and averaged over
large squares. They cannot know that my neighbour installed a floodlight that could land an
aircraft, or that the new supermarket car park glows all night.

So I bought a small sky-quality meter, a gadget that points straight up and reports how dark the
sky is. Over a month of readings my garden came out noticeably brighter than the map claims, and
the field behind the allotments, a ten-minute walk away, came out darker.

The lesson is to measure your own sky. The map is a rough guide, not a promise. I now keep a
little logbook of readings, which Tomás insists on calling my skyglowometer diary.
""",
        [],
    ),
    (
        "23",
        "tortilla-de-patatas-the-argument",
        "Tortilla de patatas: the onion argument",
        _TOMAS,
        "2023-04-15T12:30:00+00:00",
        "2023-04-17T09:00:00+00:00",
        ["Food", "recipes", "Spain"],
        """
In Spain there is an argument older than most cathedrals: does a tortilla de patatas contain
onion or not? My grandmother in Salamanca said yes, firmly. My grandfather said nothing, but ate
the edges where there was less onion.

I am with my grandmother. The onion, cooked slowly with the potato in a generous amount of olive
oil, melts into sweetness and holds the whole thing together. Without it the tortilla is just
eggs and potato, which is fine, but not the same.

The method matters more than the ingredients. Slice the potatoes thin, poach them in oil over a
low heat until soft but not brown, drain them, and let them sit in the beaten eggs for ten minutes
before cooking. That rest is the secret nobody tells you.

The flip is the frightening part. Put a plate over the pan, take a breath, and turn it over in
one confident movement. If it goes wrong, call it a revuelto and pretend you meant it. My
grandmother had a word for the runny centre she liked best: jugosita.
""",
        [
            (
                "210",
                "Lucía Ferrer",
                "2023-04-15T18:05:00+00:00",
                "Con cebolla, siempre. Your grandmother was right.",
            ),
            (
                "211",
                "Ben Adeyemi",
                "2023-04-16T10:20:00+00:00",
                "The ten-minute rest changed my life. Thank you.",
            ),
            (
                "212",
                _TOMAS,
                "2023-04-16T12:00:00+00:00",
                "Lucía, I will tell her you agree. She will be unbearable.",
                "210",
            ),
        ],
    ),
    (
        "27",
        "the-canal-towpath-ride",
        "The canal towpath ride, lock by lock",
        _PRIYA,
        "2023-05-06T09:45:00+00:00",
        "2023-05-06T09:45:00+00:00",
        ["Cycling", "Local History", "canals", "day rides"],
        """
The canal towpath runs for twenty-two miles between the two market towns, almost perfectly flat,
and it is my favourite easy ride. You cannot get lost, you cannot go fast, and there is a pub
at roughly every fourth lock.

The canal was dug in the 1790s to carry coal and lime, and the locks still carry their original
numbers on cast-iron plates. Lock seventeen has a tiny cottage beside it where the lock keeper
once lived, with a bread oven built into the side wall.

![The lock keeper's cottage beside lock seventeen with a narrowboat waiting](lock-cottage.png)

Cyclists share the path with walkers, anglers and herons, and the rule is simple: slow down, ring
your bell early and say thank you. The herons do not care about bells. They lift off at the last
moment with an air of enormous irritation.

The ride back into town passes the old wharf, where the warehouse crane still stands with its
jib over the water. Someone has painted the word balustrade on its base, which is not what it
is, but makes me smile every time.
""",
        [
            (
                "220",
                "Ben Adeyemi",
                "2023-05-06T17:40:00+00:00",
                "Did this last summer with my kids. The lock cottage tea room does great flapjacks.",
            ),
        ],
    ),
    (
        "31",
        "collimating-a-newtonian-without-tears",
        "Collimating a Newtonian without tears",
        _PRIYA,
        "2023-06-10T22:10:00+00:00",
        "2023-06-12T07:20:00+00:00",
        ["Astronomy", "Workshop", "telescopes"],
        """
Collimation is the process of lining up a telescope's mirrors so that they all point along the
same axis. In a Newtonian reflector it sounds terrifying and looks like brain surgery, but it is
mostly a matter of turning three screws at a time and being patient.

The tools are simple. A collimation cap, which is a film canister with a pinhole in the middle,
does the job perfectly well. A laser collimator is quicker but only as good as its own
alignment, and mine turned out to be wonky.

1. Centre the secondary mirror under the focuser
2. Tilt the secondary until the whole primary is visible in it
3. Adjust the primary until its centre spot sits in the middle of the reflection

Do it in daylight the first time, with a cup of tea and no deadline. After that it takes five
minutes at dusk. My old mirror cell squeaks when I turn it, and I named that squeak the
creakwhistle.
""",
        [
            (
                "230",
                "Martin Osei",
                "2023-06-11T09:00:00+00:00",
                "Check your laser in a V-block before trusting it! Mine was off by miles.",
            ),
            (
                "231",
                _PRIYA,
                "2023-06-11T11:30:00+00:00",
                "Exactly what happened to me, Martin.",
                "230",
            ),
        ],
    ),
    (
        "38",
        "a-naive-guide-to-chain-wear",
        "A naïve guide to chain wear",
        _TOMAS,
        "2023-07-01T08:00:00+00:00",
        "2023-07-01T08:00:00+00:00",
        ["Cycling", "Workshop", "maintenance"],
        """
Chains do not really stretch. The plates stay the same length. What happens is that the pins and
rollers wear, and the tiny gaps add up along the length of the chain until it no longer sits
neatly in the teeth of the sprockets.

A worn chain is cheap to replace. A worn chain that you keep riding will chew through your
cassette and chainrings, which are not cheap at all. So it pays to measure.

You can buy a simple gauge that drops into the links, or you can use a steel ruler: twelve full
links of a new chain measure exactly twelve inches, and once they measure twelve and a
sixteenth, it is time for a new one.

I check mine every month or so while the kettle boils. The old chains go into a jar in the shed
where they are slowly becoming a sculpture that Priya calls the chainmaille hedgehog.
""",
        [],
    ),
    (
        "44",
        "perseids-from-the-hill-fort",
        "Perseids from the hill fort",
        _PRIYA,
        "2023-08-13T02:30:00+00:00",
        "2023-08-14T10:00:00+00:00",
        ["Astronomy", "Local History", "meteors", "dark skies"],
        """
The Perseid meteor shower peaks every August, and this year the Moon kept out of the way. Tomás
and I cycled up to the Iron Age hill fort above the town, spread a tarpaulin on the ramparts and
lay on our backs from midnight until the sky began to lighten.

We counted sixty-three meteors between us. Most were quick white scratches, but a few left
glowing trails that hung in the sky for a second or two, and one enormous fireball lit up the
whole rampart and made us both shout.

Lying on a prehistoric earthwork under the stars gives you a strange sense of time. The people
who dug those ditches saw the same shower every summer, and probably had their own stories for
it.

The ride down in the grey dawn, freewheeling all the way with cold fingers, was nearly as good
as the meteors. We stopped at the bakery as it opened and bought the first warm loaf of the
day, still steaming in its paper. The baker called us nighthawks.
""",
        [
            (
                "240",
                "Grace Kimura",
                "2023-08-13T09:45:00+00:00",
                "Sixty-three! We managed nine through the clouds.",
            ),
            (
                "241",
                "Martin Osei",
                "2023-08-13T12:10:00+00:00",
                "The fireball was at about 1.40? We saw it from the valley too.",
            ),
            (
                "242",
                _PRIYA,
                "2023-08-13T13:00:00+00:00",
                "Yes, 1.42 by my watch. Glad someone else saw it.",
                "241",
            ),
            ("243", _TOMAS, "2023-08-13T14:30:00+00:00", "I am still cold.", "242"),
        ],
    ),
    (
        "52",
        "bread-pudding-for-the-ride-home",
        "Bread pudding for the ride home",
        _TOMAS,
        "2023-09-09T15:00:00+00:00",
        "2023-09-09T15:00:00+00:00",
        ["Food", "recipes", "day rides"],
        """
Not bread and butter pudding, which is a soft custardy thing for a plate, but the old-fashioned
dense bread pudding sold in slabs at cafés and made to be carried in a pocket.

It is the perfect ride food. It uses up stale bread, it does not crumble in a saddlebag, and a
square of it contains enough energy to get you over any hill in the county.

Soak half a loaf of stale bread in milk, squeeze it out, and mash it with dried fruit, mixed
spice, brown sugar, an egg and a little melted butter. Bake it in a tin until dark and firm, let
it cool completely, and cut it into fat squares.

Wrapped in greaseproof paper it keeps for days. My recipe card, stained with tea, calls it
stodgecake, which sounds unkind but is meant with love.
""",
        [
            (
                "250",
                "Ben Adeyemi",
                "2023-09-10T07:30:00+00:00",
                "My nan made this. I had completely forgotten it existed.",
            ),
        ],
    ),
    (
        "60",
        "the-old-velodrome-at-park-road",
        "The old velodrome at Park Road",
        _PRIYA,
        "2023-10-14T11:00:00+00:00",
        "2023-10-20T16:40:00+00:00",
        ["Local History", "Cycling", "velodromes"],
        """
Behind the tennis courts in the park there is a strange oval of grass with sloping sides. Dog
walkers use it as a shortcut. Very few of them know it was once one of the busiest cycle tracks
in the region.

The Park Road velodrome opened in 1896, at the height of the cycling craze, with a cinder track,
a wooden grandstand for two thousand people and a brass band on race days. Newspapers of the time
describe crowds spilling onto the grass to see the sprint finals.

> The track was in capital condition and the racing of the very keenest description, the local
> men acquitting themselves with great credit.

That is from a newspaper report of the August meeting in 1899. By the 1920s the crowds had moved
on to motor racing and football, the grandstand burned down, and the track was grassed over.

If you stand at the top of the banking at the far end you can still feel the shape of it under
your feet. The parks department has agreed to put up an information board, and I have been asked
to help write it. The draft opens with the word gaslit.
""",
        [
            (
                "260",
                "Martin Osei",
                "2023-10-14T20:00:00+00:00",
                "My great-grandfather raced there! We have a medal somewhere.",
            ),
            (
                "261",
                _PRIYA,
                "2023-10-15T09:00:00+00:00",
                "Martin, please find it, we would love a photo for the board.",
                "260",
            ),
        ],
    ),
    (
        "67",
        "winter-commuting-lights-mudguards-and-patience",
        "Winter commuting: lights, mudguards & patience",
        _TOMAS,
        "2023-11-18T07:30:00+00:00",
        "2023-11-18T07:30:00+00:00",
        ["Cycling", "commuting", "maintenance"],
        """
The clocks have gone back, the leaves are mush and every car windscreen is steamed up. Winter
commuting is here, and with a little preparation it is far more pleasant than it looks from
inside a bus.

Lights first. You want a bright front light that lets you see the potholes, not just be seen,
and a rear light that flashes. Carry a spare rear light in your bag, because batteries always die
on the darkest night of the year.

Full-length mudguards are the single best thing you can fit. They keep the road spray off your
back and your feet, and the rider behind you will silently thank you.

- Mudguards with a long rear flap
- Gloves with a second thin pair underneath
- A cap under the helmet to keep the rain off your glasses

And patience. Everyone is tired and in a hurry in November. Ride predictably, take the lane when
you need it, and arrive warm, smug and only slightly soggy. My office locker now smells
permanently of wet wool, a fug that my colleagues have named the drizzlebox.
""",
        [],
    ),
    (
        "73",
        "the-embed-that-broke-the-page",
        "The embed that broke the page",
        _PRIYA,
        "2023-12-09T13:00:00+00:00",
        "2023-12-11T09:00:00+00:00",
        ["Workshop", "website"],
        None,  # hand-written body: see _xss_body()
        [
            (
                "270",
                "Grace Kimura",
                "2023-12-09T16:20:00+00:00",
                "We have all pasted something we should not have. Glad the site survived.",
            ),
        ],
    ),
    (
        "81",
        "orion-nebula-on-a-frosty-night",
        "Orion Nebula on a frosty night",
        _PRIYA,
        "2024-01-13T22:30:00+00:00",
        "2024-01-13T22:30:00+00:00",
        ["Astronomy", "nebulae"],
        """
On a clear January night the constellation Orion stands high in the south, and hanging below his
belt is a small fuzzy patch that is one of the most beautiful sights in the sky: the Orion
Nebula, a cloud of glowing gas where new stars are being born.

Even binoculars show it as a misty smudge. In our old Dobsonian it becomes a great grey-green
bird with outstretched wings, and at its heart sit four tight stars called the Trapezium, the
young stars whose light makes the whole cloud glow.

The frost was thick enough that the tube was coated in ice crystals by midnight. We took turns at
the eyepiece while the other warmed their hands on a flask of hot chocolate.

On nights of really steady air, a fifth and sixth star appear inside the Trapezium. We saw the
fifth, briefly, and argued for ten minutes about the sixth. The logbook records it as
probable, with a small drawing that looks like a tiny lopsided kite next to the word
hoarfrost.
""",
        [
            (
                "280",
                "Martin Osei",
                "2024-01-14T08:40:00+00:00",
                "A fifth Trapezium star in January is a great catch.",
            ),
        ],
    ),
    (
        "88",
        "dal-for-cold-evenings",
        "Dal for cold evenings",
        _PRIYA,
        "2024-02-03T18:00:00+00:00",
        "2024-02-05T12:00:00+00:00",
        ["Food", "recipes"],
        """
My mother makes dal the way other people make toast: without looking, without measuring and
without ever getting it wrong. I have been trying to copy her for twenty years.

The base is red lentils, rinsed and simmered with turmeric until they collapse into a golden
porridge. The magic happens at the end, in a separate small pan: the tadka. Hot ghee, mustard
seeds that pop and crackle, cumin, dried chillies, garlic and a few curry leaves, poured sizzling
over the lentils.

That last step is loud and fragrant and takes about a minute, and it transforms the dish
completely. Skip it and you have lentil soup. Do it and you have dinner.

We eat it with rice and a spoon of yoghurt after cold rides, and it is the only thing Tomás will
cook on a Wednesday, because it is the only thing he can cook without the smoke alarm. My
mother calls the crackle of the mustard seeds the chhaunk.
""",
        [
            (
                "290",
                _TOMAS,
                "2024-02-04T09:00:00+00:00",
                "I can also make toast. Occasionally without the smoke alarm.",
            ),
            ("291", _PRIYA, "2024-02-04T09:30:00+00:00", "Occasionally.", "290"),
        ],
    ),
    (
        "95",
        "restoring-a-mixte-frame",
        "Restoring a mixte frame: rust, paint & patience",
        _TOMAS,
        "2024-03-16T10:30:00+00:00",
        "2024-03-18T17:15:00+00:00",
        ["Workshop", "Cycling", "restoration", "repairs"],
        """
A mixte is a bicycle frame with twin tubes running from the head tube all the way to the rear
wheel, in place of a top tube. It is elegant, easy to step over and, on this particular example
from a French maker in the 1970s, extremely rusty.

The frame spent a weekend in a bath of citric acid, which removes rust without harming the steel
underneath. What came out was a dull grey skeleton with pitting on the chainstays but nothing that
worried me structurally.

Then came paint: three coats of primer and four of a deep racing green, rubbed down between coats.
The original decals were beyond saving, so Priya redrew them by hand from photographs and we had
them printed as waterslide transfers.

The finished bike is lighter than it looks and rides beautifully. It now belongs to my sister,
who has promised to keep it indoors. The head badge, cleaned and refitted, shows a little
cockerel and the word Clairvaux.
""",
        [],
    ),
    (
        "102",
        "markets-and-the-medieval-street-plan",
        "Markets and the medieval street plan",
        _PRIYA,
        "2024-04-20T09:00:00+00:00",
        "2024-04-20T09:00:00+00:00",
        ["Local History", "walks"],
        """
Look at a map of our town centre and you will notice that the high street suddenly widens into a
long funnel shape, then narrows again at each end. That funnel is the old medieval market place,
laid out in the 1200s when the lord of the manor was granted a charter to hold a weekly market.

Over the centuries the market stalls became permanent, and the permanent stalls became buildings.
The row of narrow shops down the middle of the funnel, with the alley behind them, is what is
left of that process: a market that slowly turned to stone.

The long thin plots running back from the street, called burgage plots, still define the shape of
the shops today. Most are exactly the same width, set out by a surveyor more than seven hundred
years ago.

Next time you walk down the high street, count the shop fronts. You are walking through a plan
drawn before anyone had invented the printing press. The narrowest plot of all, barely wider than
a doorway, is occupied by a cobbler whose sign promises a speedy bootmending service.
""",
        [
            (
                "300",
                "Ben Adeyemi",
                "2024-04-21T13:00:00+00:00",
                "I had no idea. I will never see the high street the same way again.",
            ),
        ],
    ),
]

_WORDPRESS_PAGES_SRC = [
    (
        "2",
        "about",
        "About",
        _TOMAS,
        "2023-01-10T10:00:00+00:00",
        "2023-05-01T10:00:00+00:00",
        """
We are Tomás and Priya, two friends who share a workshop, a second-hand telescope and an
unreasonable number of bicycles.

Tomás fixes things and cooks tortilla. Priya looks at the sky and writes about the history of the
streets we ride through. Between us we try to post something most months.
""",
    ),
]


def _xss_body() -> tuple[list[str], str]:
    """The deliberately careless embed: script, onerror image and javascript: link."""
    paragraphs = [
        "Last week a local club sent us a route map widget to put on the blog. I pasted their "
        "embed code straight into the editor without reading it, which is exactly what every "
        "guide tells you never to do.",
        "The embed looked harmless in the preview. What it actually contained was an inline "
        "script, an image with an error handler and a link with a script address instead of a "
        "web address.",
        "Here is the route link exactly as they sent it: link text",
        "Map preview:",
        "Nothing bad happened, but it was a useful reminder. Anything that ends up on a page "
        "should be treated as untrusted until somebody has actually read it, and tools that "
        "archive or display pages must strip this sort of thing out. We have since rewritten the "
        "embed by hand as a plain image with a caption, the embedmongery is gone, and the club "
        "has been sent a polite note.",
    ]
    body = "\n".join(
        [
            f"<p>{html.escape(paragraphs[0], quote=False)}</p>",
            f"<p>{html.escape(paragraphs[1], quote=False)}</p>",
            "<script>alert(1)</script>",
            "<p>Here is the route link exactly as they sent it: "
            '<a href="javascript:alert(3)">link text</a></p>',
            '<p>Map preview: <img src=x onerror="alert(2)"></p>',
            f"<p>{html.escape(paragraphs[4], quote=False)}</p>",
        ]
    )
    return paragraphs, body


def _build_blogger() -> tuple[list[DemoPost], list[DemoPost]]:
    posts = [
        _make(
            "blogger",
            slug,
            title,
            BLOGGER_AUTHOR,
            pub,
            upd,
            labels,
            body,
            comments,
            _blogger_id("post:" + slug),
        )
        for slug, title, pub, upd, labels, body, comments in _BLOGGER_SRC
    ]
    pages = [
        _make(
            "blogger",
            slug,
            title,
            BLOGGER_AUTHOR,
            pub,
            upd,
            [],
            body,
            [],
            _blogger_id("page:" + slug),
        )
        for slug, title, pub, upd, body in _BLOGGER_PAGES_SRC
    ]
    return posts, pages


def _build_wordpress() -> tuple[list[DemoPost], list[DemoPost]]:
    posts = []
    for pid, slug, title, author, pub, upd, labels, body, comments in _WORDPRESS_SRC:
        if body is None:
            paragraphs, body_html = _xss_body()
            post = DemoPost(
                slug=slug,
                title=title,
                author=author,
                published=pub,
                updated=upd,
                labels=list(labels),
                paragraphs=paragraphs,
                comments=[DemoComment(*c) for c in comments],
                body_html=body_html,
                post_id=pid,
                html_source=tuple(paragraphs),
            )
        else:
            post = _make("wordpress", slug, title, author, pub, upd, labels, body, comments, pid)
        posts.append(post)
    pages = [
        _make("wordpress", slug, title, author, pub, upd, [], body, [], pid)
        for pid, slug, title, author, pub, upd, body in _WORDPRESS_PAGES_SRC
    ]
    return posts, pages


_BLOGGER_CACHE = _build_blogger()
_WORDPRESS_CACHE = _build_wordpress()


def blogger_posts() -> list[DemoPost]:
    """The Blogger demo blog's posts (fresh deep copies), oldest first."""
    return copy.deepcopy(_BLOGGER_CACHE[0])


def blogger_pages() -> list[DemoPost]:
    """The Blogger demo blog's static pages (``/p/SLUG.html``)."""
    return copy.deepcopy(_BLOGGER_CACHE[1])


def wordpress_posts() -> list[DemoPost]:
    """The WordPress demo blog's posts (fresh deep copies), oldest first.

    ``labels`` are categories first (names in :data:`WORDPRESS_CATEGORIES`), then tags.
    """
    return copy.deepcopy(_WORDPRESS_CACHE[0])


def wordpress_pages() -> list[DemoPost]:
    """The WordPress demo blog's pages (``/SLUG/``)."""
    return copy.deepcopy(_WORDPRESS_CACHE[1])


# ---------------------------------------------------------------------------
# Helpers for tests
# ---------------------------------------------------------------------------

_WORD = re.compile(r"[a-z]+")


def words_of(text: str) -> set[str]:
    """Lower-case ASCII words of a text (what a simple full-text tokenizer would see)."""
    return set(_WORD.findall(text.lower()))


def distinctive_word(post: DemoPost, posts: list[DemoPost]) -> str:
    """A word (>= 6 letters) of ``post.text`` that appears in no other post's text or title.

    Deterministic: the longest such word, ties broken alphabetically.  Raises
    ValueError if there is none.
    """
    others: set[str] = set()
    for other in posts:
        if other is not post and other.slug != post.slug:
            others |= words_of(other.text) | words_of(other.title)
    candidates = [w for w in words_of(post.text) if len(w) >= 6 and w not in others]
    if not candidates:
        raise ValueError(f"no distinctive word in {post.slug!r}")
    return sorted(candidates, key=lambda w: (-len(w), w))[0]


# ---------------------------------------------------------------------------
# Synthetic posts for benchmarks
# ---------------------------------------------------------------------------

_SYN_WORDS = """
garden river bridge kettle lantern meadow orchard harbour station signal engine carriage
platform timetable village chapel market bakery pantry cellar attic window garden lane hedge
field barley wheat clover bramble nettle willow alder hazel rowan beech maple cedar heron
curlew plover swallow swift wren robin thrush blackbird owl badger otter hare rabbit fox
telescope mirror eyepiece planet comet meteor nebula galaxy cluster moon crater horizon
dusk dawn twilight evening morning afternoon winter spring summer autumn frost rain drizzle
fog mist breeze gale sunshine cloud puddle bicycle saddle pedal chain spoke wheel rim tyre
brake lever gear hub frame mudguard pannier lamp bell map compass notebook pencil ledger
letter parcel recipe oven flour butter sugar yeast dough crust loaf scone pastry jam
chutney pickle onion garlic potato carrot parsnip leek cabbage bean pea tomato apple pear
plum cherry quince rhubarb gooseberry walnut chestnut honey cheese soup stew pie tart
quietly slowly carefully patiently gently briskly happily nearly almost rather quite
old new small large long short bright dark warm cold damp dry early late quiet busy
steady rusty shiny narrow broad crooked straight heavy light golden silver green grey
walk ride cook bake plant prune sow harvest mend clean polish measure sketch record
notice wonder remember forget follow cross climb descend repair borrow return gather
""".split()

_SYN_LABELS = [
    "Gardening",
    "Railways",
    "Cooking",
    "Astronomy",
    "Bicycles",
    "Local history",
    "Walks",
    "Weather",
    "Workshop",
    "Books",
    "Birds",
    "Travel",
]
_SYN_PEOPLE = [
    "Alice Morton",
    "Bilal Shah",
    "Carys Evans",
    "Diego Alvarez",
    "Eun-ji Park",
    "Fergus Lyle",
    "Greta Holm",
    "Hamid Rahimi",
    "Ines Duarte",
    "Jonas Berg",
    "Kemi Adebayo",
    "Liam O'Neill",
]
_SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "ne",
    "ru",
    "sa",
    "ti",
    "vo",
    "be",
    "du",
    "fa",
    "gi",
    "ho",
    "ju",
    "pe",
    "ro",
    "su",
    "ta",
    "wi",
    "zo",
]


def _coined_word(i: int) -> str:
    """A unique made-up alphabetic word for index i (always starts with 'qx')."""
    parts = []
    for _ in range(4):
        i, r = divmod(i, len(_SYLLABLES))
        parts.append(_SYLLABLES[r])
    while i:
        i, r = divmod(i, len(_SYLLABLES))
        parts.append(_SYLLABLES[r])
    return "qx" + "".join(parts)


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).replace(microsecond=0).isoformat()


def synthetic_posts(n: int, *, seed: int = 0, paragraphs: int = 12) -> list[DemoPost]:
    """``n`` deterministic generated posts (oldest first) for benchmarks.

    Each paragraph is ~250-450 characters built from a word list, so a page rendered
    with ``paragraphs=40`` is about 50 KB.  Every post's first paragraph contains a
    unique coined word (``qx...``) usable as its distinctive search term; slugs are
    unique; dates increase with the index; ids are ``str(100000 + i)``.
    """
    rng = random.Random(seed)
    words = _SYN_WORDS
    sentence_pool = []
    for _ in range(4096):
        k = rng.randint(8, 16)
        ws = rng.choices(words, k=k)
        sentence_pool.append(ws[0].capitalize() + " " + " ".join(ws[1:]) + ".")
    posts: list[DemoPost] = []
    t = datetime(2012, 1, 1, 8, 0, tzinfo=UTC)
    for i in range(n):
        t = t + timedelta(minutes=rng.randint(60, 540))
        a, b = rng.sample(words, 2)
        title = rng.choice(
            [
                f"Notes on the {a} and the {b}",
                f"A {a} in the {b}",
                f"{a.capitalize()} & {b}",
                f"{a.capitalize()}: thoughts on {b}",
                f"The {a}'s {b}",
            ]
        )
        slug = f"{a}-{b}-{i}"
        upd = t + timedelta(minutes=rng.choice([0, 0, 0, 30, 600, 4000]))
        labels = rng.sample(_SYN_LABELS, rng.randint(1, 3))
        paras = []
        for j in range(paragraphs):
            text = " ".join(rng.choices(sentence_pool, k=rng.randint(3, 5)))
            if j == 0:
                text = f"{text} The word of the day is {_coined_word(i)}."
            paras.append(text)
        comments = []
        for k in range(rng.choice([0, 0, 1, 2, 3])):
            cid = str(i * 10 + k + 1)
            parent = comments[0].comment_id if k == 2 else None
            comments.append(
                DemoComment(
                    comment_id=cid,
                    author=rng.choice(_SYN_PEOPLE),
                    published=_iso(t + timedelta(hours=3 + k * 5)),
                    text=rng.choice(sentence_pool) + " " + rng.choice(sentence_pool),
                    parent=parent,
                )
            )
        posts.append(
            DemoPost(
                slug=slug,
                title=title,
                author=_SYN_PEOPLE[i % 3],
                published=_iso(t),
                updated=_iso(upd),
                labels=labels,
                paragraphs=paras,
                comments=comments,
                post_id=str(100000 + i),
            )
        )
    return posts
