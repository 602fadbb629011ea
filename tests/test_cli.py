"""The `flask` commands: create-user, score (the contract), promote, models."""
import json

from sqlalchemy import select

from classifiers.evaluation.report import unmet
from moderation.extensions import db
from moderation.models import ModelVersion, User
from moderation.operations import register_version


def test_create_user_reads_the_password_from_stdin(runner, app):
    result = runner.invoke(args=["create-user", "Mod@Example.com", "--role", "moderator"], input="a long password\n")
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User))
        assert (user.email, user.role) == ("mod@example.com", "moderator")
        assert user.check_password("a long password")


def test_create_user_refuses_a_short_password_and_a_bad_role(runner):
    assert runner.invoke(args=["create-user", "a@example.com"], input="short\n").exit_code != 0
    bad_role = runner.invoke(args=["create-user", "a@example.com", "--role", "king"], input="long enough pw\n")
    assert bad_role.exit_code != 0


def test_score_follows_the_contract(runner, tmp_path):
    lines = [
        {"id": 1, "text": "I think the council made a sensible decision about the cycle lanes."},
        {"id": "b", "text": "You are a fucking idiot and a stupid moron, shut up."},
        {"id": 3, "text": "Le conseil municipal a pris une décision raisonnable sur les pistes cyclables."},
        {"id": 4, "text": "lol"},
    ]
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    result = runner.invoke(args=["score", str(source)])
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.output.splitlines()]
    assert [item["id"] for item in out] == [1, "b", 3, 4]
    for item in out:
        assert set(item) == {"id", "decision", "scores", "reasons", "language", "spans"}
        assert set(item["scores"]) == {"not_english", "not_sentences", "abuse", "personal_attack"}
        assert all(0.0 <= p <= 1.0 for p in item["scores"].values())
        assert item["decision"] in ("publish", "review", "reject")
    civil, abusive, french, short = out
    assert civil["decision"] == "publish" and civil["language"] == "en" and civil["spans"] == []
    assert abusive["decision"] == "reject" and abusive["spans"]
    text = lines[1]["text"]
    assert all(0 <= start < end <= len(text) for start, end in abusive["spans"])
    assert french["decision"] == "reject" and french["language"] == "fr"
    assert short["decision"] in ("review", "reject") and short["scores"]["not_sentences"] > 0.5


def test_score_reads_stdin_and_explains_bad_lines(runner):
    result = runner.invoke(args=["score"], input='{"id": 7, "text": "Thank you for this report."}\n')
    assert result.exit_code == 0 and json.loads(result.output)["id"] == 7
    too_long = json.dumps({"id": 10, "text": "Well said. " * 1000})
    lines = ['not json', '{"id": 8, "text": null}', too_long, '{"id": 9, "text": "Well said."}']
    result = runner.invoke(args=["score"], input="\n".join(lines) + "\n")
    assert result.exit_code == 1 and "line 1" in result.stderr
    bad_json, no_text, long_text, scored = map(json.loads, result.stdout.splitlines())
    assert bad_json["id"] is None and "line 1" in bad_json["error"]
    assert no_text["id"] == 8 and "text must be a string" in no_text["error"]
    assert long_text == {"id": 10, "error": "line 3: text is 11,000 characters; a comment holds at most 5,000"}
    assert scored["id"] == 9 and scored["decision"] in ("publish", "review", "reject")


def test_promote_switches_the_active_version(runner, app):
    with app.app_context():
        version = db.session.scalar(select(ModelVersion))
        register_version("test-v2", dict(version.card, sha256=version.sha256))
        below = len(unmet(version.card))  # the same card for both
        db.session.commit()
    assert runner.invoke(args=["promote", "nope"]).exit_code != 0
    result = runner.invoke(args=["promote", "test-v2"])
    assert result.exit_code == 0 and "test-v2 is now active" in result.output
    listing = runner.invoke(args=["models"]).output
    assert "* test-v2" in listing and "  test-v1" in listing
    assert [line.split()[-1] for line in listing.splitlines() if "test-v" in line] == [str(below)] * 2
    with app.app_context():
        assert [v.name for v in db.session.scalars(select(ModelVersion).where(ModelVersion.active))] == ["test-v2"]


def test_train_registers_a_version_and_prints_its_scores(runner, app):
    result = runner.invoke(args=["train", "--limit", "400"])
    assert result.exit_code == 0, result.output
    assert "abuse" in result.output and "promote v2" in result.output
    with app.app_context():
        names = {v.name for v in db.session.scalars(select(ModelVersion))}
        assert names == {"test-v1", "v2"}


def test_score_answers_every_line_whatever_the_input(runner):
    """Deep nesting, invalid UTF-8, lone surrogates, a backslash: each bad line gets an error, every other is scored."""
    good = '{"id": %d, "text": "Thank you for this clear report on the council."}'
    lines = [
        (good % 1).encode(),
        b'{"id": 2, "text": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        b'{"id": 3, "text": "caf\xe9 au lait is what I drink."}',  # Latin-1, not UTF-8
        b'{"id": "\\ud800", "text": "A lone surrogate in the id is still answered."}',
        b'{"id": 5, "text": "A lone surrogate in the text \\udc00 here."}',
        b'{"id": 6, "text": "In C:\\\\Temp the files are kept for a week."}',
        b"[" * 100_000,
        (good % 8).encode(),
    ]
    result = runner.invoke(args=["score"], input=b"\n".join(lines) + b"\n")
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(answers) == 8 and result.exit_code == 1
    assert answers[0]["decision"] == "publish" and answers[7]["decision"] == "publish"
    assert "nested too deeply" in answers[1]["error"] and "UTF-8" in answers[2]["error"]
    assert answers[3]["id"] == "\ud800" and "decision" in answers[3]
    assert answers[4]["id"] == 5 and "error" in answers[4]
    assert answers[5]["id"] == 6 and ("decision" in answers[5] or "error" in answers[5])
    assert "nested too deeply" in answers[6]["error"]
    assert "Traceback" not in result.stderr
