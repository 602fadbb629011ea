"""A trained version of the classifiers: assess comments, carry thresholds and a model card."""
import numpy as np

from classifiers import RULES, Assessment
from classifiers.abuse import ABUSE_RULES, join_spans
from classifiers.rules import profanity, public_figures, scope, things
from classifiers.sentences import assess_sentences
from classifiers.text import original_span, readable

RULE_LABELS = {"abuse": "Abusive language", "personal_attack": "Personal attack"}


class Bundle:
    """Everything needed to score a comment; pickled as one artifact by classifiers.store."""

    def __init__(self, language_gate, abuse_models, thresholds, metadata, target_model=None):
        self.language_gate = language_gate
        self.abuse_models = abuse_models
        self.thresholds = thresholds
        self.metadata = metadata
        # Who an offensive comment targets (classifiers.target); measured, not used in decisions.
        self.target_model = target_model

    def assess(self, text, thresholds=None):
        """Assess one comment."""
        return self.assess_many([text], thresholds)[0]

    def assess_many(self, texts, thresholds=None):
        """Assess many comments at once (the vectorised path).

        thresholds: the ones in force (an admin may have saved others than the trained ones);
        they decide which scores get reasons and highlighted words."""
        thresholds = thresholds or self.thresholds
        # Judged as a reader sees them (HTML and written-out escapes read); spans point into the original.
        originals = [t if isinstance(t, str) else "" for t in texts]
        texts, places = zip(*map(readable, originals)) if originals else ((), ())
        language = self.language_gate.assess_many(texts)
        abuse = self.abuse_models.predict_proba(texts)
        self._scope(texts, abuse, thresholds)
        self._things(texts, abuse, thresholds)
        self._public_figures(texts, abuse, thresholds)
        profane = self._profanity(texts, abuse, thresholds)
        over = {r: abuse[r] >= thresholds[r]["review"] for r in ABUSE_RULES}
        flagged = {int(i): [r for r in ABUSE_RULES if over[r][i]]
                   for i in np.flatnonzero(np.logical_or.reduce([over[r] for r in ABUSE_RULES]))}
        found = dict(zip(flagged, self.abuse_models.spans_many([(texts[i], flagged[i]) for i in flagged])))
        results = []
        for i, text in enumerate(originals):
            p_lang, code, lang_reason = language[i]
            p_sent, sent_reasons = assess_sentences(texts[i])
            scores = {"not_english": float(p_lang), "not_sentences": float(p_sent)}
            rule_reasons = {rule: [] for rule in RULES}
            if lang_reason:
                rule_reasons["not_english"].append(lang_reason)
            if p_sent >= thresholds["not_sentences"]["review"]:
                rule_reasons["not_sentences"].extend(sent_reasons)
            spans = set()
            for rule in ABUSE_RULES:
                scores[rule] = float(abuse[rule][i])
                if rule not in flagged.get(i, ()):
                    continue
                words = found[i][rule]
                spans.update(original_span(places[i], s, e) for s, e, _ in words)
                listed = ", ".join(f"'{w}'" for w in dict.fromkeys(w for _, _, w in words))
                rule_reasons[rule].append(f"{RULE_LABELS[rule]}: {listed}" if listed
                                          else f"{RULE_LABELS[rule]} (no single word stands out)")
            if i in profane:
                rule_reasons["abuse"].append("Profanity that attacks nobody (the site's profanity setting decides)")
            reasons = [r for rule in RULES for r in rule_reasons[rule]]
            results.append(Assessment(scores, reasons, code, join_spans(text, spans), rule_reasons, i in profane))
        return results

    def _scope(self, texts, abuse, thresholds):
        """Hate at a group reaches review at least; hostility only negated, or reported to condemn it, is scored
        again without that clause (classifiers.rules.scope)."""
        again = []
        for i, text in enumerate(texts):
            flagged = any(abuse[r][i] >= thresholds[r]["review"] for r in ABUSE_RULES)
            if not scope.worth_reading(text, flagged):
                continue
            hate, spans = scope.read(text)
            if hate:
                abuse["abuse"][i] = max(abuse["abuse"][i], thresholds["abuse"]["review"])
            elif spans and flagged:
                again.append((i, scope.without(text, spans)))
        if again:
            rescored = self.abuse_models.predict_proba([text for _, text in again])
            for k, (i, _) in enumerate(again):
                for rule in ABUSE_RULES:
                    abuse[rule][i] = min(abuse[rule][i], rescored[rule][k])

    @staticmethod
    def _things(texts, abuse, thresholds):
        """Contempt for policies and things, and dehumanising words said of animals or illnesses, naming nobody, are
        no abuse (classifiers.rules.things)."""
        for i, text in enumerate(texts):
            if any(abuse[r][i] >= thresholds[r]["review"] for r in ABUSE_RULES) and (
                    things.at_things(text) or things.at_creatures(text)):
                abuse["abuse"][i], abuse["personal_attack"][i] = things.rescored(
                    abuse["abuse"][i], abuse["personal_attack"][i], thresholds)

    @staticmethod
    def _public_figures(texts, abuse, thresholds):
        """Insults at public figures count as abuse, not as a personal attack (classifiers.rules.public_figures)."""
        for i, text in enumerate(texts):
            if public_figures.about_public_figure(text):
                abuse["abuse"][i], abuse["personal_attack"][i] = public_figures.rescored(
                    text, abuse["abuse"][i], abuse["personal_attack"][i], thresholds)

    def _profanity(self, texts, abuse, thresholds):
        """Indices of the texts that are profanity only: swearing at nobody ("fuck you" is at someone), no
        identity named, and no rule at review once the swear words are out. Mild words alone ("damn", "bloody")
        count only if abuse reached review."""
        review = {rule: thresholds[rule]["review"] for rule in ABUSE_RULES}
        candidates = [i for i, text in enumerate(texts)
                      if profanity.swears(text) and (profanity.strong(text) or abuse["abuse"][i] >= review["abuse"])
                      and not profanity.aimed(text) and not profanity.names_identity(text)]
        if not candidates:
            return set()
        left = self.abuse_models.predict_proba([profanity.without_swearing(texts[i]) for i in candidates])
        return {i for k, i in enumerate(candidates) if all(left[rule][k] < review[rule] for rule in ABUSE_RULES)}
