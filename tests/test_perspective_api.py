"""The Perspective-compatible API answers Perspective's clients (Coral Talk first) exactly as they expect."""
import json

import pytest
from sqlalchemy import select

from moderation.extensions import db
from moderation.models import ApiCall, ApiFeedback, ModelVersion

ABUSIVE = "You are a complete idiot and a moron."
CIVIL = "The council approved the new cycle lanes on Tuesday after a long debate."
ATTRIBUTES = ("TOXICITY", "SEVERE_TOXICITY", "INSULT", "IDENTITY_ATTACK", "THREAT", "PROFANITY",
              "ABUSE", "PERSONAL_ATTACK", "NOT_ENGLISH", "NOT_SENTENCES")


def coral_analyze_body(text):
    """What Coral Talk v9 POSTs for every new comment (services/perspective/perspective.ts)."""
    return {"comment": {"text": text}, "doNotStore": True, "requestedAttributes": {"TOXICITY": {}},
            "languages": ["en"]}


def analyze(client, key, body, via_header=False):
    url = "/v1alpha1/comments:analyze" + ("" if via_header else f"?key={key}")
    headers = {"X-Goog-Api-Key": key} if via_header else {}
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return client.post(url, data=data, headers=headers, content_type="application/json")


def coral_reads_toxicity(response):
    """How Coral reads the answer: attributeScores.TOXICITY.summaryScore.value, a number from 0 to 1."""
    value = response.get_json()["attributeScores"]["TOXICITY"]["summaryScore"]["value"]
    assert 0.0 <= value <= 1.0
    return value


def assert_perspective_error(response, code, status):
    assert response.status_code == code, response.get_data(as_text=True)
    assert response.is_json
    error = response.get_json()["error"]
    assert error["code"] == code and error["status"] == status and error["message"]
    return error


def test_coral_holds_what_the_house_rules_would_and_passes_the_rest(client, make_api_key):
    key = make_api_key("coral")
    threshold = 0.8  # Coral's default toxicity threshold
    toxic = analyze(client, key, coral_analyze_body(ABUSIVE))
    civil = analyze(client, key, coral_analyze_body(CIVIL), via_header=True)
    assert toxic.status_code == civil.status_code == 200
    assert coral_reads_toxicity(toxic) > threshold > coral_reads_toxicity(civil)
    answer = toxic.get_json()
    assert answer["attributeScores"]["TOXICITY"]["summaryScore"]["type"] == "PROBABILITY"
    assert answer["languages"] == ["en"] and answer["detectedLanguages"] == ["en"]
    assert answer["decision"]["outcome"] == "reject"
    assert {"abuse", "personal_attack"} & set(answer["decision"]["brokenRules"])
    assert any("idiot" in reason for reason in answer["decision"]["reasons"])
    assert civil.get_json()["decision"]["outcome"] == "publish"


def test_every_attribute_with_spans_and_thresholds(client, make_api_key):
    key = make_api_key()
    body = {"comment": {"text": ABUSIVE}, "requestedAttributes": {name: {} for name in ATTRIBUTES},
            "spanAnnotations": True, "clientToken": "abc-1"}
    answer = analyze(client, key, body).get_json()
    scores = answer["attributeScores"]
    assert set(scores) == set(ATTRIBUTES)
    assert scores["TOXICITY"]["summaryScore"]["value"] == max(scores["ABUSE"]["summaryScore"]["value"],
                                                              scores["PERSONAL_ATTACK"]["summaryScore"]["value"])
    assert scores["INSULT"]["summaryScore"] == scores["PERSONAL_ATTACK"]["summaryScore"]
    assert answer["clientToken"] == "abc-1"
    marked = {ABUSIVE[s["begin"]:s["end"]] for s in scores["TOXICITY"]["spanScores"]}
    assert {"idiot", "moron"} <= marked, marked
    for span in scores["TOXICITY"]["spanScores"]:
        assert 0 <= span["begin"] < span["end"] <= len(ABUSIVE) and span["score"]["type"] == "PROBABILITY"
    # scoreThreshold leaves out the attributes scoring below it, as Perspective does.
    body = {"comment": {"text": CIVIL}, "requestedAttributes": {"TOXICITY": {"scoreThreshold": 0.9},
                                                                  "NOT_SENTENCES": {"scoreThreshold": 0.0}}}
    assert set(analyze(client, key, body).get_json()["attributeScores"]) == {"NOT_SENTENCES"}


def test_threats_profanity_and_identity_attacks_score_where_they_are(client, make_api_key):
    key = make_api_key()

    def score(text, attribute):
        body = {"comment": {"text": text}, "requestedAttributes": {attribute: {}}, "languages": ["en"]}
        return analyze(client, key, body).get_json()["attributeScores"][attribute]["summaryScore"]["value"]

    assert score("People like you should be shot, and I will find you.", "THREAT") > 0.5
    assert score(CIVIL, "THREAT") < 0.1
    assert score("Fucking hell, what a day.", "PROFANITY") > 0.5
    assert score(CIVIL, "PROFANITY") < 0.1
    assert score("Muslims are vermin and should be driven out.", "IDENTITY_ATTACK") > score(CIVIL, "IDENTITY_ATTACK")


def test_do_not_store_leaves_the_text_in_no_table_and_no_log(app, client, make_api_key, caplog):
    key = make_api_key()
    secret_text = "Zanzibar quokkas vote for the harbour bypass, you utter idiot."
    caplog.set_level("DEBUG")
    assert analyze(client, key, dict(coral_analyze_body(secret_text))).status_code == 200
    with app.app_context():
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(select(table)).all():
                assert "quokkas" not in json.dumps([str(v) for v in row]), table.name
        call = db.session.scalar(select(ApiCall))
        assert call.endpoint == "analyze" and call.status_code == 200 and call.decision and call.text is None
    assert "quokkas" not in caplog.text
    # Without doNotStore the text and scores are kept for the admin's usage view.
    kept = {"comment": {"text": secret_text}, "requestedAttributes": {"TOXICITY": {}}}
    assert analyze(client, key, kept).status_code == 200
    with app.app_context():
        call = db.session.scalars(select(ApiCall).order_by(ApiCall.id.desc())).first()
        assert call.text == secret_text and "TOXICITY" in call.scores


@pytest.mark.parametrize("body, code, status", [
    (b'{"comment": ', 400, "INVALID_ARGUMENT"),
    (b'[1, 2]', 400, "INVALID_ARGUMENT"),
    (b'\xff\xfe{"comment": {"text": "hi"}}', 400, "INVALID_ARGUMENT"),
    ({"comment": {"text": ""}, "requestedAttributes": {"TOXICITY": {}}}, 400, "INVALID_ARGUMENT"),
    ({"comment": {"text": " \u200b\n "}, "requestedAttributes": {"TOXICITY": {}}}, 400, "INVALID_ARGUMENT"),
    ({"comment": {"text": "x" * 20481}, "requestedAttributes": {"TOXICITY": {}}}, 400, "INVALID_ARGUMENT"),
    ({"comment": {"text": 12}, "requestedAttributes": {"TOXICITY": {}}}, 400, "INVALID_ARGUMENT"),
    ({"comment": "text", "requestedAttributes": {"TOXICITY": {}}}, 400, "INVALID_ARGUMENT"),
    ({"comment": {"text": CIVIL}, "requestedAttributes": ["TOXICITY"]}, 400, "INVALID_ARGUMENT"),
    ({"comment": {"text": CIVIL}, "requestedAttributes": {}}, 400, "INVALID_ARGUMENT"),
    ({"comment": {"text": CIVIL}, "requestedAttributes": {"SPAMMINESS": {}}}, 400, "INVALID_ARGUMENT"),
    ({"comment": {"text": CIVIL}, "requestedAttributes": {"TOXICITY": {"scoreType": "STD_DEV_SCORE"}}}, 400,
     "INVALID_ARGUMENT"),
    ({"comment": {"text": CIVIL}, "requestedAttributes": {"TOXICITY": {"scoreThreshold": "high"}}}, 400,
     "INVALID_ARGUMENT"),
    ({"comment": {"text": CIVIL}, "requestedAttributes": {"TOXICITY": {}}, "doNotStore": "yes"}, 400,
     "INVALID_ARGUMENT"),
    ({"comment": {"text": CIVIL}, "requestedAttributes": {"TOXICITY": {}}, "languages": "en"}, 400,
     "INVALID_ARGUMENT"),
    ({"comment": {"text": CIVIL}, "requestedAttributes": {"TOXICITY": {}}, "colour": "blue"}, 400,
     "INVALID_ARGUMENT"),
    ({"comment": {"text": CIVIL}, "requestedAttributes": {"TOXICITY": {}}, "languages": ["fr"]}, 400,
     "INVALID_ARGUMENT"),
])
def test_bad_requests_get_perspectives_errors(client, make_api_key, body, code, status):
    assert_perspective_error(analyze(client, make_api_key(), body), code, status)


def test_a_comment_in_a_language_not_judged_gets_perspectives_language_error(client, make_api_key):
    key = make_api_key()
    body = {"comment": {"text": "Je pense que le conseil municipal a tort sur ce point et je le dis."},
            "requestedAttributes": {"TOXICITY": {}}}
    error = assert_perspective_error(analyze(client, key, body), 400, "INVALID_ARGUMENT")
    assert error["details"][0]["errorType"] == "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE"
    assert error["message"] == "Attribute TOXICITY does not support request languages: fr"
    # The house rule about English judges any language.
    body["requestedAttributes"] = {"NOT_ENGLISH": {}}
    value = analyze(client, key, body).get_json()["attributeScores"]["NOT_ENGLISH"]["summaryScore"]["value"]
    assert value > 0.5


def test_keys_missing_wrong_or_revoked_are_refused(app, client, make_api_key, runner):
    body = coral_analyze_body(CIVIL)
    assert_perspective_error(client.post("/v1alpha1/comments:analyze", json=body), 403, "PERMISSION_DENIED")
    key = make_api_key("revoke-me")
    assert_perspective_error(analyze(client, key[:-2] + "xx", body), 403, "PERMISSION_DENIED")
    assert_perspective_error(analyze(client, "mk_", body), 403, "PERMISSION_DENIED")
    assert analyze(client, key, body).status_code == 200
    assert runner.invoke(args=["api-key", "revoke", "revoke-me"]).exit_code == 0
    assert_perspective_error(analyze(client, key, body), 403, "PERMISSION_DENIED")
    with app.app_context():
        assert db.session.scalar(select(ApiCall.status_code).order_by(ApiCall.id.desc())) == 200  # refused: unrecorded


def test_wrong_method_and_unknown_path_answer_in_json(client, make_api_key):
    key = make_api_key()
    assert_perspective_error(client.get(f"/v1alpha1/comments:analyze?key={key}"), 405, "INVALID_ARGUMENT")
    assert_perspective_error(client.post(f"/v1alpha1/comments:nothing?key={key}", json={}), 404, "NOT_FOUND")


def test_a_classifier_failure_is_unavailable_never_a_500(app, client, make_api_key):
    key = make_api_key()
    with app.app_context():
        version = db.session.scalar(select(ModelVersion))
        version.sha256 = "0" * 64  # the artifact no longer matches: loading it is refused
        db.session.commit()
    assert_perspective_error(analyze(client, key, coral_analyze_body(CIVIL)), 503, "UNAVAILABLE")


def coral_feedback_body(text, value, comment_id="c-17"):
    """What Coral POSTs to suggestscore for a moderator's decision (0 approved, 1 rejected)."""
    context = json.dumps({"url": "https://news.example/story", "Coral_comment_id": comment_id,
                          "reply_to_id_Coral_comment_id": None})
    return {"comment": {"text": text}, "context": {"entries": [{"text": context}]},
            "attributeScores": {"TOXICITY": {"summaryScore": {"value": value}}}, "languages": ["en"],
            "communityId": "Coral:https://news.example", "clientToken": f"comment:{comment_id}"}


def test_suggestscore_keeps_labels_and_a_repeat_replaces_them(app, client, make_api_key):
    key = make_api_key("coral")
    url = f"/v1alpha1/comments:suggestscore?key={key}"
    first = client.post(url, json=coral_feedback_body("What a stupid thing to say.", 1))
    assert first.status_code == 200 and first.get_json() == {"clientToken": "comment:c-17"}
    assert client.post(url, json=coral_feedback_body("What a stupid thing to say.", 0)).status_code == 200
    assert client.post(url, json=coral_feedback_body("Thanks, well argued.", 0, "c-18")).status_code == 200
    with app.app_context():
        rows = {row.client_token: row for row in db.session.scalars(select(ApiFeedback))}
        assert set(rows) == {"comment:c-17", "comment:c-18"}
        assert rows["comment:c-17"].labels == {"abuse": 0, "personal_attack": 0}  # the reversal replaced the rejection
        assert rows["comment:c-17"].community_id == "Coral:https://news.example"
    bad = dict(coral_feedback_body("x", 1), attributeScores={"TOXICITY": {"summaryScore": {"value": 7}}})
    assert_perspective_error(client.post(url, json=bad), 400, "INVALID_ARGUMENT")


def judge_with_nan_abuse(monkeypatch):
    """The real classifiers, but the abuse score comes back NaN (a fault no real input is known to cause)."""
    from moderation import operations

    real_judge = operations.judge

    def judge(*args, **kwargs):
        assessment, decision = real_judge(*args, **kwargs)
        assessment.scores = {**assessment.scores, "abuse": float("nan")}
        return assessment, decision

    monkeypatch.setattr(operations, "judge", judge)


def test_a_non_finite_score_is_unavailable_never_nan_in_the_answer(client, make_api_key, monkeypatch):
    judge_with_nan_abuse(monkeypatch)
    response = analyze(client, make_api_key(), coral_analyze_body(CIVIL))
    assert_perspective_error(response, 503, "UNAVAILABLE")
    assert "NaN" not in response.get_data(as_text=True)
