"""Proof that the service learns from its moderators: after retraining, a new insult is scored as an insult."""
import itertools

import pytest
from sqlalchemy import select

from classifiers import store
from moderation import jobs
from moderation.extensions import db
from moderation.models import Comment
from tests.model_helpers import decide_comments, isolated_app
from tests.conftest import post_form

INSULT = "flumbrick"  # a made-up word: none of the shipped corpora contain it
SUBJECTS = ("You", "Your editor", "This author", "The mayor", "Anyone who believes this", "The councillor",
            "Your friend", "That reporter")
TEMPLATES = ("{s} is a total {w}.", "What a {w} {s} is.", "{s}, you absolute {w}, nobody cares.",
             "Only a {w} would write this, {s}.", "{s} is nothing but a pathetic {w}.")
CIVIL = ("I think the council should fund more buses next year.", "The new bridge will help commuters a lot.",
         "Thank you for this balanced report on the housing market.", "I disagree with the mayor on this plan.",
         "My family has lived here for years and the park has improved.", "The article explains the budget clearly.",
         "Teachers deserve better pay, in my opinion.", "The football club should invest in its youth academy.")
NEW_INSULTS = ("Honestly the commenter above is a {w}.", "Stop commenting, you {w}.",
               "Every {w} in this thread agrees with you.", "The columnist is such a {w} and it shows.",
               "Nobody asked for your opinion, {w}.")
NEW_CIVIL = ("The mayor answered questions about the budget on Tuesday.",
             "I enjoyed reading this article about the local library.",
             "Your editor did a good job with this report on the new bridge.")


@pytest.fixture
def app(trained_instance, tmp_path):
    yield from isolated_app(trained_instance, tmp_path)


def odds(p):
    """The odds p / (1 - p) of a probability."""
    return p / (1 - p) if p < 1 else float("inf")


def outcomes(client, app, texts):
    """Post each text through the comment form; the status the rules gave it."""
    for text in texts:
        post_form(client, "/stories/debate/comments", {"text": text})
    with app.app_context():
        rows = db.session.scalars(select(Comment).where(Comment.text.in_(texts))).all()
        return {c.text: c.status for c in rows if c.author.role == "admin"}


def test_moderators_rejections_teach_a_new_insult(app, client, login):
    insults = [t.format(s=s, w=INSULT) for t in TEMPLATES for s in SUBJECTS]
    civil = list(CIVIL) * 2
    interleaved = [x for pair in itertools.zip_longest(insults, civil) for x in pair if x]
    decisions = [(text, "reject", "personal_attack") if INSULT in text else (text, "approve", None)
                 for text in interleaved]
    decide_comments(app, decisions)
    login("admin")
    new_insults = [t.format(w=INSULT) for t in NEW_INSULTS]

    before = outcomes(client, app, new_insults[:3])
    assert "rejected" not in before.values(), "the base version must not reject the insults, or this proves nothing"

    with app.app_context():
        job = jobs.create_training_job(limit=1500)
        db.session.commit()
        job = jobs.run_job(job.id)
        assert job.status == "succeeded", job.error
        name = job.result_version
    assert post_form(client, f"/admin/models/{name}/promote", {"confirmed": "1"}).status_code == 302

    after = outcomes(client, app, new_insults[3:] + list(NEW_CIVIL))
    assert all(after[text] != "published" for text in new_insults[3:]), after
    assert all(after[text] == "published" for text in NEW_CIVIL), after
    # Sentences already judged keep the verdict of the version that judged them.
    with app.app_context():
        versions = {c.text: c.verdict.model_version for c in db.session.scalars(select(Comment)) if c.author.role == "admin"}
    assert {versions[t] for t in new_insults[:3]} == {"test-v1"} and versions[NEW_CIVIL[0]] == name
    # The retrained version reads the new word as an insult: every new sentence scores over 0.9 and the odds
    # that it is an attack rose at least tenfold (the base version already suspects insult-shaped sentences).
    base, retrained = (store.load(app.config["MODELS_DIR"], v) for v in ("test-v1", name))
    pairs = zip(base.assess_many(new_insults), retrained.assess_many(new_insults))
    for text, (old, new) in zip(new_insults, pairs):
        before, after = old.scores["personal_attack"], new.scores["personal_attack"]
        assert after > 0.9 and odds(after) >= 10 * odds(before), (text, before, after)
