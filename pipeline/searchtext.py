"""What the full-text index sees of a text, and how a query is put to it.

SQLite's unicode61 tokenizer (under porter, `posts_fts` and `comments_fts`) makes one token of
each run of letters: Chinese, Japanese and Thai write without spaces between words, and Korean
attaches its particles to the word (서울에서), so a sentence or a whole clause is one token
and a search for the word in it (東京, 北京, 서울) finds nothing. SQLite has no tokenizer that
splits these scripts (trigram needs three characters, and a custom one would need a compiled
extension wherever the archive is opened), so the archive splits them itself:

- the text indexed (and read back by snippet() and highlight(), see pipeline/store.py) has a
  zero-width space (U+200B, a separator to unicode61, invisible on a page) between each
  character of these scripts and its neighbours, so each character is a token;
- a query's run of such characters becomes a phrase of them ("東 京"): the adjacent pair,
  wherever it stands in a run.

English and every script written with spaces between words are left exactly as they were.

The same indexed copy has some letters `folded` (migration 014): Greek accents, Arabic harakat
and tatweel, Hebrew niqqud removed, ß as ss, ı as i, ligatures and full-width letters as plain
ones, which unicode61 keeps apart; a query is folded alike, and `unfolded` shows a snippet of
such text as stored. `user_query` reads what a user types in a search box (words, "a phrase",
prefix*, -word, OR, title:word) as a valid FTS5 query, the same on every search path.
"""

from __future__ import annotations

import functools
import re
import unicodedata

#: What is put between two characters for the index: a zero-width space (U+200B).
SEPARATOR = "\u200b"

#: Scripts written without spaces between words, or whose words take attached particles:
#: Thai and Lao, Myanmar, Hangul, Khmer, CJK radicals, ideographic iteration and number
#: marks, kana, Bopomofo, Hangul compatibility jamo, kanbun, CJK ideographs (and extension A,
#: compatibility ideographs, extensions B to H), Hangul syllables and jamo extensions,
#: half-width katakana and Hangul, kana supplements.
_RANGES = (
    (0x0E00, 0x0EFF),
    (0x1000, 0x109F),
    (0x1100, 0x11FF),
    (0x1780, 0x17FF),
    (0x19E0, 0x19FF),
    (0x2E80, 0x2FDF),
    (0x3005, 0x3007),
    (0x3021, 0x3029),
    (0x3031, 0x3035),
    (0x3038, 0x303C),
    (0x3040, 0x30FF),
    (0x3100, 0x31FF),
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xA960, 0xA97F),
    (0xAC00, 0xD7FF),
    (0xF900, 0xFAFF),
    (0xFF66, 0xFFDC),
    (0x1B000, 0x1B16F),
    (0x20000, 0x323AF),
)
#: Combining marks outside those ranges that may follow one of their characters (combining
#: diacritics, variation selectors, the ideographic variation selectors).
_MARK_RANGES = ((0x0300, 0x036F), (0xFE00, 0xFE0F), (0xE0100, 0xE01EF))
#: Blocks of ideographs or syllables only (no combining marks in them: not looked through).
_NO_MARKS_FROM = 0x3400


def _char_class(codes: list[int], blocks: tuple[tuple[int, int], ...] = ()) -> str:
    """A regular-expression character class body for these code points (sorted) and these
    whole blocks (first, last), which follow them."""
    runs: list[list[int]] = []
    for code in codes:
        if runs and code == runs[-1][1] + 1:
            runs[-1][1] = code
        else:
            runs.append([code, code])
    runs += [[first, last] for first, last in blocks]
    return "".join(
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in runs
    )


def _classes() -> tuple[str, str, str]:
    """The character classes of these scripts' base characters, of their combining marks, and
    of every combining mark that may follow one of them. Only the blocks below
    _NO_MARKS_FROM are looked through character by character (the ideograph and syllable
    blocks after it, ~100,000 code points, would take ~35 ms at every start of a command)."""
    looked_through = [(start, end) for start, end in _RANGES if start < _NO_MARKS_FROM]
    marks = [
        code
        for start, end in looked_through
        for code in range(start, end + 1)
        if unicodedata.category(chr(code)).startswith("M")
    ]
    mark_set = set(marks)
    base = [
        code
        for start, end in looked_through
        for code in range(start, end + 1)
        if code not in mark_set
    ]
    whole = tuple((start, end) for start, end in _RANGES if start >= _NO_MARKS_FROM)
    other_marks = [code for start, end in _MARK_RANGES for code in range(start, end + 1)]
    return _char_class(base, whole), _char_class(marks), _char_class(sorted(marks + other_marks))


_BASE, _SCRIPT_MARKS, _MARKS = _classes()
#: a character of these scripts (not a combining mark)
_SEGMENTED = re.compile(f"[{_BASE}]")
#: the characters that may be one: neither before U+0E00 (Latin, Greek, Cyrillic, Hebrew,
#: Arabic, Indic...) nor general punctuation (quotes, dashes); four times faster to look for
_CANDIDATE = re.compile("[^\x00-\u0dff\u2000-\u206f]")
#: where a separator goes: before such a character that follows a letter, digit or mark, and
#: after one (or its marks) that a letter or digit of another script follows
_BOUNDARY = re.compile(f"(?<=[\\w{_MARKS}])(?=[{_BASE}])|(?<=[{_BASE}{_SCRIPT_MARKS}])(?=\\w)")
#: a bare word of FTS5 query syntax (ASCII letters, digits, "_", \x1a, any non-ASCII character)
_BAREWORD = re.compile(r"(?:[A-Za-z0-9_\x1a]|[^\x00-\x7f])+")
#: a string of FTS5 query syntax ("" inside it is a quote), or the rest of a query
_QUOTED = re.compile(r'("(?:[^"]|"")*"?)')


def has_segmented(text: str | None) -> bool:
    """Whether `text` holds a character of the scripts the index splits."""
    if not text or text.isascii():
        return False
    return any(_SEGMENTED.match(text, found.start()) for found in _CANDIDATE.finditer(text))


def spaced(text: str, separator: str = SEPARATOR) -> str:
    """`text` with `separator` between each character of these scripts and the letter or
    digit beside it (unchanged when it has none)."""
    if not has_segmented(text):
        return text
    return _BOUNDARY.sub(separator, text)


def indexed(text: str | None) -> str | None:
    """What the index holds of a column's value when that differs from the value itself (the
    value `folded`, with zero-width spaces between these scripts' characters), else None."""
    if text is None or text.isascii():
        return None
    value = folded(text)
    if has_segmented(value):
        value = _BOUNDARY.sub(SEPARATOR, value)
    return value if value != text else None  # already apart (spaces, punctuation)


def fts_query(expression: str, fold: bool = True) -> str:
    """An FTS5 query put to the index: its letters `folded` as the index holds them (unless
    `fold` is false: an index older than migration 014), and each run of these scripts'
    characters a phrase of them, so 東京 finds the adjacent pair 東 京 wherever it stands.
    Inside a quoted string the characters are spaced apart; a bare word holding them is
    quoted (`東京*` becomes `"東 京"*`, `title:東京` `title:"東 京"`). Anything else is left as
    it is."""
    if fold:
        expression = folded(expression)
    if not has_segmented(expression):
        return expression
    parts = _QUOTED.split(expression)
    for index, part in enumerate(parts):
        if part.startswith('"'):
            parts[index] = spaced(part, " ")
        else:
            parts[index] = _BAREWORD.sub(_quoted_phrase, part)
    return "".join(parts)


def _quoted_phrase(word: re.Match[str]) -> str:
    text = word.group(0)
    return f'"{spaced(text, " ")}"' if has_segmented(text) else text


# ---------------------------------------------------------------- what a user types

#: The columns a search of posts (of comments) may be narrowed to with `column:word`.
POST_COLUMNS = ("title", "text", "author", "tags")
COMMENT_COLUMNS = ("author", "text")
#: The columns of every index: one of them that a search's index lacks (`title:word` in
#: comments) is no narrowing, and the word is looked for in every column.
INDEX_COLUMNS = tuple(dict.fromkeys(POST_COLUMNS + COMMENT_COLUMNS))
#: One item of a user's query: an optional `-` (leave out), an optional `column:`, then a
#: "quoted phrase" (closed at the end of the query if its quote is not) or a word.
_USER_ITEM = re.compile(
    r"(?P<minus>-(?=[^\s-]))?(?:(?P<column>[A-Za-z]+):(?=[^\s:]))?"
    r'(?:"(?P<phrase>[^"]*)"?|(?P<word>[^\s"]+))'
)
_OPERATORS = ("AND", "OR", "NOT")
#: The most words or phrases a typed query may join with OR: each costs a pass over its
#: matches and a share of every match's ranking (32 common words took 0.6 s on 20,000 posts,
#: 1,000 of them 19 s), while a query of words joined by AND narrows with each.
MAX_ALTERNATIVES = 16
_OPERATORS_SET = frozenset(_OPERATORS)
#: A term that holds a letter or digit (anything else is no word to the index).
_WORDLIKE = re.compile(r"[^\W_]")


def _typed(query: str, limit: int = 80) -> str:
    """A query as a message quotes it: its spaces as single spaces, at most `limit` characters."""
    typed = " ".join(query.split())
    return typed if len(typed) <= limit else typed[: limit - 1] + "…"


class QueryProblem(ValueError):
    """A user's query that no search can answer (only words left out), with why."""


def user_query(query: str | None, columns: tuple[str, ...] = POST_COLUMNS) -> str:
    """The FTS5 query for what a user typed in a search box (or `blogarchive search`):
    words, all of which a match holds (`AND` between them changes nothing); a "quoted
    phrase" (its words side by side; a quote left open closes at the end); `word*` (words
    starting so); `-word` or `NOT word` (left out); `OR` between two words or phrases
    (either); `title:word` (in that column: one of `columns`; one of INDEX_COLUMNS that
    is not, as `title:` of comments, looks in every column). Anything else is a word:
    FTS5 syntax characters cannot break it, and the result is always a valid FTS5 query,
    "" when the query holds no word. Raises QueryProblem when every word is left out."""
    query = query or ""
    plain_words = query.split()
    if not any(char in query for char in '"*:-\x00') and _OPERATORS_SET.isdisjoint(plain_words):
        # the usual query, words only: each one quoted (what the loop below would make)
        return " AND ".join(dict.fromkeys(f'"{w}"' for w in plain_words if _WORDLIKE.search(w)))
    items: list[tuple[str, str, bool]] = []  # (kind "term" or "op", text, left out)
    for found in _USER_ITEM.finditer(query.replace("\x00", " ")):
        minus, column, phrase, word = found.group("minus", "column", "phrase", "word")
        if word in _OPERATORS and not minus and not column:
            items.append(("op", word, False))
            continue
        if column and column.lower() not in columns:
            if column.lower() in INDEX_COLUMNS:  # another index's column: every column
                column = None
            else:  # not a column: part of the word
                column, phrase, word = None, None, found.group(0).removeprefix(minus or "")
        prefix = ""
        if phrase is None:
            stripped = word.rstrip("*")
            prefix = "*" if stripped != word else ""
            phrase = stripped
        words = phrase.split()
        if not any(_WORDLIKE.search(part) for part in words):
            continue
        term = '"' + " ".join(words).replace('"', "") + '"' + prefix
        if column:
            term = f"{column.lower()} : {term}"
        items.append(("term", term, bool(minus)))
    # operators between terms; one with nothing to join is a word
    terms: list[tuple[str, bool]] = []
    alternatives: list[list[str]] = []  # each a run of terms joined by OR
    joined = False
    for index, (kind, text, left_out) in enumerate(items):
        after = items[index + 1] if index + 1 < len(items) else None
        before = items[index - 1] if index else None
        if kind == "op":
            next_is_term = after is not None and after[0] == "term"
            prev_is_term = before is not None and before[0] == "term"
            if text == "NOT" and next_is_term:
                items[index + 1] = (after[0], after[1], True)
                continue
            if text == "OR" and next_is_term and prev_is_term:
                joined = True
                continue
            if text == "AND" and next_is_term and prev_is_term:
                continue
            text, left_out = f'"{text}"', False
        terms.append((text, left_out))
        if left_out:
            joined = False
            continue
        if joined and alternatives:
            alternatives[-1].append(text)
        else:
            alternatives.append([text])
        joined = False
    either = sum(len(group) for group in alternatives if len(group) > 1)
    if either > MAX_ALTERNATIVES:
        raise QueryProblem(
            f"“{_typed(query)}” joins {either} words or phrases with OR: a search takes at "
            f"most {MAX_ALTERNATIVES}"
        )
    wanted = [group[0] if len(group) == 1 else f"({' OR '.join(group)})" for group in alternatives]
    unwanted = list(dict.fromkeys(text for text, left_out in terms if left_out))
    wanted = list(dict.fromkeys(wanted))
    if unwanted and not wanted:
        raise QueryProblem(
            f"“{_typed(query)}” only leaves words out: a search needs a word to look for as well"
        )
    expression = " AND ".join(wanted)
    if unwanted:
        expression = f"({expression}) NOT ({' OR '.join(unwanted)})"
    return expression


def other_columns(query: str, columns: tuple[str, ...]) -> list[str]:
    """The columns of INDEX_COLUMNS that `query` narrows a search to (`title:word`) and that
    are not among `columns`, in lower case, each once: `user_query(query, columns)` looks for
    those words in every column instead (comments have no `title`)."""
    named = (found.group("column") for found in _USER_ITEM.finditer(query.replace("\x00", " ")))
    return list(
        dict.fromkeys(
            name.lower()
            for name in named
            if name and name.lower() in INDEX_COLUMNS and name.lower() not in columns
        )
    )


# ---------------------------------------------------------------- letters the index folds

#: Marks removed from Arabic (harakat, Quranic annotation marks, superscript alef) and Hebrew
#: (niqqud, cantillation) text, and the Arabic tatweel (a stretch of the line, not a letter):
#: `كَتَبَ` and `كتب`, `שָׁלוֹם` and `שלום`, `العـــربية` and `العربية` are the same words.
_REMOVED = (
    "\u0591-\u05bd\u05bf\u05c1\u05c2\u05c4\u05c5\u05c7"
    "\u0610-\u061a\u0640\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e4\u06e7\u06e8\u06ea-\u06ed"
)
#: What may be folded: those, Greek letters (their accents and breathings are removed:
#: Αθήνα and ΑΘΗΝΑ), ß and ẞ (ss), dotless ı (i, as unicode61 makes İ), the Latin ligatures
#: (ﬁ is fi) and full-width Latin letters and digits (Ａ is A).
_FOLDABLE = re.compile(
    f"[{_REMOVED}\u0370-\u03ff\u1f00-\u1fff\u00df\u1e9e\u0131"
    "\ufb00-\ufb06\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]"
)


@functools.cache
def _folded_char(char: str) -> str:
    if re.fullmatch(f"[{_REMOVED}]", char):
        return ""
    if char in "\u00df\u1e9e":
        return "ss" if char == "\u00df" else "SS"
    if char == "\u0131":
        return "i"
    if "\u0370" <= char <= "\u03ff" or "\u1f00" <= char <= "\u1fff":
        decomposed = unicodedata.normalize("NFD", char)
        return "".join(c for c in decomposed if not unicodedata.combining(c)) or char
    return unicodedata.normalize("NFKC", char)


def has_foldable(text: str | None) -> bool:
    """Whether `text` holds a letter or mark the index folds."""
    return bool(text) and not text.isascii() and _FOLDABLE.search(text) is not None


def folded(text: str) -> str:
    """`text` with the letters the index folds folded (see _FOLDABLE), else unchanged: what
    the index holds of it and what a query is put to it as. unicode61 itself ignores case
    and the accents of Latin letters (café and cafe), not these."""
    if not has_foldable(text):
        return text
    return _FOLDABLE.sub(lambda found: _folded_char(found.group(0)), text)


def _folding_map(text: str) -> tuple[str, list[int], list[int]]:
    """`folded(text)` without zero-width spaces, and for each of its characters where the
    character it comes from starts and ends in `text` (the end past any mark removed after
    it)."""
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for index, char in enumerate(text):
        piece = _folded_char(char) if _FOLDABLE.match(char) else char
        piece = piece.replace(SEPARATOR, "")
        if not piece:
            if ends:
                ends[-1] = index + 1
            continue
        for part in piece:
            out.append(part)
            starts.append(index)
            ends.append(index + 1)
    return "".join(out), starts, ends


def unfolded(marked: str | None, original: str | None, start: str, end: str) -> str | None:
    """A snippet() or highlight() of folded text (`start` and `end` around each match, "…"
    where it was cut, zero-width spaces taken out) as the same stretch of `original`, the
    text as stored, with the same words marked. `marked` unchanged when `original` holds
    nothing folded or the stretch is not found in it."""
    if not marked or not original or not has_foldable(original):
        return marked
    pieces = re.split(f"({re.escape(start)}|{re.escape(end)})", marked)
    plain = "".join(piece for piece in pieces if piece not in (start, end))
    text, starts, ends = _folding_map(original)
    cuts = [(lead, trail) for lead in (1, 0) for trail in (1, 0)]
    for lead, trail in cuts:
        lead = lead if plain.startswith("…") else 0
        trail = trail if plain.endswith("…") and len(plain) > lead else 0
        found = text.find(plain[lead : len(plain) - trail])
        if found >= 0 and len(plain) > lead + trail:
            break
    else:
        return marked
    position = found - lead  # where `plain` would start in `text`
    out: list[str] = []
    at = 0  # characters of `plain` written
    for piece in pieces:
        if piece == start:
            out.append(start)
        elif piece == end:
            out.append(end)
        else:
            first, last = max(at, lead), min(at + len(piece), len(plain) - trail)
            if lead and at == 0 and piece:
                out.append("…")
            if first < last:
                out.append(original[starts[position + first] : ends[position + last - 1]])
            if trail and at < len(plain) <= at + len(piece):  # the piece ending with it
                out.append("…")
            at += len(piece)
    return "".join(out)
