"""A small client of the REST API for a CMS, in the standard library (tests/test_api_client.py runs it).

    from api_client import Client
    api = Client("https://comments.example", "mk_...")          # a key of your site
    comment = api.submit("cms-comment-991", {"story_id": "2026/12/cycle-lanes", "url": "https://news.example/a"},
                         {"id": "user-42", "name": "Riverside Reader"}, "I think the lanes will help.")
    comment["status"]          # published, review or rejected (then comment["decision"] says why)
    api.comments("2026/12/cycle-lanes", page=1)["threads"]

A network error or a 5xx is retried with the same comment_id: the service stores the comment only once.
"""
import json
import time
import urllib.error
import urllib.parse
import urllib.request


class ApiError(Exception):
    """An error answer: its HTTP status, its stable code and its message."""

    def __init__(self, status, code, message):
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message


class Client:
    def __init__(self, base_url, key, timeout=30, retries=3):
        self.base, self.key, self.timeout, self.retries = base_url.rstrip("/") + "/api/v1", key, timeout, retries

    def _call(self, method, path, body=None, query=None):
        url = self.base + path + ("?" + urllib.parse.urlencode(query) if query else "")
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Authorization": f"Bearer {self.key}", "Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        for attempt in range(self.retries + 1):
            request = urllib.request.Request(url, data=data, method=method, headers=headers)
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    return json.load(response)
            except urllib.error.HTTPError as error:
                answer = json.loads(error.read() or b"{}").get("error", {})
                if error.code < 500 and error.code != 429 or attempt == self.retries:
                    raise ApiError(error.code, answer.get("code"), answer.get("message")) from None
                time.sleep(float(error.headers.get("Retry-After") or 2 ** attempt))
            except urllib.error.URLError:
                if attempt == self.retries:
                    raise
                time.sleep(2 ** attempt)

    def register_story(self, story_id, url, title=None):
        return self._call("POST", "/stories", {"story_id": story_id, "url": url, **({"title": title} if title else {})})

    def submit(self, comment_id, story, author, text, parent_comment_id=None):
        body = {"comment_id": comment_id, "story": story, "author": author, "text": text}
        if parent_comment_id:
            body["parent_comment_id"] = parent_comment_id
        return self._call("POST", "/comments", body)

    def comment(self, comment_id):
        """A comment by this service's id."""
        return self._call("GET", f"/comments/{int(comment_id)}")

    def comment_by_cms_id(self, comment_id):
        return self._call("GET", "/comments/cms/" + urllib.parse.quote(comment_id, safe=""))

    def comments(self, story_id, page=1, per_page=20):
        return self._call("GET", "/stories/" + urllib.parse.quote(story_id, safe="/") + "/comments",
                          query={"page": page, "per_page": per_page})

    def moderate(self, comment_id, action, reason=None, note=""):
        """approve or reject (with a reason: abuse, personal_attack, ...); needs a key with the moderate scope."""
        body = {"action": action, "note": note, **({"reason": reason} if reason else {})}
        return self._call("POST", f"/comments/{int(comment_id)}/moderation", body)
