"""Coral's External Moderation Phase: signed as Coral signs, answered as Coral reads, failing safe to a moderator."""
import hashlib
import hmac
import json

from sqlalchemy import func, select

from moderation.extensions import db
from moderation.models import ApiCall, ModelVersion
from moderation.versions import save_thresholds

SECRET = "ssec_0123456789abcdef0123456789abcdef"
URL = "/integrations/coral/phase"


def phase_request(text, role="COMMENTER", action="NEW"):
    """The body Coral builds (server/.../pipeline/phases/external.ts)."""
    return {"action": action, "comment": {"body": text, "parentID": None},
            "author": {"id": "user-1", "role": role}, "story": {"id": "story-9", "url": "https://news.example/a"},
            "site": {"id": "site-1"}, "tenantID": "tenant-1", "tenantDomain": "news.example"}


def coral_post(client, data, secrets=(SECRET,), header=None):
    """Serialised and signed as Coral does: JSON.stringify(data, null, 2), sha256=<hex HMAC> per active secret."""
    body = json.dumps(data, indent=2, ensure_ascii=False).encode()
    signature = ",".join("sha256=" + hmac.new(s.encode(), body, hashlib.sha256).hexdigest() for s in secrets)
    headers = {"X-Coral-Signature": header if header is not None else signature}
    return client.post(URL, data=body, headers=headers, content_type="application/json")


def set_secret(runner, secret=SECRET):
    result = runner.invoke(args=["coral-phase", secret])
    assert result.exit_code == 0, result.output
    return result.stdout.strip().splitlines()[-1]


def calls(app):
    with app.app_context():
        return db.session.scalar(select(func.count(ApiCall.id)))


def test_the_command_prints_the_url_to_paste_into_coral(runner):
    assert set_secret(runner).endswith("/integrations/coral/phase")
    assert runner.invoke(args=["coral-phase", "short"]).exit_code != 0


def test_house_rules_answer_coral(app, client, runner):
    set_secret(runner)
    rejected = coral_post(client, phase_request("You are a complete idiot and a moron."))
    assert rejected.status_code == 200
    assert rejected.get_json()["status"] == "REJECTED"
    assert coral_post(client, phase_request("The council approved the new cycle lanes on Tuesday.")).status_code == 204
    edit = coral_post(client, phase_request("You are a complete idiot and a moron.", action="EDIT"))
    assert edit.get_json()["status"] == "REJECTED"
    for role in ("STAFF", "MODERATOR", "ADMIN"):
        assert coral_post(client, phase_request("You are a complete idiot and a moron.", role)).status_code == 204


def test_a_borderline_comment_is_withheld_for_coral_moderators(app, client, runner):
    set_secret(runner)
    text = "This take is pretty dumb, honestly."
    with app.app_context():
        version = db.session.scalar(select(ModelVersion))
        from moderation.pipeline import load_bundle
        abuse = load_bundle(app.config["MODELS_DIR"], version).assess(text).scores["abuse"]
        limits = {rule: dict(v) for rule, v in version.thresholds.items()}
        limits["abuse"] = {"review": abuse * 0.5, "reject": min(1.0, abuse + (1 - abuse) / 2)}
        limits["personal_attack"] = {"review": 1.0, "reject": 1.0}
        save_thresholds(version, limits)
        db.session.commit()
    answer = coral_post(client, phase_request(text))
    assert answer.status_code == 200
    assert answer.get_json() == {"status": "SYSTEM_WITHHELD",
                                 "actions": [{"actionType": "FLAG", "reason": "COMMENT_DETECTED_TOXIC"}]}


def test_unsigned_or_badly_signed_calls_are_refused_and_nothing_is_kept(app, client, runner):
    text = "Quokka-shaped idiots everywhere."
    assert coral_post(client, phase_request(text)).status_code == 403  # no secret set yet
    set_secret(runner)
    assert coral_post(client, phase_request(text), secrets=("ssec_not-the-secret-at-all",)).status_code == 403
    assert coral_post(client, phase_request(text), header="").status_code == 403
    assert coral_post(client, phase_request(text), header="sha256=abc").status_code == 403
    body = json.dumps(phase_request(text), indent=2).encode()
    good = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    tampered = body.replace(b"Quokka", b"Wombat")
    assert client.post(URL, data=tampered, headers={"X-Coral-Signature": good}).status_code == 403
    assert calls(app) == 0
    with app.app_context():
        for table in db.metadata.sorted_tables:
            assert "Quokka" not in json.dumps([str(r) for r in db.session.execute(select(table)).all()]), table.name


def test_both_secrets_work_while_coral_rolls_its_secret(client, runner):
    set_secret(runner, "ssec_old-secret-0123456789")
    set_secret(runner, "ssec_new-secret-0123456789")
    text = "You are a complete idiot and a moron."
    for secrets in (("ssec_old-secret-0123456789",), ("ssec_new-secret-0123456789",),
                    ("ssec_unknown-secret-0000000", "ssec_new-secret-0123456789")):
        assert coral_post(client, phase_request(text), secrets=secrets).get_json()["status"] == "REJECTED"
    set_secret(runner, "ssec_third-secret-012345678")
    assert coral_post(client, phase_request(text), secrets=("ssec_old-secret-0123456789",)).status_code == 403


def test_a_classifier_failure_withholds_the_comment_never_publishes_it(app, client, runner):
    set_secret(runner)
    with app.app_context():
        db.session.scalar(select(ModelVersion)).sha256 = "f" * 64  # artifact refused
        db.session.commit()
    answer = coral_post(client, phase_request("The council approved the new cycle lanes on Tuesday."))
    assert answer.get_json()["status"] == "SYSTEM_WITHHELD"


def test_malformed_phase_bodies_are_4xx(client, runner):
    set_secret(runner)
    for data in ({"action": "DELETE", "comment": {"body": "x"}}, {"action": "NEW"}, {"action": "NEW", "comment": []}):
        assert coral_post(client, data).status_code == 400
    raw = b"\xff not json"
    signature = "sha256=" + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
    assert client.post(URL, data=raw, headers={"X-Coral-Signature": signature}).status_code == 400


def test_a_non_finite_score_withholds_the_comment(client, runner, monkeypatch):
    from tests.test_perspective_api import judge_with_nan_abuse

    set_secret(runner)
    judge_with_nan_abuse(monkeypatch)
    answer = coral_post(client, phase_request("The council approved the new cycle lanes on Tuesday."))
    assert answer.get_json()["status"] == "SYSTEM_WITHHELD"
