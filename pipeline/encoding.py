"""Decide how a page's bytes are decoded, and record the decision.

Order: a byte-order mark; the HTTP ``Content-Type`` charset; the ``<meta charset>``; UTF-8;
statistical detection (charset_normalizer); windows-1252 as the last resort. Two lies are
caught on the way:

- a declared legacy charset (``iso-8859-1``, ``windows-1251``, ...) on bytes that are valid
  UTF-8 with multi-byte sequences is a mislabelled UTF-8 page (such runs are very unlikely in
  real single-byte text), so UTF-8 wins;
- a declared ``utf-8`` on bytes that are not valid UTF-8 falls through to the next candidate.

UTF-8 pages with a few stray single-byte characters (a Latin-1 paragraph pasted into a UTF-8
template) are decoded per region: the valid UTF-8 as UTF-8, each invalid byte as windows-1252,
so one bad byte never turns the whole text into mojibake. The result's ``encoding`` is then
``"utf-8+cp1252"``.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

__all__ = ["Decoded", "decode_page"]

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.I)
# WHATWG: these labels mean windows-1252 in browsers.
_LATIN1_LABELS = {"latin-1", "iso8859-1", "ascii", "cp1252", "windows-1252"}

# Sources, as recorded in ``posts.encoding_source``.
SOURCES = ("bom", "http", "meta", "utf-8", "detected", "fallback")


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str | None  # codec name used ("utf-8", "cp1251", "utf-8+cp1252", ...)
    source: str | None  # one of SOURCES; None when the page was given as text


def codec_name(label: str | None) -> str | None:
    """Python codec name for a charset label (WHATWG: latin-1 labels mean windows-1252)."""
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().strip("\"'")).name
    except LookupError:
        return None
    return "cp1252" if name in _LATIN1_LABELS else name


def _cp1252_repair(error: UnicodeDecodeError) -> tuple[str, int]:
    bad = error.object[error.start : error.end]
    return bad.decode("cp1252", errors="replace"), error.end


codecs.register_error("blogarchive-cp1252", _cp1252_repair)


_SURROGATE = re.compile("[\udc80-\udcff]")


def _utf8_state(data: bytes) -> tuple[str | None, int, int]:
    """(the strict UTF-8 decoding or None, valid multi-byte sequences (0 or more; on valid
    UTF-8 only 0 or 1 is reported), invalid bytes)."""
    if data.isascii():
        return data.decode("ascii"), 0, 0
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        escaped = data.decode("utf-8", errors="surrogateescape")
        invalid = len(_SURROGATE.findall(escaped))
        non_ascii = len(escaped) - len(escaped.encode("ascii", errors="ignore"))
        return None, non_ascii - invalid, invalid
    return text, 1, 0


def decode_page(page: str | bytes, encoding: str | None = None) -> Decoded:
    """Decode page bytes (``encoding`` is the HTTP header's charset); never raises."""
    if isinstance(page, str):
        return Decoded(page.lstrip("\ufeff"), None, None)
    data = bytes(page)
    for bom, name in _BOMS:
        if data.startswith(bom):
            return Decoded(data[len(bom) :].decode(name, errors="replace"), name, "bom")
    utf8_text, multibyte, invalid = _utf8_state(data)
    valid_utf8 = utf8_text is not None
    meta = _META_CHARSET.search(data[:8192])
    candidates = [(codec_name(encoding), "http")]
    if meta is not None:
        candidates.append((codec_name(meta.group(1).decode("ascii", "ignore")), "meta"))
    for name, source in candidates:
        if not name:
            continue
        if name == "utf-8":
            if valid_utf8:
                return Decoded(utf8_text, "utf-8", source)
            continue  # a lie: the bytes say otherwise
        if name.startswith(("utf-16", "utf-32")) and source == "meta":
            continue  # declared in an ASCII-compatible meta: it cannot be
        if valid_utf8 and multibyte:
            return Decoded(utf8_text, "utf-8", "utf-8")
        try:
            return Decoded(data.decode(name), name, source)
        except (UnicodeDecodeError, LookupError):
            continue
    if valid_utf8:
        return Decoded(utf8_text, "utf-8", "utf-8")
    # Mostly UTF-8 with a few stray single-byte characters: decode per region.
    if multibyte and invalid <= multibyte:
        return Decoded(
            data.decode("utf-8", errors="blogarchive-cp1252"), "utf-8+cp1252", "detected"
        )
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        if best is not None and best.encoding:
            name = codec_name(best.encoding) or best.encoding
            return Decoded(data.decode(name, errors="replace"), name, "detected")
    except Exception:  # noqa: BLE001 - detection is best effort
        pass
    return Decoded(data.decode("cp1252", errors="replace"), "cp1252", "fallback")
