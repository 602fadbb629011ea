"""Every form the service shows, found by crawling its pages as an admin and as an embed reader, sent with hostile
values: never a 5xx (TESTING re-raises any exception). A form route that no crawled page offers fails the test, so
a new form is fuzzed from the day it is added."""
import random
import re
import shutil
import time
from pathlib import Path
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlsplit

import jwt
from sqlalchemy import select
from werkzeug.exceptions import MethodNotAllowed, NotFound

from moderation.accounts.tokens import make_token
from moderation.extensions import db
from moderation.legal.models import Statement
from moderation.legal.appeals import file_appeal
from moderation.legal.notices import file_notice
from moderation import jobs
from moderation.models import Comment, ModelVersion, User
from moderation.operations import register_version, review_comment, submit_comment
from moderation.sites.operations import add_endpoint, find_site, story_for
from tests.conftest import PASSWORD, TEST_VERSION, csrf_token, post_form
from tests.test_fuzz import hostile

ROUNDS = 8
PAGES_PER_ENDPOINT = 4  # pages of one route with the same query keys differ only in data: a few suffice
# POST routes that take JSON or a signature instead of a form, each fuzzed where named.
NOT_FORMS = {
    "perspective.analyze": "test_api_fuzz.py", "perspective.suggest_score": "test_api_fuzz.py",
    "coral.phase": "test_api_fuzz.py", "rest.submit": "below", "rest.moderate": "below",
    "rest.register_story": "test_rest_api.py", "embed.sso": "test_embed.py and test_sso.py",
    "auth.logout": "no fields: it only ends the session",
}
# POST routes a script calls with form fields instead of a form's own submission: fuzzed below with these fields.
SCRIPTED = {"review.hold": ("csrf_token",), "review.release": ("csrf_token",),
            "embed.login": ("site", "email", "password"),
            "embed.register": ("site", "email", "display_name", "password", "confirm")}


class PageParts(HTMLParser):
    """The links and the POST forms of one page: each form's action and its fields with the values offered."""

    def __init__(self):
        super().__init__()
        self.links, self.forms, self._form, self._select = [], [], None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "form":
            self._form = {"action": attrs.get("action") or "", "method": (attrs.get("method") or "get").lower(),
                          "fields": {}}
            self.forms.append(self._form)
        elif self._form is not None and tag in ("input", "textarea", "select", "button") and attrs.get("name"):
            field = self._form["fields"].setdefault(attrs["name"], {"kind": attrs.get("type") or tag, "values": []})
            if attrs.get("value") is not None:
                field["values"].append(attrs["value"])
            self._select = field if tag == "select" else None
        elif tag == "option" and self._select is not None and attrs.get("value") is not None:
            self._select["values"].append(attrs["value"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def route_of(app, path, method):
    """The endpoint a path reaches with this method, or None."""
    try:
        return app.url_map.bind("localhost").match(path, method=method)[0]
    except (NotFound, MethodNotAllowed):
        return None


def crawl(app, client, starts, headers=None):
    """GET every page reachable from `starts` (a few per route and query shape); {endpoint: (action, fields)}."""
    queue, seen, shapes, forms = list(starts), set(), {}, {}
    while queue:
        url = queue.pop(0)
        parts = urlsplit(url)
        endpoint = route_of(app, parts.path, "GET")
        shape = (endpoint, tuple(sorted(key for key, _ in parse_qsl(parts.query))))
        if url in seen or endpoint in (None, "static") or shapes.get(shape, 0) >= PAGES_PER_ENDPOINT:
            continue
        seen.add(url)
        shapes[shape] = shapes.get(shape, 0) + 1
        response = client.get(url, headers=headers)
        assert response.status_code < 500, url
        if response.mimetype != "text/html":
            continue
        page = PageParts()
        page.feed(response.get_data(as_text=True))
        for href in page.links:
            target = urlsplit(urljoin(url, href))
            if target.netloc in ("", "localhost") and target.scheme in ("", "http"):
                queue.append(target.path + (f"?{target.query}" if target.query else ""))
        for form in page.forms:
            action = urlsplit(urljoin(url, form["action"] or url))
            endpoint = route_of(app, action.path, "POST") if form["method"] == "post" else None
            if endpoint:
                forms.setdefault(endpoint, (action.path + (f"?{action.query}" if action.query else ""),
                                            form["fields"]))
    return forms


def hostile_form(rng, fields):
    """The form as a browser would send it with hostile values; the CSRF token and, often, an offered choice kept."""
    data = {}
    for name, field in fields.items():
        offered = field["values"]
        if name == "csrf_token":
            data[name] = offered[0]
        elif field["kind"] in ("submit", "checkbox", "radio", "select", "hidden") and offered and rng.random() < 0.6:
            data[name] = rng.choice(offered)
        elif field["kind"] == "checkbox" and rng.random() < 0.5:
            continue
        else:
            data[name] = hostile(rng, field["kind"] == "number")
    return data


def seed(app, users, make_comment, make_story, make_site, make_api_key):
    """A history with something behind every form: a site with a webhook delivery and an API key, a second version
    to promote, a statement the admin can appeal, an appeal and a notice to decide, the admin's own comments."""
    admin_id, moderator_id, reader_id = users
    secret = make_site("herald")
    make_api_key(site="herald")
    slug = make_story()
    own = make_comment("I think the council should publish the budget for the cycle lanes.", status="published",
                       author_id=admin_id, slug=slug)
    make_comment("I agree with the budget point, and the crossing needs the same care.", status="published",
                 author_id=reader_id, parent_id=own)
    rejected_own = make_comment("The council members are all idiots.", author_id=admin_id, slug=slug)
    appealed = make_comment("The mayor has no idea what the people on Mill Street need.", author_id=reader_id,
                            slug=slug)
    make_comment("A comment waiting in the review queue for a moderator.", author_id=reader_id, slug=slug)
    models = Path(app.instance_path) / "models"
    for suffix in (".joblib", ".json"):  # a second version to promote and compare
        shutil.copyfile(models / f"{TEST_VERSION}{suffix}", models / f"fuzz-candidate{suffix}")
    with app.app_context():
        card = db.session.scalar(select(ModelVersion.card).where(ModelVersion.name == TEST_VERSION))
        register_version("fuzz-candidate", card)
        review_comment(rejected_own, db.session.get(User, moderator_id), "reject", "abuse", "Name-calling.")
        review_comment(appealed, db.session.get(User, moderator_id), "reject", "personal_attack", "Attacks.")
        db.session.flush()
        statement = db.session.scalar(select(Statement).where(Statement.comment_id == appealed))
        file_appeal(statement, db.session.get(User, reader_id), "I criticised a policy, not a person.")
        file_notice(db.session.get(Comment, own), "hate", "This insults a group of people.", "sender@example.com")
        site = find_site("herald")
        add_endpoint(site, None, "http://127.0.0.1:9/hook", ["story.created"])
        embed_story = story_for(site, "fuzz-story", "https://herald.example/news/fuzz", "Fuzzing the embed")
        submit_comment(embed_story, db.session.get(User, reader_id), "A published comment under the embedded story.",
                       ).status = "published"
        db.session.commit()
        admin = db.session.get(User, admin_id)
        tokens = [f"/account/{purpose}/{make_token(admin, purpose, extra)}"
                  for purpose, extra in (("reset", None), ("unsubscribe", "replies"))]
    return secret, [f"/stories/{slug}", *tokens]


def script_urls(app, client, url, headers=None):
    """The URLs a page's scripts fetch (data-...-url attributes), placeholders filled with a real id."""
    page = client.get(url, headers=headers).get_data(as_text=True)
    return [value.replace("0000", "1") for value in re.findall(r'data-[a-z-]*url="(/[^"]*)"', page)]


def test_every_form_on_every_page_with_hostile_values_never_fails(app, client, make_user, make_comment, make_story,
                                                                 make_site, make_api_key):
    rng = random.Random(2026)
    admin_id, admin_email = make_user("admin")
    users = (admin_id, make_user("moderator")[0], make_user()[0])
    secret, seeded_pages = seed(app, users, make_comment, make_story, make_site, make_api_key)
    sign_in = lambda: post_form(client, "/auth/login", {"email": admin_email, "password": PASSWORD})  # noqa: E731
    assert sign_in().status_code == 302
    starts = ["/", "/my/comments", "/account/", "/review/", "/review/appeals", "/review/notices", "/review/audit",
              "/review/stats", "/review/settings", "/admin/", "/admin/models", "/admin/sites/", "/admin/integrations/",
              "/admin/users", "/admin/privacy", "/admin/transparency/", "/admin/stories/new", *seeded_pages]
    forms = crawl(app, client, starts)
    stranger = app.test_client()  # what only the signed-out see: sign in, register, reset
    forms.update({endpoint: form for endpoint, form in
                  crawl(app, stranger, ["/", "/auth/login", "/auth/register", "/account/reset"]).items()
                  if endpoint not in forms})
    frame = ("/embed/frame?site=herald&story_id=fuzz-story&story_url=https://herald.example/news/fuzz"
             "&origin=https://herald.example")
    claims = {"sub": "cms-fuzz", "name": "Fuzz Reader", "email": "fuzz@herald.example",
              "exp": int(time.time()) + 600}
    answer = client.post("/embed/sso", json={"site": "herald", "token": jwt.encode(claims, secret, "HS256")})
    assert answer.status_code == 200, answer.get_json()
    embed_reader = {"Authorization": "Bearer " + answer.get_json()["token"]}
    with app.app_context():  # an admin made this reader a moderator on the People page: the embed offers "feature"
        db.session.scalar(select(User).where(User.display_name == "Fuzz Reader")).role = "moderator"
        db.session.commit()
    stream = script_urls(app, client, frame)
    posted = client.post(stream[0].replace("/stream", "/comments"), headers=embed_reader,
                         data={"text": "I think the embedded story is a fair account of the vote."})
    assert posted.status_code == 200, stream  # the reader's own comment, to edit and delete
    embed_forms = crawl(app, client, [frame, *stream], embed_reader)

    def send_round():
        for endpoint, (action, fields) in [*forms.items(), *embed_forms.items()]:
            data = hostile_form(rng, fields)
            headers = embed_reader if endpoint.startswith("embed.") else None
            sender = stranger if endpoint in ("auth.login", "auth.register") else client
            response = sender.post(action, data=data, headers=headers)
            assert response.status_code < 500, (endpoint, data)
            restore(app, admin_id)
            if endpoint.startswith(("accounts.", "auth.")) and client.get("/admin/").status_code != 200:
                assert sign_in().status_code == 302  # a hostile email or password change signed the admin out

    send_round()
    waiting = re.search(r'action="/review/(\d+)"', client.get("/review/").get_data(as_text=True)).group(1)
    assert post_form(client, f"/review/{waiting}", {"action": "approve"}).status_code in (200, 302)
    with app.app_context():  # forms that only appear once something happened: undo a decision, cancel a job
        jobs.current_job() or jobs.create_training_job(db.session.get(User, admin_id))
        db.session.commit()
    for endpoint, form in crawl(app, client, ["/review/", "/admin/models", *seeded_pages]).items():
        forms.setdefault(endpoint, form)
    form_routes = {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods}
    missing = form_routes - set(forms) - set(embed_forms) - set(NOT_FORMS) - set(SCRIPTED)
    assert not missing, f"POST routes no crawled page offers a form for (fuzz them): {sorted(missing)}"
    for _ in range(ROUNDS - 1):
        send_round()

    token = csrf_token(client)
    ids = ["1", "2", "0", "9" * 12, "9" * 20]
    for endpoint, fields in SCRIPTED.items():
        rule = next(rule for rule in app.url_map.iter_rules() if rule.endpoint == endpoint)
        for _ in range(40):
            url = rule.rule.replace("<int:comment_id>", rng.choice(ids))
            data = {name: hostile(rng) for name in fields} | {"csrf_token": token}
            sender = client if endpoint.startswith("review.") else stranger
            assert sender.post(url, data=data).status_code < 500, (url, data)
    for path in ("/review/item/{}", "/review/authors/{}", "/admin/stories/{}/edit", "/admin/sites/{}",
                 "/review/appeals/{}", "/review/notices/{}", "/legal/notices/new/{}"):
        for value in ids:
            assert client.get(path.format(value)).status_code < 500, path.format(value)


def restore(app, admin_id):
    """Undo what a hostile value may have changed about the admin themself (their role, their standing)."""
    with app.app_context():
        admin = db.session.get(User, admin_id)
        if admin.role != "admin" or admin.standing != "good":
            admin.role, admin.standing = "admin", "good"
            db.session.commit()
