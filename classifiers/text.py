"""Small text helpers shared by the classifiers: tokens with offsets, noise stripping."""
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

