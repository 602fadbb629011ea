"""Every figure issue 3 asks for, on the held-out corpus split and the written sets in classifiers/heldout."""
import csv
import re
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score, roc_auc_score

from classifiers import corpora, identity
from classifiers.abuse import ABUSE_RULES, join_spans
from classifiers.evaluation.functional import functional_figures
from classifiers.text import DEVANAGARI_RE, LATIN_RE
from classifiers.thresholds import decision  # noqa: F401  (re-exported: compare and the tests use it)

HELDOUT = Path(__file__).parents[1] / "heldout"
# Ordinary civil discussion: Wikipedia talk at its real toxicity rate, non-aggressive TRAC-1 news-page
# comments. Toxic-spans posts with no marked span were all first flagged by someone, and many are
# insults nobody highlighted: reported apart, not as civil discussion.
CIVIL_SOURCES = ("wiki_context", "trac1_en")
# Identity words swapped for each other in real comments (the decision must not change).
SWAPS = (
    ("gay", "straight", "lesbian", "bisexual", "transgender"),
    ("muslim", "christian", "jewish", "hindu", "sikh", "buddhist", "catholic", "atheist"),
    ("muslims", "christians", "jews", "hindus", "sikhs", "buddhists", "catholics", "atheists"),
    ("black", "white", "asian", "latino", "indian", "chinese", "arab", "african", "mexican"),
    ("women", "men"), ("woman", "man"), ("immigrants", "refugees", "citizens"),
    ("liberals", "conservatives"), ("liberal", "conservative"),
)
MAX_SWAP_COMMENTS = 1500


# Written sets exported as HTML and with escapes for the markup figures.
MARKUP_SETS = ("civil_news.txt", "attacks.txt", "disagreement.txt", "threats.txt", "criticism.txt",
               "english_comments.txt", "sentences.txt")


def heldout(name):
    """Lines of a written set (comment lines, starting with "# ", skipped); .tsv files give (code, text) pairs."""
    lines = [line for line in (HELDOUT / name).read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.startswith("# ")]
    return [tuple(line.split("\t", 1)) for line in lines] if name.endswith(".tsv") else lines


def identity_check(bundle, th):
    """Share of neutral sentences that mention identities and are flagged (review) or rejected."""
    scored = [a.scores for a in bundle.assess_many(identity.evaluation_sentences())]
    flagged = [any(s[r] >= th[r]["review"] for r in ABUSE_RULES) for s in scored]
    rejected = [any(s[r] >= th[r]["reject"] for r in ABUSE_RULES) for s in scored]
    return {"identity_flagged": round(float(np.mean(flagged)), 4),
            "identity_rejected": round(float(np.mean(rejected)), 4)}


def _share(flags):
    return float(np.mean(flags)) if len(flags) else 0.0


def _auc(y, scores):
    y = np.asarray(y)
    return float(roc_auc_score(y, scores)) if 0 < y.sum() < len(y) else None


def calibration_error(y, p, bins=10):
    """Expected calibration error: |observed rate - mean probability| in ten equal-width bins of probability,
    weighted by the share of texts in each bin (0 for perfectly calibrated probabilities)."""
    y, p = np.asarray(y, dtype=float), np.asarray(p, dtype=float)
    which = np.minimum((p * bins).astype(int), bins - 1)
    return float(sum(abs(y[which == b].mean() - p[which == b].mean()) * np.mean(which == b)
                     for b in np.unique(which)))


def span_f1(predicted, gold):
    """SemEval-2021 Task 5: per-post F1 of character offsets (1 when both are empty), averaged."""
    scores = []
    for pred, true in zip(predicted, gold):
        pred, true = set(pred), set(true)
        if not pred and not true:
            scores.append(1.0)
        elif not pred or not true:
            scores.append(0.0)
        else:
            overlap = len(pred & true)
            scores.append(2 * overlap / (len(pred) + len(true)))
    return _share(scores)


def trial_spans(data_dir):
    """The toxic-spans trial split: [(text, gold character offsets)]."""
    path = Path(data_dir) / "toxic_spans" / "semeval2021_tsd_trial.csv"
    with open(path, newline="", encoding="utf-8") as handle:
        return [(row["text"], [int(i) for i in re.findall(r"\d+", row["spans"])]) for row in csv.DictReader(handle)]


def identity_template_texts():
    """{identity term: the written identity templates filled with it}, leaving out any text that training's own
    templates also produce ("I am a Hindu man.")."""
    trained, per_term = set(identity.training_sentences()), {}
    for template in heldout("identity_templates.txt"):
        # A template names an identity by its adjective or by its group: every one of them fills it.
        terms = identity.IDENTITY_ADJECTIVES if "{adj}" in template else identity.IDENTITY_GROUPS
        for term in terms:
            text = template.format(adj=term, group=term, Group=term[0].upper() + term[1:])
            if text not in trained:
                per_term.setdefault(term, []).append(text)
    return per_term


def _identity_figures(bundle, th):
    per_term = identity_template_texts()
    texts = [t for ts in per_term.values() for t in ts] + identity.evaluation_sentences()
    verdicts = iter(decision(a.scores, th) for a in bundle.assess_many(texts))
    flags = {term: [next(verdicts) != "publish" for _ in ts] for term, ts in per_term.items()}
    rates = {term: _share(f) for term, f in flags.items()}
    every = [f for term_flags in flags.values() for f in term_flags] + [v != "publish" for v in verdicts]
    worst = sorted(rates.items(), key=lambda kv: -kv[1])[:3]
    return {
        "identity_flagged_worst_term": max(rates.values()),
        "identity_flagged_worst_terms": ", ".join(f"{t} {r:.1%}" for t, r in worst),
        "identity_flagged_mean_term": _share(list(rates.values())),
        "identity_flagged": _share(every),
    }


def _swapped(text):
    """Copies of text with one identity word replaced by each other word of its group."""
    out = []
    for group in SWAPS:
        pattern = re.compile(r"\b(" + "|".join(group) + r")\b", re.IGNORECASE)
        match = pattern.search(text)
        if match:
            word = match.group(0)
            for other in group:
                if other != word.lower():  # written as the word was: "BLACK" -> "WHITE", "Black" -> "White"
                    other = other.upper() if word.isupper() else other.capitalize() if word[:1].isupper() else other
                    out.append(text[:match.start()] + other + text[match.end():])
    return out


def _swap_figure(bundle, th, texts):
    pairs = [(t, s) for t in texts for s in _swapped(t)][: MAX_SWAP_COMMENTS * 8]
    if not pairs:
        return {}
    originals = sorted({t for t, _ in pairs})
    base = dict(zip(originals, (decision(a.scores, th) for a in bundle.assess_many(originals))))
    swapped = bundle.assess_many([s for _, s in pairs])
    changed = [base[t] != decision(a.scores, th) for (t, _), a in zip(pairs, swapped)]
    return {"identity_swap_changed": _share(changed), "identity_swap_pairs": float(len(pairs))}


def _language_figures(bundle, th, english_rows, hindi_test):
    reject, review = th["not_english"]["reject"], th["not_english"]["review"]

    def p(texts):
        return np.array([a.scores["not_english"] for a in bundle.assess_many(texts)]) if texts else np.array([])

    sentences = heldout("sentences.txt") + heldout("civil_news.txt")
    comments = heldout("english_comments.txt")
    foreign = [t for _, t in heldout("languages.tsv")]
    romanized = [t for t in hindi_test
                 if len(t.split()) >= 5 and len(LATIN_RE.findall(t)) > len(DEVANAGARI_RE.findall(t))]
    hinglish = heldout("hinglish.txt")
    short = [t for _, t in heldout("short_foreign.tsv")]
    # A short text in Latin letters is a language guess; one in another script is certainly not English.
    short_latin = [t for t in short if len(LATIN_RE.findall(t)) * 2 > sum(c.isalpha() for c in t)]
    short_script = [t for t in short if t not in short_latin]
    written, corpus = p(comments), p(english_rows)
    return {
        "english_sentences_kept": _share(p(sentences) < reject),
        "english_comments_kept": _share(np.r_[written, corpus] < reject),
        "english_comments_kept_written": _share(written < reject),
        "english_comments_kept_corpus": _share(corpus < reject),
        "foreign_sentences_caught": _share(p(foreign) >= reject),
        "hinglish_caught_written": _share(p(hinglish) >= reject),
        "hinglish_caught_trac1": _share(p(romanized) >= reject),
        "hinglish_caught_or_reviewed": _share(p(hinglish + romanized) >= review),
        "mixed_hindi_english_rejected": _share(p(heldout("mixed.txt")) >= reject),
        "short_foreign_rejected": _share(p(short_latin) >= reject),
        "short_foreign_reviewed_or_rejected": _share(p(short_latin) >= review),
        "short_other_script_rejected": _share(p(short_script) >= reject),
    }


def _abuse_share(assessments, th, level):
    """Share of assessments at or above a level ("review" or "reject") for abuse or personal attack."""
    return _share([any(a.scores[r] >= th[r][level] for r in ABUSE_RULES) for a in assessments])


def _abuse_figures(bundle, th, test_examples):
    civil_written, attacks = heldout("civil_news.txt"), heldout("attacks.txt")
    written = bundle.assess_many(civil_written + attacks)
    threats = bundle.assess_many(heldout("threats.txt"))
    criticism = bundle.assess_many(heldout("criticism.txt"))
    disagreement = bundle.assess_many(heldout("disagreement.txt"))
    y = [0] * len(civil_written) + [1] * len(attacks)
    civil, insults = written[:len(civil_written)], written[len(civil_written):]
    corpus = bundle.assess_many([ex.text for ex in test_examples if ex.source in CIVIL_SOURCES and ex.abuse == 0])
    unmarked = bundle.assess_many([ex.text for ex in test_examples if ex.source == "toxic_spans" and ex.abuse == 0])
    figures = {f"{rule}_roc_auc_written_attacks_vs_civil_news": _auc(y, [a.scores[rule] for a in written])
               for rule in ABUSE_RULES}
    figures.update({
        "civil_news_fpr_at_reject": _abuse_share(civil, th, "reject"),
        "civil_news_sent_to_review": _abuse_share(civil, th, "review"),
        "civil_corpus_fpr_at_reject": _abuse_share(corpus, th, "reject"),
        "civil_corpus_sent_to_review": _abuse_share(corpus, th, "review"),
        "toxic_spans_unmarked_rows_rejected": _abuse_share(unmarked, th, "reject"),
        "written_attacks_caught_or_reviewed": _abuse_share(insults, th, "review"),
        "written_attacks_rejected": _abuse_share(insults, th, "reject"),
        "written_threats_caught_or_reviewed": _abuse_share(threats, th, "review"),
        "written_threats_rejected": _abuse_share(threats, th, "reject"),
        "written_criticism_of_things_rejected": _abuse_share(criticism, th, "reject"),
        "written_criticism_of_things_sent_to_review": _abuse_share(criticism, th, "review"),
        "written_disagreement_rejected": _abuse_share(disagreement, th, "reject"),
        "written_disagreement_sent_to_review": _abuse_share(disagreement, th, "review"),
    })
    y_reply = [1] * len(insults) + [0] * len(disagreement)
    figures.update({f"{rule}_roc_auc_written_attacks_vs_disagreement":
                    _auc(y_reply, [a.scores[rule] for a in insults + disagreement]) for rule in ABUSE_RULES})
    return {k: v for k, v in figures.items() if v is not None}


def _olid_abuse(bundle, examples):
    olid = [ex for ex in examples if ex.source == "olid"]
    return np.array([a.scores["abuse"] for a in bundle.assess_many([ex.text for ex in olid])]), \
        np.array([ex.abuse for ex in olid], dtype=int)


def _macro_f1(y, predicted):
    return float(f1_score(y, predicted, average="macro"))


def olid_figures(bundle, data_dir, test_examples, validation_examples=()):
    """OffensEval 2019 figures on our OLID split: offensive-or-not macro-F1 (at p >= 0.5 and at the cut
    that is best on the validation split) and target macro-F1 (IND / GRP / OTH) on targeted tweets."""
    figures = {}
    p, y = _olid_abuse(bundle, test_examples)
    if not 0 < y.sum() < len(y):
        return figures
    figures["olid_offensive_macro_f1"] = _macro_f1(y, p >= 0.5)
    p_val, y_val = _olid_abuse(bundle, validation_examples)
    if 0 < y_val.sum() < len(y_val):
        cuts = np.unique(np.quantile(p_val, np.linspace(0.02, 0.98, 97)))
        cut = float(max(cuts, key=lambda c: _macro_f1(y_val, p_val >= c)))
        figures["olid_offensive_cut"] = cut
        figures["olid_offensive_macro_f1_validation_cut"] = _macro_f1(y, p >= cut)
    model = getattr(bundle, "target_model", None)
    if model is not None:
        targets = dict(corpora.read_olid_targets(data_dir))
        rows = [(ex.text, targets[ex.text]) for ex in test_examples if ex.source == "olid" and ex.text in targets]
        if rows:
            figures["olid_target_macro_f1"] = _macro_f1([t for _, t in rows], model.predict([t for t, _ in rows]))
            figures["olid_target_rows"] = float(len(rows))
    return figures


def _sentence_figures(bundle, th):
    reject = th["not_sentences"]["reject"]
    kept = bundle.assess_many(heldout("sentences.txt") + heldout("civil_news.txt") + heldout("english_comments.txt"))
    fragments = bundle.assess_many(heldout("fragments.txt"))
    return {
        "sentences_kept_written": _share([a.scores["not_sentences"] < reject for a in kept]),
        "fragments_caught_or_reviewed": _share([a.scores["not_sentences"] >= th["not_sentences"]["review"]
                                                for a in fragments]),
        "fragments_rejected": _share([a.scores["not_sentences"] >= reject for a in fragments]),
    }


def as_html(text):
    """A comment as a web page exports it: quotes and ampersands as entities, a paragraph per sentence."""
    text = text.replace("&", "&amp;").replace("'", "&#39;").replace('"', "&quot;")
    return "<p>" + re.sub(r"([.!?]) +", r"\1</p><p>", text) + "</p>"


def as_escaped(text):
    """A comment as a database dump writes it out: line breaks, apostrophes and spaces after commas as escapes."""
    text = text.replace("\n", "\\n").replace("'", "\\'").replace("’", "\\xe2\\x80\\x99").replace(", ", ",\\xa0")
    return re.sub(r"([.!?]) +", r"\1\\n\\n", text)


def _markup_figures(bundle, th):
    """Share of written comments whose decision changes when they arrive as HTML or with written-out escapes."""
    texts = [t for name in MARKUP_SETS for t in heldout(name)]
    plain = [decision(a.scores, th) for a in bundle.assess_many(texts)]
    figures = {}
    for name, export in (("html", as_html), ("escaped", as_escaped)):
        exported = [decision(a.scores, th) for a in bundle.assess_many([export(t) for t in texts])]
        figures[f"markup_{name}_changed"] = _share([a != b for a, b in zip(plain, exported)])
    return figures


def heldout_figures(bundle, data_dir, test_examples, hindi_test, validation_examples=()):
    """Figures on the written sets, the toxic-spans trial split, identity swaps of real test comments and
    OLID (validation_examples: the validation split, where the OLID operating point is chosen)."""
    th = bundle.thresholds
    figures = {}
    figures.update(_abuse_figures(bundle, th, test_examples))
    figures.update(olid_figures(bundle, data_dir, test_examples, validation_examples))
    figures.update(_identity_figures(bundle, th))
    swap_texts = [ex.text for ex in test_examples if len(ex.text) < 1000][:20_000] + heldout("civil_news.txt")
    figures.update(_swap_figure(bundle, th, [t for t in swap_texts if _swapped(t)][:MAX_SWAP_COMMENTS]))
    english_rows = [ex.text for ex in test_examples if ex.source in ("toxic_spans", "wiki_context", "trac1_en")]
    figures.update(_language_figures(bundle, th, english_rows, hindi_test))
    figures.update(_sentence_figures(bundle, th))
    figures.update(_markup_figures(bundle, th))
    figures.update(functional_figures(bundle, th))
    trial = trial_spans(data_dir)
    assessed = bundle.assess_many([t for t, _ in trial])
    predicted = [[i for s, e in a.spans for i in range(s, e)] for a in assessed]
    figures["span_f1_toxic_spans_trial"] = span_f1(predicted, [g for _, g in trial])
    # The SemEval setting: every post is known to be toxic, so the abuse words of each are marked
    # whatever its score (the service itself marks words only in comments it flags).
    found = bundle.abuse_models.spans_many([(t, ("abuse",)) for t, _ in trial])
    predicted = [[i for s, e in join_spans(t, [(s, e) for s, e, _ in f["abuse"]]) for i in range(s, e)]
                 for (t, _), f in zip(trial, found)]
    figures["span_f1_toxic_spans_trial_every_post_flagged"] = span_f1(predicted, [g for _, g in trial])
    return figures
