"""Read the shipped corpora (csv module only) into labelled examples for each rule."""
import csv
import random
import sys
from dataclasses import dataclass
from pathlib import Path

from classifiers.text import DEVANAGARI_RE, LATIN_RE

csv.field_size_limit(sys.maxsize)


@dataclass
class Example:
    """One labelled text; a label is 1 (breaks the rule), 0 (keeps it) or None (no evidence)."""

    text: str
    source: str
    abuse: int | None = None
    personal_attack: int | None = None
    weight: float = 1.0


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


def read_toxic_spans(root, limit):
    # Civil Comments rated toxic first; span raters' majority_not_toxic=1 marks the civil ones.
    for row in _rows(root / "toxic_spans" / "toxic_spans_comments_aggregated.csv", limit):
        if row["majority_not_toxic"] == "1":
            yield Example(row["comment_text"], "toxic_spans", 0, 0)
            continue
        kinds = [_f(row[k]) for k in ("frac_insult", "frac_profane_obscene", "frac_identity_attack", "frac_threat")]
        abuse = 1 if max(kinds) >= 0.5 else None
        insult = _f(row["frac_insult"])
        attack = 1 if insult >= 0.5 else (0 if insult == 0 else None)
        if abuse is not None or attack is not None:
            yield Example(row["comment_text"], "toxic_spans", abuse, attack)


def read_convabuse(root, limit):
    # Messages to chatbots: abusive majority = abuse; abusive and aimed at an individual = attack.
    for name in ("convabuse_train_aggregated.csv", "convabuse_valid_aggregated.csv"):
        for row in _rows(root / "convabuse" / name, limit):
            abusive = row["is_abuse_majority"] == "1"
            individual = _f(row["n_target_individual"]) > 0
            yield Example(row["user"], "convabuse", int(abusive), int(abusive and individual))


def read_wiki(root, limit):
    # Wikipedia talk pages at a realistic toxicity base rate.
    for row in _rows(root / "wiki_context" / "cat_large_gc_in_context.csv", limit):
        toxic = row["label"] == "1"
        yield Example(row["text"], "wiki_context", int(toxic), None if toxic else 0)


def read_abuse_examples(data_dir, limit=None, seed=0):
    """All English examples labelled for abuse and/or personal attack."""
    root = Path(data_dir)
    readers = (read_olid(root, limit), read_davidson(root, limit, seed), read_trac_en(root, limit),
               read_toxic_spans(root, limit), read_convabuse(root, limit), read_wiki(root, limit))
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
