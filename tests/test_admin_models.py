"""Admins compare, tune, promote and roll back classifier versions; broken artifacts are reported."""
import os

import pytest
from sqlalchemy import select

from classifiers import RULES
from classifiers.evaluation import compare, report
from moderation.extensions import db
from moderation.models import AuditEvent, Comment, ModelVersion
from moderation.operations import active_version, moderator_decisions, promote_version, split_decisions
from moderation.versions import comparison_rows
from tests.conftest import TEST_VERSION, post_form
from tests.model_helpers import copy_version, decide_comments, isolated_app

CIVIL = "I think the council made a sensible decision about the cycle lanes."


@pytest.fixture
def app(trained_instance, tmp_path):
    yield from isolated_app(trained_instance, tmp_path)


def version_of_comment(app, text):
    with app.app_context():
        return [c.verdict.model_version for c in db.session.scalars(select(Comment).where(Comment.text == text))]


def test_promote_and_roll_back_from_the_page(app, client, login):
    copy_version(app, "test-v2")
    decide_comments(app, [("An early comment about the budget vote.", None, None)])
    login("admin")
    page = client.get("/admin/models").get_data(as_text=True)
    assert 'action="/admin/models/test-v2/promote"' in page
    assert 'action="/admin/models/test-v1/promote"' not in page  # the active one has no button
    # The test version misses floors: the first click asks, naming them, and changes nothing.
    asked = post_form(client, "/admin/models/test-v2/promote", {}).get_data(as_text=True)
    assert "Promote test-v2?" in asked and "Below their floors" in asked and 'name="confirmed" value="1"' in asked
    with app.app_context():
        assert active_version().name == "test-v1"
    post_form(client, "/admin/models/test-v2/promote", {"confirmed": "1"})
    decide_comments(app, [("A later comment about the budget vote.", None, None)])
    post_form(client, "/admin/models/test-v1/promote", {"confirmed": "1"})  # rollback
    decide_comments(app, [("The last comment about the budget vote.", None, None)])
    assert version_of_comment(app, "An early comment about the budget vote.") == ["test-v1"]
    assert version_of_comment(app, "A later comment about the budget vote.") == ["test-v2"]
    assert version_of_comment(app, "The last comment about the budget vote.") == ["test-v1"]
    with app.app_context():
        assert [v.name for v in db.session.scalars(select(ModelVersion).where(ModelVersion.active))] == ["test-v1"]
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "promote").order_by(AuditEvent.id)).all()
        assert [(e.before["active"], e.after["active"]) for e in events] == [("test-v1", "test-v2"), ("test-v2", "test-v1")]
    assert post_form(client, "/admin/models/nope/promote", {}).status_code == 404


def test_a_corrupt_active_artifact_is_reported_and_comments_go_to_review(app, client, login):
    copy_version(app, "test-bad")
    with app.app_context():
        promote_version("test-bad")
        db.session.commit()
    path = os.path.join(app.config["MODELS_DIR"], "test-bad.joblib")
    with open(path, "r+b") as handle:  # flip bytes in the middle of the real artifact
        handle.seek(os.path.getsize(path) // 2)
        chunk = handle.read(16)
        handle.seek(os.path.getsize(path) // 2)
        handle.write(bytes(b ^ 0xFF for b in chunk))
    decide_comments(app, [(CIVIL, None, None)])
    with app.app_context():
        comment = db.session.scalar(select(Comment).where(Comment.text == CIVIL))
        assert comment.status == "review" and "sha256" in comment.verdict.error
    login("admin")
    page = client.get("/admin/models").get_data(as_text=True)
    assert "The active version test-bad cannot be used" in page and "does not match the sha256" in page
    refused = post_form(client, "/admin/models/test-bad/promote", {}, follow_redirects=True).get_data(as_text=True)
    assert "cannot be promoted" in refused
    os.remove(path)
    page = client.get("/admin/models").get_data(as_text=True)
    assert "test-bad.joblib is missing" in page
    post_form(client, f"/admin/models/{TEST_VERSION}/promote", {"confirmed": "1"})
    with app.app_context():
        assert active_version().name == TEST_VERSION


def test_model_card_shows_data_figures_and_provenance(app, client, login):
    login("admin")
    page = client.get(f"/admin/models/{TEST_VERSION}").get_data(as_text=True)
    with app.app_context():
        version = active_version()
        card = version.card
    assert version.sha256 in page and card["sklearn_version"] in page and card["created_at"] in page
    assert "olid" in page and str(card["data"]["rows"]["olid"]) in page
    assert "abuse ROC AUC, test split" in page and "No comparison was recorded" in page
    # Each figure with a published reference or a floor shows it beside our value; figures below a floor are marked.
    assert "span F1, every post flagged (SemEval setting)" in page and "SemEval-2021 Task 5 best: about 0.70" in page
    assert "0.93 or more" in page and "under 1%" in page
    assert page.count("not met</strong>") == len(report.unmet(card))
    # The versions list says how many figures of each version are below their floor, naming them on hover.
    listing = client.get("/admin/models").get_data(as_text=True)
    missed = report.unmet(card)
    assert (f'title="{"; ".join(missed)}">{len(missed)} below' if missed else "all met") in listing
    assert f"flask --app wsgi evaluate {TEST_VERSION}" in page  # no speed figures until evaluated
    assert client.get("/admin/models/unknown").status_code == 404


def test_threshold_what_if_replays_recent_verdicts_and_saving_applies_them(app, client, login):
    decide_comments(app, [
        (CIVIL, "approve", None),
        ("The library opening hours are far too short for working parents.", "approve", None),
        ("You are a fucking idiot and a stupid moron, shut up.", "reject", "abuse"),
        ("Le conseil municipal a pris une décision raisonnable.", "reject", "not_english"),
        ("A comment nobody has reviewed yet about the new bridge.", None, None),
    ])
    login("admin")
    url = f"/admin/models/{TEST_VERSION}/what-if"
    lenient = {f"{rule}-{kind}": "1" for rule in RULES for kind in ("review", "reject")}
    counts = client.get(url, query_string=lenient).get_json()
    assert (counts["publish"], counts["review"], counts["reject"], counts["replayed"]) == (5, 0, 0, 5)
    assert (counts["reviewed"], counts["disagree"]) == (4, 2)  # both rejections would be published
    strict = {**lenient, "abuse-review": "0", "abuse-reject": "0"}
    counts = client.get(url, query_string=strict).get_json()
    assert (counts["reject"], counts["disagree"]) == (5, 2)  # both approvals would be rejected
    bad = client.get(url, query_string={**lenient, "abuse-review": "0.9", "abuse-reject": "0.2"})
    assert bad.status_code == 400 and "must not exceed" in bad.get_json()["error"]
    assert client.get(url, query_string={"abuse-review": "nan"}).status_code == 400

    page = client.get(f"/admin/models/{TEST_VERSION}").get_data(as_text=True)
    assert 'name="abuse-reject"' in page and "of <span data-count=\"replayed\">5</span>" in page
    saved = {**lenient, "abuse-review": "0.4", "abuse-reject": "0.8"}
    post_form(client, f"/admin/models/{TEST_VERSION}/thresholds", saved)
    with app.app_context():
        version = active_version()
        assert version.thresholds["abuse"] == {"review": 0.4, "reject": 0.8}
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "thresholds")).after["abuse"]["reject"] == 0.8
    page = post_form(client, f"/admin/models/{TEST_VERSION}/thresholds", {**saved, "abuse-review": "2"},
                     follow_redirects=True).get_data(as_text=True)
    assert "Thresholds not saved" in page and "between 0 and 1" in page
    with app.app_context():
        assert active_version().thresholds["abuse"] == {"review": 0.4, "reject": 0.8}


def test_held_back_decisions_are_the_newest_fifth_and_spam_labels_nothing(app):
    texts = [f"Comment number {i} about the tram extension plans." for i in range(11)]
    decide_comments(app, [(t, "approve", None) for t in texts[:9]]
                    + [(texts[9], "reject", "spam"), (texts[10], "reject", "abuse")])
    with app.app_context():
        decisions = moderator_decisions()
        train_on, held_back = split_decisions(decisions)
    assert len(decisions) == 10 and texts[9] not in [text for _, text, _ in decisions]
    assert [text for text, _ in held_back] == [texts[8], texts[10]]
    assert {text for text, _ in train_on} == set(texts[:8])
    assert held_back[1][1] == {"abuse": 1}


def test_comparison_marks_worse_figures():
    card = {"comparison": {"against": "v1", "candidate": {
        "held_back": {"rows": 10, "rules": {"abuse": {"roc_auc": 0.80, "precision": 0.9}}, "auto_decided": 0.7,
                      "disagreements": 1},
        "validation": {"rows": 50, "rules": {}, "auto_decided": 0.5, "disagreements": 4},
        "identity": {"identity_flagged": 0.10, "identity_rejected": 0.0}},
        "active": {
        "held_back": {"rows": 10, "rules": {"abuse": {"roc_auc": 0.85, "precision": 0.8}}, "auto_decided": 0.7,
                      "disagreements": 3},
        "validation": {"rows": 50, "rules": {}, "auto_decided": 0.5, "disagreements": 4},
        "identity": {"identity_flagged": 0.05, "identity_rejected": 0.0}}}}
    worse = {(section[:4], label) for section, label, _, _, is_worse in comparison_rows(card) if is_worse}
    assert worse == {("Held", "abuse roc auc"), ("Iden", "identity flagged")}
    assert compare.is_worse("disagreements", 5, 3) and not compare.is_worse("roc_auc", 0.9, 0.9)
