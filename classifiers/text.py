"""Small text helpers shared by the classifiers: tokens with offsets, noise stripping, a comment read as its reader
sees it (markup, invisible characters, look-alike letters, spaced-out letters)."""
import html
import re
import sys
import unicodedata

WORD_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)
URL_RE = re.compile(r"(?:https?://|www\.)\S+|\bURL\b", re.IGNORECASE)
MENTION_RE = re.compile(r"@\w+")
HASHTAG_RE = re.compile(r"#\w+")
DEVANAGARI_RE = re.compile(r"[\u0900-\u097F]")
LATIN_RE = re.compile(r"[A-Za-z\u00C0-\u024F]")


def words_with_offsets(text):
    """Word tokens as (word, start, end) tuples with offsets into the original text."""
    return [(m.group(), m.start(), m.end()) for m in WORD_RE.finditer(text)]


def words(text):
    """Word tokens without offsets (faster when offsets are not needed)."""
    return WORD_RE.findall(text)


def strip_noise(text):
    """Drop links, @mentions and hashtags: what remains is what the author wrote in words."""
    # Each pattern runs only when the text holds what it needs (most comments hold none of them).
    lower = text.lower()
    if "://" in text or "www." in lower or "url" in lower:
        text = URL_RE.sub(" ", text)
    if "@" in text:
        text = MENTION_RE.sub(" ", text)
    return HASHTAG_RE.sub(" ", text) if "#" in text else text


# What a comment exported from a web page or a database dump may still hold: HTML tags, entities
# ("&#39;", "&amp;") and escape sequences written out as text ("\n", "\xa0", "\xe2\x80\x99", "\u2019").
TAGS = "|".join(("a", "abbr", "b", "blockquote", "br", "cite", "code", "del", "div", "em", "font", "h[1-6]", "hr", "i",
                 "img", "ins", "li", "ol", "p", "pre", "q", "s", "small", "span", "strike", "strong", "sub", "sup", "u",
                 "ul"))
# Escapes are case-sensitive: "C:\\Temp" holds no tab ("\\T" once raised a KeyError).
MARKUP_RE = re.compile(rf"</?(?:{TAGS})\b[^<>]{{0,300}}>|&(?:#\d{{1,7}}|#[xX][0-9a-fA-F]{{1,6}}|[a-zA-Z]{{2,8}});"
                       r"|(?-i:(?:\\x[0-9a-fA-F]{2})+|\\u[0-9a-fA-F]{4}|\\[nrt'\"])", re.IGNORECASE)
ESCAPED = {"\\n": "\n", "\\r": "\n", "\\t": " ", "\\'": "'", '\\"': '"'}


def _meaning(markup):
    """What one piece of markup stands for: a tag is a space, an entity or escape its character."""
    if markup.startswith("<"):
        return " "
    if markup.startswith("&"):
        return html.unescape(markup)
    if markup.startswith("\\x"):
        raw = bytes.fromhex(markup.replace("\\x", ""))
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return raw.decode("latin-1")
    if markup.startswith("\\u"):
        code = int(markup[2:], 16)
        return " " if 0xD800 <= code <= 0xDFFF else chr(code)  # half an escaped emoji is no character
    return ESCAPED[markup]


def _markup_read(text):
    """(text with its markup read, [(start, end)] in the original per character, or None when unchanged)."""
    if "<" not in text and "&" not in text and "\\" not in text:
        return text, None
    pieces, places, last = [], [], 0
    for match in MARKUP_RE.finditer(text):
        meaning = _meaning(match.group())
        pieces += [text[last:match.start()], meaning]
        places += [(k, k + 1) for k in range(last, match.start())] + [match.span()] * len(meaning)
        last = match.end()
    if not pieces:
        return text, None
    pieces.append(text[last:])
    places += [(k, k + 1) for k in range(last, len(text))]
    return "".join(pieces), places


def _invisible():
    """Every character a reader does not see: Unicode's format characters (Cf: soft hyphen, zero-widths, word
    joiner, BOM, bidi controls, U+180E), the grapheme joiner, variation selectors and the Hangul fillers."""
    cf = [chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cf"]
    others = ["\u034f", "\u115f", "\u1160", "\u17b4", "\u17b5", "\u3164", "\uffa0"]
    others += [chr(c) for c in range(0xFE00, 0xFE10)] + [chr(c) for c in range(0xE0100, 0xE01F0)]
    return frozenset(cf + others)


INVISIBLE = _invisible()


def _lookalikes():
    """{character: the ASCII letter or digit a reader sees}: full-width, mathematical, circled, squared and
    small-capital letters."""
    found = {}
    for start, end in ((0xFF10, 0xFF5B), (0x1D400, 0x1D800), (0x24B6, 0x24EA), (0x1F130, 0x1F18A)):
        for c in range(start, end):
            seen = unicodedata.normalize("NFKC", chr(c))
            if len(seen) == 1 and seen.isascii() and seen.isalnum():
                found[chr(c)] = seen.lower() if 0x1F130 <= c else seen
    found.update(zip("ᴀʙᴄᴅᴇғɢʜɪᴊᴋʟᴍɴᴏᴘǫʀꜱᴛᴜᴠᴡʏᴢı", "abcdefghijklmnopqrstuvwyzi"))
    return found


LOOKALIKE_LETTERS = _lookalikes()
# Cyrillic and Greek letters drawn like Latin ones, read as Latin only inside a word that also holds Latin letters
# ("іdіоt" with Cyrillic і and о): a word wholly in Cyrillic or Greek stays as written.
MIXED_SCRIPT = str.maketrans("аеорсухіјѕԁһӏԛԝАВЕКМНОРСТХІЈЅΑΒΕΖΗΙΚΜΝΟΡΤΥΧοναιρ",
                             "aeopcyxijsdhlqwABEKMHOPCTXIJSABEZHIKMNOPTYXovaip")
MIXED_LETTERS = frozenset(chr(k) for k in MIXED_SCRIPT)
ASCII_LETTER_RE = re.compile(r"[A-Za-z]")
# Four or more single letters with the same mark between them: "i d i o t", "s.h.i.t", "k-i-l-l".
SPACED_RE = re.compile(r"(?<![^\W_])[A-Za-z]([ .*_-])(?:[A-Za-z]\1){2,}[A-Za-z](?![^\W_])")


def _visible(text):
    """(text without invisible characters, its look-alike letters read as Latin and its spaced-out letters joined,
    the index in text of each character kept, or None when unchanged)."""
    if not text.isascii():
        kept = [k for k, c in enumerate(text) if c not in INVISIBLE]
        if len(kept) < len(text):
            text, keep = "".join(text[k] for k in kept), kept
        else:
            keep = None
        shown = "".join(LOOKALIKE_LETTERS.get(c, c) for c in text)
        if not MIXED_LETTERS.isdisjoint(shown):
            shown = WORD_RE.sub(lambda m: m.group().translate(MIXED_SCRIPT) if ASCII_LETTER_RE.search(m.group())
                                else m.group(), shown)
        text = shown
    else:
        keep = None
    if SPACED_RE.search(text) is None:
        return text, keep
    index = keep or range(len(text))
    joined, where, last = [], [], 0
    for match in SPACED_RE.finditer(text):
        start = match.start()
        if text[start] in "IaA" and match.end() - start >= 9:  # "I h a t e": the pronoun or article stays a word
            start += 2
        joined.append(text[last:start])
        where += index[last:start]
        letters = range(start, match.end(), 2)
        joined.append("".join(text[k] for k in letters))
        where += [index[k] for k in letters]
        last = match.end()
    joined.append(text[last:])
    where += index[last:]
    return "".join(joined), where


def readable(text):
    """(text as a reader sees it, [(start, end)] in the original for each of its characters, or None when
    nothing was changed): markup read, invisible characters dropped, look-alike letters read as Latin ones."""
    shown, places = _markup_read(text)
    seen, kept = _visible(shown)
    if kept is not None:
        places = [places[k] for k in kept] if places is not None else [(k, k + 1) for k in kept]
    elif seen != shown and places is None:
        places = [(k, k + 1) for k in range(len(text))]
    return seen, places


def original_span(places, start, end):
    """The original text's offsets of a span of its readable text."""
    return (start, end) if places is None else (places[start][0], places[end - 1][1])
