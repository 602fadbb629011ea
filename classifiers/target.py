"""Who an offensive comment targets (OLID subtask C): an individual, a group or other."""
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

TARGETS = ("IND", "GRP", "OTH")


class TargetModel:
    """Word n-grams and a class-balanced logistic regression, trained on OLID's targeted insults only."""

    def fit(self, texts, targets, seed=0):
        self.words = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True,
                                     token_pattern=r"(?u)\b\w+\b", dtype=np.float32)
        self.model = LogisticRegression(C=1.0, max_iter=2000, class_weight="balanced", random_state=seed)
        self.model.fit(self.words.fit_transform(texts), list(targets))
        return self

    def predict(self, texts):
        """IND, GRP or OTH for each (offensive) text."""
        return [str(t) for t in self.model.predict(self.words.transform(list(texts)))] if len(texts) else []
