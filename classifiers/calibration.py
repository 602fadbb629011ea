"""Platt scaling: map a model's decision values to calibrated probabilities on held-out data."""
import numpy as np
from sklearn.linear_model import LogisticRegression


class Platt:
    """A one-feature logistic regression fitted on held-out decision values."""

    def fit(self, decision_values, labels, sample_weight=None):
        model = LogisticRegression(C=1e4)
        model.fit(np.asarray(decision_values).reshape(-1, 1), np.asarray(labels), sample_weight=sample_weight)
        self.slope, self.intercept = float(model.coef_[0, 0]), float(model.intercept_[0])
        return self

    def __call__(self, decision_values):
        z = self.slope * np.asarray(decision_values, dtype=float) + self.intercept
        return 1.0 / (1.0 + np.exp(-np.clip(z, -35, 35)))
