"""Read the shipped corpora (csv module only) into labelled examples for each rule."""
import csv
import random
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from classifiers.text import DEVANAGARI_RE, LATIN_RE, WORD_RE

SENTENCE_RE = re.compile(r"[^.!?\n]+[.!?]*")
SENTENCE_WEIGHT = 0.5
# A word raters mark as toxic in at least this share of its uses keeps its sentence out of the civil examples.
TOXIC_WORD_SHARE = 0.2

csv.field_size_limit(sys.maxsize)


@dataclass
class Example:
    """One labelled text; a label is 1 (breaks the rule), 0 (keeps it) or None (no evidence)."""

    text: str
    source: str
    abuse: int | None = None
    personal_attack: int | None = None
    weight: float = 1.0
    # What decides the split when not the text: the sentences of one forum post stay together.
    key: str | None = None

    @property
    def split_key(self):
        """The string that fixes this example's split."""
        return self.key or self.text


def _rows(path, limit, delimiter=",", header=True):
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle, delimiter=delimiter) if header else csv.reader(handle)
        for i, row in enumerate(reader):
            if limit is not None and i >= limit:
                break
            yield row


def _f(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def read_olid(root, limit):
    # OFF = abuse; personal attack = offensive, targeted at an individual (IND); GRP/OTH/UNT are not.
    for row in _rows(root / "olid" / "olid_train.tsv", limit, delimiter="\t"):
        off = row["subtask_a"] == "OFF"
        yield Example(row["tweet"], "olid", int(off), int(off and row["subtask_c"] == "IND"))


def read_olid_targets(data_dir, limit=None):
    """OLID's targeted offensive tweets with their target: [(text, IND | GRP | OTH)]."""
    rows = _rows(Path(data_dir) / "olid" / "olid_train.tsv", limit, delimiter="\t")
    return [(row["tweet"], row["subtask_c"]) for row in rows if row["subtask_c"] in ("IND", "GRP", "OTH")]


def read_davidson(root, limit, seed):
    # Lexically biased tweets: keep every hate/neither row, subsample "offensive" and halve the weight.
    rng = random.Random(seed)
    for row in _rows(root / "davidson" / "labeled_data.csv", limit):
        label = row["class"]
        if label == "1" and rng.random() > 0.2:
            continue
        yield Example(row["tweet"], "davidson", int(label in ("0", "1")), None, weight=0.5)


def read_trac_en(root, limit):
    # OAG = abuse, NAG = civil; covert aggression (CAG) is too ambiguous for either label.
    for row in _rows(root / "trac1" / "agr_en_train.csv", limit, header=False):
        if len(row) >= 3 and row[2] in ("OAG", "NAG"):
            yield Example(row[1], "trac1_en", int(row[2] == "OAG"), 0 if row[2] == "NAG" else None)


def trial_texts(root):
    """The toxic-spans trial split, kept out of training: span F1 is measured on it."""
    return {row["text"].strip() for row in _rows(root / "toxic_spans" / "semeval2021_tsd_trial.csv", None)}


def read_toxic_spans(root, limit):
    # Civil Comments rated toxic first; span raters' majority_not_toxic=1 marks the civil ones.
    trial = trial_texts(root)
    for row in _rows(root / "toxic_spans" / "toxic_spans_comments_aggregated.csv", limit):
        if row["comment_text"].strip() in trial:
            continue
        kinds = [_f(row[k]) for k in ("frac_insult", "frac_profane_obscene", "frac_identity_attack", "frac_threat")]
        if row["majority_not_toxic"] == "1":
            # Civil only if no rater named any kind of toxicity; otherwise the raters disagreed: no label.
            if max(kinds + [_f(row["frac_other_toxicity"])]) == 0:
                yield Example(row["comment_text"], "toxic_spans", 0, 0)
            continue
        abuse = 1 if max(kinds) >= 0.5 else None
        insult = _f(row["frac_insult"])
        attack = 1 if insult >= 0.5 else (0 if insult == 0 else None)
        if abuse is not None or attack is not None:
            yield Example(row["comment_text"], "toxic_spans", abuse, attack)


def _toxic_words(rows):
    """Words that raters marked as toxic at least twice and in at least TOXIC_WORD_SHARE of their uses."""
    marked, seen = Counter(), Counter()
    for text, spans in rows:
        for match in WORD_RE.finditer(text):
            word = match.group().lower()
            seen[word] += 1
            marked[word] += match.start() in spans
    return {w for w, n in marked.items() if n >= 2 and n >= TOXIC_WORD_SHARE * seen[w]}


def read_span_free_sentences(data_dir, keep, limit=None):
    """Civil news-comment sentences: sentences of toxic-spans training posts with no marked span and no
    word raters mark as toxic. keep(post) says which posts may be used (the training split only)."""
    root = Path(data_dir)
    trial = trial_texts(root)
    rows = [(row["text"], {int(i) for i in re.findall(r"\d+", row["spans"])})
            for row in _rows(root / "toxic_spans" / "semeval2021_tsd_train.csv", limit)
            if keep(row["text"]) and row["text"].strip() not in trial]
    toxic = _toxic_words(rows)
    for text, spans in rows:
        for match in SENTENCE_RE.finditer(text):
            sentence = match.group().strip()
            words = {w.lower() for w in WORD_RE.findall(sentence)}
            if (len(sentence.split()) >= 4 and not words & toxic
                    and not any(match.start() <= i < match.end() for i in spans)):
                yield Example(sentence, "toxic_spans_sentences", 0, 0, weight=SENTENCE_WEIGHT)


def read_span_posts(data_dir, limit=None):
    """Toxic-spans training posts as (text, marked character offsets), the trial split's texts left out."""
    root = Path(data_dir)
    trial = trial_texts(root)
    return [(row["text"], [int(i) for i in re.findall(r"\d+", row["spans"])])
            for row in _rows(root / "toxic_spans" / "semeval2021_tsd_train.csv", limit)
            if row["text"].strip() not in trial]


def read_convabuse(root, limit):
    # Messages to chatbots: abusive majority = abuse; abusive and aimed at an individual = attack;
    # abuse aimed at the bot itself ("you're stupid") is neither evidence for nor against an attack.
    for name in ("convabuse_train_aggregated.csv", "convabuse_valid_aggregated.csv"):
        for row in _rows(root / "convabuse" / name, limit):
            abusive = row["is_abuse_majority"] == "1"
            individual = _f(row["n_target_individual"]) > 0
            yield Example(row["user"], "convabuse", int(abusive), (1 if individual else None) if abusive else 0)


def read_wiki(root, limit):
    # Wikipedia talk pages at a realistic toxicity base rate.
    for row in _rows(root / "wiki_context" / "cat_large_gc_in_context.csv", limit):
        toxic = row["label"] == "1"
        yield Example(row["text"], "wiki_context", int(toxic), None if toxic else 0)


def read_written(path):
    """(text, abuse, personal attack) rows of a written training file (classifiers/*.tsv); an empty
    personal-attack cell is no evidence (None)."""
    with open(path, encoding="utf-8", newline="") as f:
        rows = [row for row in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
                if row and not row[0].startswith("# ")]
    return [(text, int(abuse), int(attack) if attack else None) for text, abuse, attack in rows]


def read_stormfront(root, limit):
    # Sentences of a white-supremacist forum (de Gibert et al. 2018), hate or not by their annotators. The
    # dataset's sampled_test split and every post with a sentence in it were left out when the file was made.
    # Hate there is aimed at groups, so a sentence is no evidence either way for a personal attack.
    path = root / "stormfront" / "stormfront_sentences.tsv"
    if not path.exists():
        return
    for row in _rows(path, limit, delimiter="\t"):
        yield Example(row["text"], "stormfront", int(row["label"] == "hate"), None, key=f"stormfront:{row['post_id']}")


def read_abuse_examples(data_dir, limit=None, seed=0):
    """All English examples labelled for abuse and/or personal attack."""
    root = Path(data_dir)
    readers = (read_olid(root, limit), read_davidson(root, limit, seed), read_trac_en(root, limit),
               read_toxic_spans(root, limit), read_convabuse(root, limit), read_wiki(root, limit),
               read_stormfront(root, limit))
    return [ex for reader in readers for ex in reader if ex.text and ex.text.strip()]


def read_hindi(data_dir, limit=None):
    """trac1 Hindi comments split by script: (romanized, devanagari)."""
    romanized, devanagari = [], []
    for row in _rows(Path(data_dir) / "trac1" / "agr_hi_train.csv", limit, header=False):
        if len(row) < 2 or not row[1].strip():
            continue
        text = row[1]
        n_dev, n_lat = len(DEVANAGARI_RE.findall(text)), len(LATIN_RE.findall(text))
        (devanagari if n_dev > n_lat else romanized).append(text)
    return romanized, devanagari
