"""Each API key has its own budget, shared by both endpoints; over it Perspective's RESOURCE_EXHAUSTED."""
import pytest
from sqlalchemy import select

from moderation.extensions import db
from moderation.models import ApiCall
from tests.conftest import build_app
from tests.test_perspective_api import CIVIL, analyze, assert_perspective_error, coral_analyze_body


@pytest.fixture
def app(trained_instance, tmp_path):
    yield from build_app(*trained_instance, tmp_path, {"RATELIMIT_ENABLED": True})


def test_over_its_rate_limit_a_key_gets_resource_exhausted(app, client, make_api_key):
    key, other = make_api_key(rate_limit="3/minute"), make_api_key()
    body = coral_analyze_body(CIVIL)
    assert [analyze(client, key, body).status_code for _ in range(3)] == [200, 200, 200]
    limited = analyze(client, key, body)
    assert_perspective_error(limited, 429, "RESOURCE_EXHAUSTED")
    assert int(limited.headers["Retry-After"]) > 0
    # suggestscore shares the key's budget; another key has its own.
    feedback = {"comment": {"text": CIVIL}, "attributeScores": {"TOXICITY": {"summaryScore": {"value": 0}}}}
    assert client.post(f"/v1alpha1/comments:suggestscore?key={key}", json=feedback).status_code == 429
    assert analyze(client, other, body).status_code == 200
    # Refusals are recorded against the key, for the Integrations page's "over limit".
    with app.app_context():
        refused = db.session.scalars(select(ApiCall.endpoint).where(ApiCall.status_code == 429)).all()
        assert sorted(refused) == ["analyze", "suggestscore"]
