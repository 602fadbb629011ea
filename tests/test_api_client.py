"""docs/api_client.py, the example a CMS developer starts from, against the service over HTTP."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "docs"))
from api_client import ApiError, Client  # noqa: E402

STORY = {"story_id": "2026/12/cycle-lanes", "url": "https://herald.example/news/cycle-lanes"}
ALICE = {"id": "cms-user-1", "name": "Alice Riverside"}


def test_the_example_client_submits_reads_lists_and_moderates(live_server, make_site, make_api_key):
    make_site("herald")
    api = Client(live_server, make_api_key(site="herald"))
    story = api.register_story(STORY["story_id"], STORY["url"], "Council approves new cycle lanes")
    assert story["story_id"] == STORY["story_id"]
    first = api.submit("cms-1", STORY, ALICE, "I think the new cycle lanes will make the riverside much safer.")
    assert first["status"] == "published"
    assert api.submit("cms-1", STORY, ALICE, "I think the new cycle lanes will make the riverside much safer."
                      )["id"] == first["id"]
    reply = api.submit("cms-2", STORY, {"id": "cms-user-2", "name": "Bob Millstream"},
                       "I agree, and the crossing by the school needs the same care.", parent_comment_id="cms-1")
    assert api.comment(reply["id"])["parent_id"] == first["id"]
    assert api.comment_by_cms_id("cms-2")["id"] == reply["id"]
    threads = api.comments(STORY["story_id"])["threads"]
    assert [t["comment_id"] for t in threads] == ["cms-1"] and threads[0]["replies"][0]["comment_id"] == "cms-2"
    with pytest.raises(ApiError) as refused:
        api.moderate(first["id"], "reject", "spam")
    assert (refused.value.status, refused.value.code) == (403, "insufficient_scope")
    moderator = Client(live_server, make_api_key(site="herald", scope="moderate"))
    assert moderator.moderate(first["id"], "reject", "spam")["status"] == "rejected"
    with pytest.raises(ApiError) as missing:
        api.comment(999999)
    assert missing.value.code == "not_found"
