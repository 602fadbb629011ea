"""API clients' labels teach the classifiers when an admin lets their key's feedback be used, as a source of its own."""
import itertools

import pytest

from classifiers import store
from moderation import jobs
from moderation.extensions import db
from moderation.models import ModelVersion
from tests.model_helpers import isolated_app
from tests.test_learning import CIVIL, NEW_INSULTS, SUBJECTS, TEMPLATES, odds

INSULT = "blorptwit"  # a made-up word: none of the shipped corpora contain it


@pytest.fixture
def app(trained_instance, tmp_path):
    yield from isolated_app(trained_instance, tmp_path)


def send_labels(client, key, texts_and_values):
    for n, (text, value) in enumerate(texts_and_values):
        body = {"comment": {"text": text}, "clientToken": f"comment:{n}",
                "attributeScores": {"TOXICITY": {"summaryScore": {"value": value}},
                                    "INSULT": {"summaryScore": {"value": value}}}}
        assert client.post(f"/v1alpha1/comments:suggestscore?key={key}", json=body).status_code == 200


def train(app):
    with app.app_context():
        job = jobs.create_training_job(limit=300)
        db.session.commit()
        job = jobs.run_job(job.id)
        assert job.status == "succeeded", job.error
        return db.session.query(ModelVersion).filter_by(name=job.result_version).one().card


def test_labels_from_an_opted_in_key_teach_a_new_insult_and_others_do_not(app, client, make_api_key):
    insults = [t.format(s=s, w=INSULT) for t in TEMPLATES for s in SUBJECTS]
    labelled = [x for pair in itertools.zip_longest([(t, 1) for t in insults], [(t, 0) for t in CIVIL])
                for x in pair if x]
    ignored = make_api_key("not-used")
    send_labels(client, ignored, labelled)
    card = train(app)
    assert card["api_feedback"] == {"trained_on": 0, "held_back": 0}
    assert "api_feedback" not in card["data"]["rows"]

    used = make_api_key("coral", train_on_feedback=True)
    send_labels(client, used, labelled)
    card = train(app)
    held = len(labelled) // 5
    assert card["api_feedback"] == {"trained_on": len(labelled) - held, "held_back": held}
    assert card["data"]["rows"]["api_feedback"] == len(labelled) - held  # its own source in the data counts
    assert "feedback_held_back" in card["comparison"]["candidate"]  # and in the comparison
    assert card["comparison"]["candidate"]["feedback_held_back"]["rows"] == held

    new_insults = [t.format(w=INSULT) for t in NEW_INSULTS]
    base, retrained = (store.load(app.config["MODELS_DIR"], v) for v in ("test-v1", card["name"]))
    for text, old, new in zip(new_insults, base.assess_many(new_insults), retrained.assess_many(new_insults)):
        before, after = old.scores["personal_attack"], new.scores["personal_attack"]
        assert odds(after) >= 10 * odds(before), (text, before, after)
