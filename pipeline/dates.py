"""Post dates: normalising, reading them from URLs and visible text, and plausibility.

Every date the extractor stores comes with its provenance (``published_source`` /
``updated_source``), one of :data:`SOURCES`, and an implausible date (in the future, before
1995, an update before publication) is flagged in ``date_flags`` instead of being stored.
"""

from __future__ import annotations

import re
import warnings
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo

__all__ = [
    "SOURCES",
    "check_dates",
    "date_from_text",
    "date_from_url",
    "implausible",
    "has_zone",
    "instant",
    "normalise_date",
    "same_moment",
]

# Where a date came from, most trusted first (the order in which they are tried).
SOURCES = ("feed", "hints", "json-ld", "meta", "markup", "url", "text", "htmldate")
EARLIEST_YEAR = 1995  # no blog post predates this; earlier dates are template/epoch noise
# A date this far past "now" is in the future (time zones and clock skew allowed for).
FUTURE_SLACK = timedelta(days=1)

# Time zones written by name in RFC 822 dates (feeds, `<meta>`s, "Posted at 23:30 EST"): the
# US zones RFC 822 defines and the unambiguous names of other zones blogs write. A name not
# here ("IST", "BST": two zones each) leaves the time without an offset, on every machine
# (dateutil would otherwise read a name the machine's own zone has as that zone).
ZONE_NAMES = {
    "UT": 0, "UTC": 0, "GMT": 0, "Z": 0, "WET": 0,
    "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7,
    "AKST": -9, "AKDT": -8, "HST": -10, "NST": -3.5, "NDT": -2.5,
    "WEST": 1, "CET": 1, "CEST": 2, "MET": 1, "MEST": 2, "EET": 2, "EEST": 3, "MSK": 3,
    "JST": 9, "KST": 9, "HKT": 8, "AWST": 8, "ACST": 9.5, "ACDT": 10.5, "AEST": 10,
    "AEDT": 11, "NZST": 12, "NZDT": 13,
}  # fmt: skip
_WS = re.compile(r"\s+")
_EPOCH_MS = re.compile(r"^\d{12,13}$")
_YEAR = re.compile(r"\b(1[0-9]{3}|2[0-9]{3})\b")
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_MONTH = re.compile(r"\d{4}-\d{2}")


def normalise_date(value) -> str | None:
    """Return ISO 8601 (a date, or a datetime keeping its offset) or None.

    Implausible but well-formed dates (1970, 2099) are returned as they are:
    :func:`check_dates` flags them. Text without an explicit year is not a date.
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = _WS.sub(" ", str(value)).strip()
    if not text:
        return None
    if _EPOCH_MS.match(text):
        return datetime.fromtimestamp(int(text) / 1000, tz=UTC).isoformat()
    iso = text[:-1] + "+00:00" if text.endswith("Z") else text
    try:
        if _ISO_DAY.fullmatch(iso):
            return date.fromisoformat(iso).isoformat()
        if _ISO_MONTH.fullmatch(iso):
            year, month = int(iso[:4]), int(iso[5:7])
            return f"{year:04d}-{month:02d}" if 1 <= month <= 12 else None
        return datetime.fromisoformat(iso).isoformat()
    except ValueError:
        pass
    if not _YEAR.search(text):
        return None
    try:
        from dateutil import parser as dateparser
    except ImportError:  # pragma: no cover - dateutil ships with trafilatura's deps
        return None
    cleaned = re.sub(r"\b(at|um|à|às|a las|on|posted|published|updated)\b", " ", text, flags=re.I)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            parsed = dateparser.parse(
                cleaned, fuzzy=False, default=datetime(1900, 1, 1), tzinfos=_zone_of
            )
    except (ValueError, OverflowError, TypeError):
        return None
    if not 1000 <= parsed.year <= 2999:
        return None
    has_time = bool(re.search(r"\d{1,2}:\d{2}", text))
    return parsed.isoformat() if has_time else parsed.date().isoformat()


def _zone_of(name: str | None, offset: int | None) -> tzinfo | None:
    """dateutil's `tzinfos`: a written offset ("-0500"), else a zone name of
    :data:`ZONE_NAMES`, else none (never the machine's own zone)."""
    if offset is not None:
        return timezone(timedelta(seconds=offset))
    hours = ZONE_NAMES.get((name or "").upper())
    return None if hours is None else timezone(timedelta(hours=hours))


_URL_DAY = re.compile(r"/((?:19|20)\d{2})/(0[1-9]|1[0-2])/(0[1-9]|[12]\d|3[01])/")
_URL_MONTH = re.compile(r"/((?:19|20)\d{2})/(0[1-9]|1[0-2])/")


def date_from_url(url: str) -> str | None:
    """``/2024/05/17/slug/`` gives 2024-05-17; Blogger's ``/2024/05/slug.html`` gives 2024-05."""
    path = url.split("?", 1)[0].split("#", 1)[0]
    match = _URL_DAY.search(path)
    if match:
        try:
            return date(*map(int, match.groups())).isoformat()
        except ValueError:
            return None
    match = _URL_MONTH.search(path)
    return f"{match.group(1)}-{match.group(2)}" if match else None


_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_TEXT_DATE = re.compile(
    rf"\b(?:{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+(?:19|20)\d{{2}}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTHS},?\s+(?:19|20)\d{{2}}"
    r"|(?:19|20)\d{2}-\d{2}-\d{2})\b",
    re.I,
)


# Month names of the languages Blogger and WordPress write date headers in most ("Sonntag,
# 14. Januar 2024", "dimanche 14 janvier 2024", "domingo, 14 de enero de 2024").
_LOCAL_MONTH_NAMES = {
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "de": "januar februar märz april mai juni juli august september oktober november dezember",
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
    "pt": "janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro dezembro",
    "it": "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre",
    "nl": "januari februari maart april mei juni juli augustus september oktober november december",
    # Russian and Ukrainian write the month in the genitive ("17 мая 2024")
    "ru": "января февраля марта апреля мая июня июля августа сентября октября ноября декабря",
    "uk": "січня лютого березня квітня травня червня липня серпня вересня жовтня листопада грудня",
    # Hebrew, after its "in" prefix ("17 במאי 2024", see _LOCAL_TEXT_DATE)
    "he": "ינואר פברואר מרץ אפריל מאי יוני יולי אוגוסט ספטמבר אוקטובר נובמבר דצמבר",
    # Arabic: the names used in Egypt and the Gulf, then the Levant's ("١٧ مايو ٢٠٢٤")
    "ar": "يناير فبراير مارس أبريل مايو يونيو يوليو أغسطس سبتمبر أكتوبر نوفمبر ديسمبر",
    "ar-levant": "كانون_الثاني شباط آذار نيسان أيار حزيران تموز آب أيلول تشرين_الأول تشرين_الثاني"
    " كانون_الأول",
}  # fmt: skip
_LOCAL_MONTHS = {
    name.replace("_", " "): number
    for names in _LOCAL_MONTH_NAMES.values()
    for number, name in enumerate(names.split(), start=1)
}
_LOCAL_MONTHS.update(
    {"setiembre": 9, "jänner": 1, "maerz": 3, "fevrier": 2, "aout": 8, "إبريل": 4, "ابريل": 4}
)
_LOCAL_TEXT_DATE = re.compile(
    r"\b(\d{1,2})(?:\.|º|er)?\s+(?:de\s+|ב-?)?("
    + "|".join(sorted(_LOCAL_MONTHS, key=len, reverse=True))
    + r")\.?,?\s+(?:de\s+)?((?:19|20)\d{2})\b",
    re.I,
)
# Dates written in numbers, year first: Chinese and Japanese "2024年5月17日", Korean
# "2024. 5. 17." (and "2024년 5월 17일"), "2024/05/17", ISO "2024-05-17"; then day first with
# dots ("17.05.2024", German and Russian themes). A time right after it ("14:03") is kept.
_NUMERIC_DATE = re.compile(
    r"(?<!\d)((?:19|20)\d{2})(?:\s*[年년]\s*|\.\s*|/|-)(\d{1,2})(?:\s*[月월]\s*|\.\s*|/|-)"
    r"(\d{1,2})(?!\d)(?:\s*[日일])?\.?"
    r"|(?<![\d.])(\d{1,2})\.(\d{1,2})\.((?:19|20)\d{2})(?![\d.])"
)
_TIME_AFTER = re.compile(
    r"\s*(?:\([^)]{1,6}\)|（[^）]{1,6}）|[^\d\s]{1,3}요일)?[,\s]*(?:t|at|um|à|в|于)?\s*"
    r"(오전|오후|午前|午後)?\s*(\d{1,2}):(\d{2})(?::(\d{2}))?(?![\d:])",
    re.I,
)
_OFFSET_AFTER = re.compile(r"(?:\.\d{1,6})?\s?(Z|[+-]\d{2}:?\d{2})(?![\d:])")
# Arabic-Indic and Persian digits read as 0-9 ("١٧ مايو ٢٠٢٤")
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


def _with_time(day: date, text: str, end: int) -> str:
    """``day`` in ISO 8601, with the time written right after it in ``text`` (from ``end``)
    if there is one ("14:03", "오후 2:03", "в 09:15", "T05:03:12Z")."""
    clock = _TIME_AFTER.match(text, end)
    if not clock:
        return day.isoformat()
    half, *digits = clock.groups()
    hour, minute, second = (int(v or 0) for v in digits)
    if half in ("오후", "午後") and hour < 12:
        hour += 12  # afternoon
    elif half in ("오전", "午前") and hour == 12:
        hour = 0
    if hour > 23 or minute > 59 or second > 59:
        return day.isoformat()
    moment = datetime(day.year, day.month, day.day, hour, minute, second).isoformat()
    offset = _OFFSET_AFTER.match(text, clock.end())
    if offset:  # "2024-05-17T05:03:12Z", "... 14:03 +09:00"
        return normalise_date(moment + offset.group(1)) or moment
    return moment


def date_from_text(text: str) -> str | None:
    """The first date written in ``text``: in numbers ("2024年5月17日", "2024. 5. 17. 14:03",
    "2024-05-17 14:03", "17.05.2024"; with the time that follows it, if any), in English
    ("Sunday, March 12, 2017"), or as "day month year" in French, German, Spanish,
    Portuguese, Italian, Dutch, Russian, Ukrainian, Hebrew or Arabic ("Sonntag, 14. Januar
    2024", "17 мая 2024", "١٧ مايو ٢٠٢٤")."""
    text = (text or "").translate(_DIGITS)
    match = _NUMERIC_DATE.search(text)
    if match:
        groups = match.groups()
        year, month, day = groups[:3] if groups[0] else (groups[5], groups[4], groups[3])
        try:
            found = date(int(year), int(month), int(day))
        except ValueError:
            found = None
        if found is not None:
            return _with_time(found, text, match.end())
    match = _TEXT_DATE.search(text)
    if match:
        return normalise_date(match.group(0))
    match = _LOCAL_TEXT_DATE.search(text)
    if match:
        day, month, year = match.groups()
        try:
            found = date(int(year), _LOCAL_MONTHS[month.lower()], int(day))
        except ValueError:
            return None
        return _with_time(found, text, match.end())
    return None


def _as_datetime(value: str) -> datetime | None:
    try:
        if _ISO_MONTH.fullmatch(value):
            return datetime(int(value[:4]), int(value[5:7]), 1, tzinfo=UTC)
        if _ISO_DAY.fullmatch(value):
            return datetime.fromisoformat(value).replace(tzinfo=UTC)
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def instant(value: str | None) -> datetime | None:
    """The instant, in UTC, of a date as the archive stores it, read as `posts.published_utc`
    is (`store.published_instant_sql`): a time with its zone is that instant, one without is
    taken as UTC, a day is its midnight and a month its first day's, in UTC. None when it is
    no ISO 8601 date."""
    return _as_datetime(value.strip()) if value else None


def has_zone(value: str, *, other_than_utc: bool = False) -> bool:
    """Whether an ISO 8601 time (as :func:`normalise_date` writes it) carries an offset (one
    other than UTC's, with ``other_than_utc``); a day or a month has none."""
    if len(value) <= 10:
        return False
    try:
        offset = datetime.fromisoformat(value).utcoffset()
    except ValueError:
        return False
    return offset is not None and (not other_than_utc or bool(offset))


def same_moment(a: str, b: str) -> bool:
    """Whether two ISO 8601 times are the same moment: the same instant, or the same clock
    time when one of them has no zone (the blog's local time). Days and months are not."""
    if len(a) <= 10 or len(b) <= 10:
        return False
    try:
        first, second = datetime.fromisoformat(a), datetime.fromisoformat(b)
    except ValueError:
        return False
    if (first.tzinfo is None) != (second.tzinfo is None):
        return first.replace(tzinfo=None) == second.replace(tzinfo=None)
    return first == second


def implausible(value: str, now: datetime | None = None) -> str | None:
    """Why ``value`` cannot be a post's date ("in_future", "before_1995"), or None."""
    moment = _as_datetime(value)
    if moment is None:
        return None
    now = now or datetime.now(UTC)
    if moment > now + FUTURE_SLACK:
        return "in_future"
    if moment.year < EARLIEST_YEAR:
        return f"before_{EARLIEST_YEAR}"
    return None


def check_dates(
    published: str | None, updated: str | None, now: datetime | None = None
) -> tuple[str | None, str | None, list[str]]:
    """Drop an update that precedes publication; return (published, updated, flags).

    Flags keep the raw value: ``updated_before_published:2019-01-01``. (Future and pre-1995
    dates are filtered per candidate by :func:`implausible` as they are read.)
    """
    flags: list[str] = []
    if published and updated:
        p, u = _as_datetime(published), _as_datetime(updated)
        if p is not None and u is not None:
            # a date-only value compares by day (its time is unknown)
            date_only = len(published) <= 10 or len(updated) <= 10
            if (u.date() < p.date()) if date_only else (u < p - timedelta(minutes=1)):
                flags.append(f"updated_before_published:{updated}")
                updated = None
    return published, updated, flags
