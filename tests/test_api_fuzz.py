"""Fuzzing the JSON endpoints: wrong types, deep nesting, huge and invalid bodies get a 4xx, never a 5xx."""
import hashlib
import hmac
import json
import random

import pytest

from tests.test_coral_phase import SECRET, set_secret

FIELDS = ("comment", "text", "requestedAttributes", "TOXICITY", "INSULT", "languages", "doNotStore", "clientToken",
          "spanAnnotations", "attributeScores", "summaryScore", "value", "scoreThreshold", "scoreType", "context",
          "entries", "action", "body", "author", "role", "communityId")
STRINGS = ("", " ", "en", "You idiot.", "NEW", "STAFF", "PROBABILITY", "\u200b", "\x00\x01", "\ud800", "💥" * 50,
           "x" * 25000, "Thé council is wrong.", "<b>bold</b> &amp;", "In C:\\Temp\\New", "\\u0000")


def random_value(rng, depth=0):
    kind = rng.random()
    if depth > 3 or kind < 0.25:
        return rng.choice([None, True, False, 0, -1, 1.5, 1e308, float("nan"), 10**30, rng.choice(STRINGS)])
    if kind < 0.65:
        return {rng.choice(FIELDS): random_value(rng, depth + 1) for _ in range(rng.randint(0, 4))}
    return [random_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]


BASES = {
    "comments:analyze": {"comment": {"text": "You idiot."}, "requestedAttributes": {"TOXICITY": {}}},
    "comments:suggestscore": {"comment": {"text": "You idiot."},
                              "attributeScores": {"TOXICITY": {"summaryScore": {"value": 1}}}},
    "phase": {"action": "NEW", "comment": {"body": "You idiot.", "parentID": None},
              "author": {"id": "u", "role": "COMMENTER"}},
}
OPTIONAL = ("languages", "doNotStore", "spanAnnotations", "clientToken", "context", "communityId")


def plausible(rng, endpoint):
    """A request of the real shape with one part broken (or none), so the fuzz reaches past the first check."""
    body = json.loads(json.dumps(BASES[endpoint]))
    if rng.random() < 0.2:
        return body
    target = rng.choice(list(body) + list(OPTIONAL))
    if target == "comment" and rng.random() < 0.5:
        body["comment"]["text" if endpoint != "phase" else "body"] = rng.choice(STRINGS)
    else:
        body[target] = random_value(rng)
    return body


def raw_bodies(rng, endpoint):
    """Bytes no JSON encoder would write: truncated, invalid UTF-8, nesting far past any limit, oversized."""
    yield b""
    yield b"\xff\xfe\x00"
    yield b'{"comment": {"text": "\xc3\x28"}}'
    yield b"[" * 100_000 + b"]" * 100_000
    yield b'{"a":' * 5000 + b"1" + b"}" * 5000
    yield json.dumps({"comment": {"text": "a" * 70_000}}).encode()
    for _ in range(30):
        good = json.dumps(plausible(rng, endpoint)).encode()
        yield good[: rng.randint(0, len(good))]


def bodies(rng, count, endpoint):
    yield from raw_bodies(rng, endpoint)
    for i in range(count):
        value = plausible(rng, endpoint) if i % 2 else random_value(rng)
        yield json.dumps(value, allow_nan=True).encode()


@pytest.mark.parametrize("endpoint", ["comments:analyze", "comments:suggestscore"])
def test_perspective_endpoints_never_answer_5xx(client, make_api_key, endpoint):
    key, rng = make_api_key(), random.Random(endpoint)
    seen = set()
    for body in bodies(rng, 300, endpoint):
        response = client.post(f"/v1alpha1/{endpoint}?key={key}", data=body, content_type="application/json")
        assert response.status_code < 500, (body[:200], response.get_data(as_text=True)[:300])
        assert response.is_json and ("error" in response.get_json()) == (response.status_code >= 400)
        seen.add(response.status_code)
    assert 200 in seen and 400 in seen and 413 in seen


def test_the_coral_phase_never_answers_5xx(client, runner):
    set_secret(runner)
    rng, seen = random.Random(7), set()
    for body in bodies(rng, 300, "phase"):
        signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        response = client.post("/integrations/coral/phase", data=body, headers={"X-Coral-Signature": signature},
                               content_type="application/json")
        assert response.status_code < 500, (body[:200], response.get_data(as_text=True)[:300])
        seen.add(response.status_code)
    assert {200, 204, 400} <= seen


REST_STORY = {"story_id": "2026/12/cycle-lanes", "url": "https://herald.example/news/cycle-lanes", "title": "Lanes"}
REST = {
    "comments": {"comment_id": "c-1", "story": REST_STORY, "text": "You idiot.",
                 "author": {"id": "cms-1", "name": "Alice Riverside", "email": "alice@herald.example"}},
    "stories": REST_STORY,
    "moderation": {"action": "reject", "reason": "spam", "note": "advertising"},
}


def rest_body(rng, kind):
    """A REST request of the real shape with one field, top-level or nested, given a hostile value (or none)."""
    body = json.loads(json.dumps(REST[kind]))
    places = [(body, key) for key in [*body, "parent_id", "colour"]]
    places += [(value, key) for value in body.values() if isinstance(value, dict) for key in value]
    if rng.random() < 0.8:
        holder, key = rng.choice(places)
        holder[key] = random_value(rng) if rng.random() < 0.5 else rng.choice(STRINGS)
    return body


def test_the_rest_api_never_answers_5xx(client, make_site, make_api_key):
    make_site("herald")
    submitter = {"Authorization": f"Bearer {make_api_key(site='herald')}"}
    moderator = {"Authorization": f"Bearer {make_api_key(site='herald', scope='moderate')}"}
    first = client.post("/api/v1/comments", json=REST["comments"], headers=submitter)
    assert first.status_code in (200, 201), first.get_json()
    rng, seen = random.Random(20), set()
    urls = {"comments": ("/api/v1/comments", submitter), "stories": ("/api/v1/stories", submitter),
            "moderation": (f"/api/v1/comments/{first.get_json()['id']}/moderation", moderator)}
    for kind, (url, headers) in urls.items():
        for body in [*raw_bodies(rng, "comments:analyze"), *(json.dumps(rest_body(rng, kind), allow_nan=True).encode()
                                                            for _ in range(150))]:
            response = client.post(url, data=body, headers=headers, content_type="application/json")
            assert response.status_code < 500, (url, body[:200], response.get_data(as_text=True)[:300])
            assert response.is_json
            seen.add(response.status_code)
    for _ in range(60):
        value = rng.choice(["0", "-1", "9" * 30, "%00", "x/../..", "\u200b", "2026%2F12%2Fcycle-lanes"])
        for url in (f"/api/v1/comments/{value}", f"/api/v1/stories/{value}", f"/api/v1/comments/cms/{value}",
                    f"/api/v1/stories/{REST_STORY['story_id']}/comments?page={value}&per_page={value}"):
            assert client.get(url, headers=submitter).status_code < 500, url
    assert {200, 400, 422} <= seen
