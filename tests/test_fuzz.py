"""Fuzzing: every form with hostile values never answers 5xx (TESTING re-raises any exception), and `score`
answers each of 10,000 hostile lines."""
import json
import random

from sqlalchemy import select

from moderation.extensions import db
from moderation.models import Comment, Story
from tests.conftest import TEST_VERSION, post_form

NUMBERISH = ["", "0", "-1", "1", "2", "²", "٣", "1e9", "9" * 20, "9" * 400, "0x1f", " 3 ", "NaN", "inf", "-0", "1.5",
             "2147483648", "2147483647"]


def hostile(rng, numbers=False):
    """A form value: numbers written oddly, control and invisible characters, markup, long or non-Latin text."""
    kind = rng.randrange(8)
    if numbers or kind == 0:
        return rng.choice(NUMBERISH)
    if kind == 1:
        return "".join(chr(rng.choice([rng.randrange(0, 32), 0x7f, 0xad, 0x200b, 0x202e, 0x2060, 0xfeff, 0x180e]))
                       for _ in range(rng.randrange(1, 20)))
    if kind == 2:
        return rng.choice(["<script>alert(1)</script>", "' OR 1=1 --", "{{7*7}}", "%s%n", "../../etc/passwd"])
    if kind == 3:
        return "A fine comment about the council. " * rng.randrange(100, 200)
    if kind == 4:
        return "".join(chr(rng.randrange(0x20, 0xd7ff)) for _ in range(rng.randrange(1, 60)))
    if kind == 5:
        return rng.choice(["approve", "reject", "abuse", "spam", "other", "suspended", "banned", "admin", "good"])
    if kind == 6:
        return "2030-01-01" if rng.random() < 0.5 else "31-31-31"
    return "I think the council should publish the budget for the new cycle lanes."


def test_every_form_with_hostile_values_never_fails(app, client, login, make_comment, make_user):
    rng = random.Random(18)
    comment_id = make_comment(status="published")
    author_id, _ = make_user()
    with app.app_context():
        slug = db.session.get(Comment, comment_id).story.slug
        story_id = db.session.scalar(select(Story.id))
    login("admin")
    forms = [
        (f"/stories/{slug}/comments", {"text": False, "parent_id": True}),
        (f"/stories/{slug}/comments/{comment_id}/report", {"reason": False}),
        (f"/review/{comment_id}", {"action": False, "reason": False, "note": False, "revision": True, "next": False}),
        ("/review/bulk", {"action": False, "reason": False, "ids": True, "note": False}),
        ("/review/bulk", {"action": False, "reason": False, "targets": False, "confirmed": True}),
        (f"/review/authors/{author_id}/standing", {"standing": False, "until": False, "note": False,
                                                   "reject_waiting": True}),
        ("/review/settings", {"audit_percent": True}),
        ("/admin/stories/new", {"title": False, "summary": False, "url": False, "comments_open": False}),
        (f"/admin/stories/{story_id}/edit", {"title": False, "summary": False, "url": False}),
        (f"/admin/models/{TEST_VERSION}/thresholds", {"abuse-review": True, "abuse-reject": True}),
        (f"/admin/users/{author_id}/role", {"role": False}),
        ("/auth/register", {"email": False, "display_name": False, "password": False, "confirm": False}),
    ]
    sent = 0
    for round_ in range(60):
        for url, fields in forms:
            data = {name: hostile(rng, numeric) for name, numeric in fields.items()}
            if "ids" in data:
                data["ids"] = [hostile(rng, True) for _ in range(3)]
            response = post_form(client, url, data)
            assert response.status_code < 500, (url, data)
            sent += 1
        for url in (f"/stories/{slug}?page={hostile(rng, True)}", f"/review/?queue=review&age={hostile(rng)}"
                    f"&q={hostile(rng)}&story={hostile(rng)}", f"/review/audit?target=comment:{hostile(rng, True)}",
                    f"/review/stats?days={hostile(rng, True)}", f"/admin/models/{TEST_VERSION}/what-if?abuse-review="
                    f"{hostile(rng, True)}"):
            assert client.get(url).status_code < 500, url
    login_page = app.test_client()
    for _ in range(40):
        response = post_form(login_page, "/auth/login", {"email": hostile(rng), "password": hostile(rng)})
        assert response.status_code < 500
    assert sent == 60 * len(forms)


def test_score_answers_ten_thousand_hostile_lines(runner):
    rng = random.Random(5)
    lines = []
    for n in range(10_000):
        kind = n % 10
        if kind == 0:
            lines.append(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 80))))
        elif kind == 1:
            lines.append(b'{"id": %d, "text": ' % n + b"[" * rng.randrange(1, 3000) + b"}")
        elif kind == 2:
            lines.append(json.dumps({"id": n, "text": hostile(rng)}).encode())
        elif kind == 3:
            lines.append(json.dumps({"id": [n, {"x": None}], "text": rng.choice([None, 5, [], {}, "ok"])}).encode())
        elif kind == 4:
            lines.append(b'{"id": "\\udc%02x", "text": "Lone surrogate \\ud8%02x in text."}' % (n % 256, n % 256))
        elif kind == 5:
            lines.append(json.dumps({"id": n, "text": "In C:\\Temp " + hostile(rng)}).encode())
        else:
            lines.append(json.dumps({"id": n, "text": hostile(rng)}, ensure_ascii=rng.random() < 0.5).encode())
    lines = [line.replace(b"\n", b" ").replace(b"\r", b" ") for line in lines]
    result = runner.invoke(args=["score"], input=b"\n".join(lines) + b"\n")
    answered = [json.loads(line) for line in result.stdout.splitlines()]
    expected = sum(1 for line in lines if line.strip())
    assert len(answered) == expected
    assert all(("decision" in a) != ("error" in a) for a in answered)
    assert "Traceback" not in result.stderr


def test_legal_privacy_and_transparency_forms_with_hostile_values_never_fail(app, client, login, make_comment,
                                                                             make_user, reader):
    """Appeals, notices (both sides), the transparency report's period, the privacy settings and the reader's own
    pages, with limits raised so the fuzz reaches the forms rather than the rate limiter."""
    from moderation.legal.appeals import file_appeal
    from moderation.legal.models import Statement
    from moderation.legal.notices import file_notice
    from moderation.models import User
    from moderation.operations import review_comment

    app.config.update(RATELIMIT_NOTICE_PER_ADDRESS="10000 per minute", RATELIMIT_APPEAL_PER_READER="10000 per minute")
    rng = random.Random(22)
    author_id, _, author = reader()
    moderator_id, _ = make_user("moderator")
    appealed, to_appeal = make_comment(author_id=author_id), make_comment(author_id=author_id)
    published = make_comment(status="published")
    with app.app_context():
        moderator = db.session.get(User, moderator_id)
        for comment_id in (appealed, to_appeal):
            review_comment(comment_id, moderator, "reject", "abuse")
        first, second = db.session.scalars(select(Statement).order_by(Statement.id)).all()
        appeal = file_appeal(first, db.session.get(User, author_id), "It was not abusive at all.")
        notice = file_notice(db.session.get(Comment, published), "other", "Illegal under a law of ours.", "n@x.org")
        db.session.commit()
        appeal_id, notice_id, notice_uid, uid = appeal.id, notice.id, notice.uid, second.uid
    login("admin")
    sides = [
        (author, f"/legal/appeals/{uid}", {"explanation": False}),
        (author, "/account/notifications", {"replies": False, "decisions": False}),
        (app.test_client(), f"/legal/notices/new/{published}", {"category": False, "explanation": False,
                                                               "email": False, "good_faith": False}),
        (client, f"/review/appeals/{appeal_id}", {"outcome": False, "reason": False}),
        (client, f"/review/notices/{notice_id}", {"outcome": False, "reason": False}),
        (client, "/admin/privacy", {"deleted_account_comments": False, "rejected_text_days": True,
                                    "api_text_days": True}),
    ]
    outcomes = ["upheld", "reversed", "removed", "kept", "anonymise", "remove", "hate", "other"]
    for _ in range(40):
        for who, url, fields in sides:
            data = {name: rng.choice(outcomes) if rng.random() < 0.3 else hostile(rng, numeric)
                    for name, numeric in fields.items()}
            response = post_form(who, url, data)
            assert response.status_code < 500, (url, data)
        period = f"from={hostile(rng, rng.random() < 0.5)}&to={hostile(rng)}"
        for who, url in ((client, f"/admin/transparency/?{period}"), (client, f"/admin/transparency/report.json?{period}"),
                         (client, f"/admin/transparency/report.csv?{period}"),
                         (author, f"/legal/notices/{hostile(rng)}"), (author, f"/legal/appeals/{hostile(rng)}"),
                         (author, "/account/data.json"), (author, f"/legal/notices/{notice_uid}")):
            assert who.get(url).status_code < 500, url
