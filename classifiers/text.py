"""Small text helpers shared by the classifiers: tokens with offsets, noise stripping, markup read as text."""
import html
import re

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
MARKUP_RE = re.compile(rf"</?(?:{TAGS})\b[^<>]{{0,300}}>|&(?:#\d{{1,7}}|#[xX][0-9a-fA-F]{{1,6}}|[a-zA-Z]{{2,8}});"
                       r"|(?:\\x[0-9a-fA-F]{2})+|\\u[0-9a-fA-F]{4}|\\[nrt'\"]", re.IGNORECASE)
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


def readable(text):
    """(text as a reader sees it, [(start, end)] in the original for each of its characters, or None when
    nothing was changed)."""
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


def original_span(places, start, end):
    """The original text's offsets of a span of its readable text."""
    return (start, end) if places is None else (places[start][0], places[end - 1][1])
