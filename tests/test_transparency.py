"""The transparency report: figures checked exactly against a seeded history, from the admin's side (page, CSV,
JSON, command) and refused to everyone else."""
import csv
import io
import json
from datetime import date, datetime, timedelta, timezone

import pytest

from moderation.extensions import db
from moderation.legal.models import Appeal, Notice, Reversal, Statement
from moderation.models import AuditEvent, Comment, Report, Review, Story, User, Verdict
from moderation.transparency.report import build_report, wilson_interval
from tests.conftest import PASSWORD, post_form

THRESHOLDS = {rule: {"review": 0.5, "reject": 0.9} for rule in ("not_english", "not_sentences", "abuse", "personal_attack")}


def at(day, hour=12, minute=0, second=0, month=11):
    return datetime(2026, month, day, hour, minute, second, tzinfo=timezone.utc)


def seed_history(app, make_user, make_story):
    """A month of moderation at known times; the expected figures are worked out by hand in the tests."""
    author_id = make_user()[0]
    reporters = [make_user()[0] for _ in range(3)]
    moderator_id = make_user("moderator")[0]
    slug = make_story()
    with app.app_context():
        story = db.session.query(Story).filter_by(slug=slug).one()

        def comment(created, decision, delay, rules=(), status=None, error=None, sample=False):
            row = Comment(story_id=story.id, author_id=author_id, text=f"Comment of {created:%d %b %H:%M}.",
                          status=status or {"publish": "published", "reject": "rejected"}.get(decision, "review"),
                          created_at=created, audit_sample=sample)
            db.session.add(row)
            db.session.flush()
            db.session.add(Verdict(comment_id=row.id, decision=decision, error=error, broken_rules=list(rules),
                                   scores={rule: 0.95 for rule in rules}, thresholds=THRESHOLDS,
                                   created_at=created + timedelta(seconds=delay)))
            return row

        def review(row, action, when, previous, reason=None):
            decided = Review(comment_id=row.id, moderator_id=moderator_id, action=action, reason=reason,
                             previous_status=previous, created_at=when)
            db.session.add(decided)
            db.session.flush()
            return decided

        c1 = comment(at(3, 10), "publish", 2, sample=True)
        review(c1, "approve", at(4), "published")  # audit: confirmed
        c2 = comment(at(5, 12), "reject", 4, rules=["abuse"], sample=True)
        review(c2, "approve", at(6), "rejected")  # audit: rejected wrongly
        c3 = comment(at(6, 9), "publish", 6, sample=True)
        review(c3, "reject", at(7), "published", "personal_attack")  # audit: published wrongly
        c4 = comment(at(7, 8), "review", 1, rules=["not_sentences"])
        review(c4, "reject", at(7, 10), "review", "not_sentences")  # two hours in the queue
        c5 = comment(at(8, 8), "review", 1, error="RuntimeError: no classifier version is active")
        review(c5, "approve", at(8, 8, 30), "review")  # half an hour in the queue
        c6 = comment(at(9), "reject", 3, rules=["not_english"])
        c7 = comment(at(30, 23, 59, month=10), "publish", 0)  # decided in October: outside the period
        upheld = review(c7, "reject", at(2), "published", "abuse")
        db.session.add(Report(comment_id=c7.id, reporter_id=reporters[0], reason="abuse", outcome="upheld",
                              review_id=upheld.id, created_at=at(2, 9)))
        # received in October, acted on in November: counted as acted on, not as received
        db.session.add(Report(comment_id=c7.id, reporter_id=reporters[1], reason="personal_attack", outcome="upheld",
                              review_id=upheld.id, created_at=at(31, 10, month=10)))
        c8 = comment(at(10), "publish", 2)
        dismissed = review(c8, "approve", at(11), "published")
        db.session.add(Report(comment_id=c8.id, reporter_id=reporters[0], reason="spam", outcome="dismissed",
                              review_id=dismissed.id, created_at=at(10, 13)))
        db.session.add(Report(comment_id=c8.id, reporter_id=reporters[1], reason="abuse", created_at=at(12)))
        # received in November, dismissed in December: received and still open at the end of November
        later = review(c8, "approve", at(2, month=12), "published")
        db.session.add(Report(comment_id=c8.id, reporter_id=reporters[2], reason="spam", outcome="dismissed",
                              review_id=later.id, created_at=at(28)))
        c9 = comment(at(1, 10, month=12), "publish", 1, sample=True)  # December: outside
        db.session.add(Report(comment_id=c9.id, reporter_id=reporters[2], reason="abuse", created_at=at(1, 11, month=12)))
        def statement(row, rule, when, source="moderator"):
            issued = Statement(comment_id=row.id, author_id=author_id, action="rejected", rule=rule, facts={},
                               automated=source == "machine", source=source, issued_at=when, redress="Appeal.")
            db.session.add(issued)
            db.session.flush()
            return issued

        s2 = statement(c2, "abuse", at(5, 12, 0, 4), "machine")
        s3 = statement(c3, "personal_attack", at(7))
        s4 = statement(c4, "not_sentences", at(7, 10))
        s6 = statement(c6, "not_english", at(9, 12, 0, 3), "machine")
        s7 = statement(c7, "abuse", at(2))
        statement(c9, "abuse", at(1, 10, month=12), "machine")  # December
        db.session.add_all([
            Appeal(comment_id=c2.id, statement_id=s2.id, author_id=author_id, explanation="It was a quote.",
                   status="reversed", created_at=at(6, 10), decided_at=at(6, 12), decided_by_id=moderator_id),
            Appeal(comment_id=c4.id, statement_id=s4.id, author_id=author_id, explanation="It is a sentence.",
                   status="upheld", created_at=at(8, 9), decided_at=at(9, 9), decided_by_id=moderator_id),
            Appeal(comment_id=c3.id, statement_id=s3.id, author_id=author_id, explanation="Fair comment.",
                   created_at=at(20)),
            Appeal(comment_id=c6.id, statement_id=s6.id, author_id=author_id, explanation="It is English.",
                   status="upheld", created_at=at(28), decided_at=at(2, month=12), decided_by_id=moderator_id),
        ])
        db.session.flush()
        appeal_ids = dict(db.session.query(Appeal.statement_id, Appeal.id).all())
        db.session.add_all([  # s2's appeal reversed it in November; s7 was reversed in December
            Reversal(statement_id=s2.id, comment_id=c2.id, cause="appeal", moderator_id=moderator_id,
                     appeal_id=appeal_ids[s2.id], reversed_at=at(6, 12)),
            Reversal(statement_id=s7.id, comment_id=c7.id, cause="moderator", moderator_id=moderator_id,
                     reversed_at=at(3, month=12)),
        ])
        for row, category, status, created, wait in (
                (c8, "hate_speech", "removed", at(12), 3600), (c8, "defamation", "kept", at(13), 7200),
                (c1, "hate_speech", "open", at(25), None), (c1, "hate_speech", "open", at(2, month=12), None),
                (c7, "defamation", "removed", at(31, 8, month=10), 172800),  # received in October, acted on in Nov
                (c1, "hate_speech", "kept", at(29), 172800)):  # received in November, kept in December
            db.session.add(Notice(comment_id=row.id, category=category, explanation="Illegal.", email="n@example.com",
                                  status=status, created_at=created,
                                  decided_at=created + timedelta(seconds=wait) if wait else None))
        for standing, when in (("suspended", at(15)), ("banned", at(20)), ("warned", at(16)),
                               ("banned", at(15, month=10))):
            db.session.add(AuditEvent(actor_id=moderator_id, action="standing", target_type="user",
                                      target_id=author_id, after={"standing": standing}, created_at=when))
        db.session.commit()


EXPECTED = {
    "period": {"from": "2026-11-01", "to": "2026-11-30", "timezone": "UTC"},
    "decisions": {
        "automated": {"publish": 3, "review": 1, "reject": 2},
        "automated_total": 5,
        "classifier_failures_sent_to_moderators": 1,
        "human": {"approve": 4, "reject": 3},
        "human_total": 7,
        "rejections_by_rule": {
            "not_english": {"automated": 1, "human": 0}, "not_sentences": {"automated": 0, "human": 1},
            "abuse": {"automated": 1, "human": 1}, "personal_attack": {"automated": 0, "human": 1},
            "spam": {"automated": 0, "human": 0}, "other": {"automated": 0, "human": 0},
        },
    },
    # machine: 2, 4, 6, 3, 2 s; moderators: 7200 and 1800 s; all seven together: median 4 s
    "median_seconds_to_decision": {"automated": 3.0, "human": 4500.0, "all": 4.0},
    # by the day received: 2, 10, 12 and 28 Nov; decided in November: both of c7's (one received in October)
    # upheld on 2 Nov after 3 h and 50 h, c8's first dismissed after 23 h; open on 30 Nov: 12 and 28 Nov's
    "reports": {"received": 4, "acted_on": 2, "dismissed": 1, "open": 2, "median_seconds_to_decision": 82800.0,
                "by_reason": {"abuse": {"received": 2, "acted_on": 1, "dismissed": 0, "open": 1},
                              "personal_attack": {"received": 0, "acted_on": 1, "dismissed": 0, "open": 0},
                              "spam": {"received": 2, "acted_on": 0, "dismissed": 1, "open": 1}}},
    # received 12, 13, 25 and 29 Nov; decided in November after 1 h, 2 h and (received in October) 48 h
    "notices": {"received": 4, "acted_on": 2, "kept": 1, "open": 2, "median_seconds_to_decision": 7200.0,
                "by_category": {"defamation": {"received": 1, "acted_on": 1, "kept": 1, "open": 0},
                                "hate_speech": {"received": 3, "acted_on": 1, "kept": 0, "open": 2}}},
    "statements_of_reasons": {"issued": 5, "automated": 2, "by_source": {"machine": 2, "moderator": 3}},
    # decided in November after 2 h (reversed) and 24 h (upheld); 20 Nov's is open, and 28 Nov's was decided in
    # December, so it is open at the end of November too
    "appeals": {"received": 4, "open": 2, "upheld": 1, "reversed": 1, "reversal_rate": 0.5,
                "median_seconds_to_decision": 46800.0,
                "by_rule": {"abuse": {"received": 1, "open": 0, "upheld": 0, "reversed": 1, "reversal_rate": 1.0},
                            "not_english": {"received": 1, "open": 1, "upheld": 0, "reversed": 0,
                                            "reversal_rate": None},
                            "not_sentences": {"received": 1, "open": 0, "upheld": 1, "reversed": 0,
                                              "reversal_rate": 0.0},
                            "personal_attack": {"received": 1, "open": 1, "upheld": 0, "reversed": 0,
                                                "reversal_rate": None}}},
    "reversals": {"total": 1, "of_automated_decisions": 1, "by_cause": {"undo": 0, "appeal": 1, "moderator": 0, "edited": 0}},
    "suspensions_and_bans": {"suspensions": 1, "bans": 1},
    "automated_accuracy": {
        "checked": 3, "correct": 1, "published_wrongly": 1, "rejected_wrongly": 1, "accuracy": 0.3333,
        "ci95": [0.0615, 0.7923],
        "method": "share of audited automatic decisions a moderator confirmed; 95% Wilson score interval",
    },
}


@pytest.fixture
def history(app, make_user, make_story):
    seed_history(app, make_user, make_story)


def test_wilson_interval_matches_published_values():
    low, high = wilson_interval(0, 10)
    assert low == 0 and round(high, 4) == 0.2775  # Newcombe (1998): 0/10 -> 0 to 0.2775
    assert [round(bound, 4) for bound in wilson_interval(1, 3)] == [0.0615, 0.7923]
    assert wilson_interval(0, 0) is None


def test_report_figures_on_seeded_history(app, history):
    with app.app_context():
        assert build_report(date(2026, 11, 1), date(2026, 11, 30)) == EXPECTED


def test_one_day_period_counts_only_that_day(app, history):
    with app.app_context():
        report = build_report(date(2026, 11, 7), date(2026, 11, 7))
    assert report["decisions"]["automated"] == {"publish": 0, "review": 1, "reject": 0}
    assert report["decisions"]["human"] == {"approve": 0, "reject": 2}  # c3's audit and c4's queue decision
    assert report["median_seconds_to_decision"] == {"automated": None, "human": 7200.0, "all": 7200.0}
    assert report["automated_accuracy"]["checked"] == 0 and report["automated_accuracy"]["ci95"] is None


def admin_client(client, make_user):
    _, email = make_user("admin")
    assert post_form(client, "/auth/login", {"email": email, "password": PASSWORD}).status_code == 302
    return client


def test_admin_exports_json_and_csv(client, make_user, history):
    admin_client(client, make_user)
    response = client.get("/admin/transparency/report.json?from=2026-11-01&to=2026-11-30")
    assert response.status_code == 200 and response.get_json() == EXPECTED
    assert "attachment" in response.headers["Content-Disposition"]
    response = client.get("/admin/transparency/report.csv?from=2026-11-01&to=2026-11-30")
    assert response.mimetype == "text/csv"
    rows = dict(list(csv.reader(io.StringIO(response.get_data(as_text=True))))[1:])
    assert rows["decisions.automated.reject"] == "2" and rows["reports.acted_on"] == "2"
    assert rows["automated_accuracy.ci95"] == "0.0615 0.7923"
    assert rows["median_seconds_to_decision.human"] == "4500.0"
    assert rows["appeals.by_rule.abuse.reversal_rate"] == "1.0" and rows["notices.acted_on"] == "2"
    assert rows["reversals.by_cause.appeal"] == "1" and rows["reports.by_reason.spam.open"] == "1"


def test_admin_page_shows_the_figures(client, make_user, history):
    admin_client(client, make_user)
    page = client.get("/admin/transparency/?from=2026-11-01&to=2026-11-30").get_data(as_text=True)
    assert '<td id="auto-reject">2</td>' in page and '<strong id="reports-received">4</strong>' in page
    assert "accuracy <strong>33.3%</strong> (95% confidence interval 6.2–79.2%" in page
    assert '<strong id="appeals-reversed">1</strong>' in page and "Reversal rate: <strong>50.0%</strong>" in page
    assert '<strong id="notices-acted">2</strong>' in page and '<strong id="statements-issued">5</strong>' in page
    assert '<strong id="reversals">1</strong>' in page
    assert '<strong id="median-human">75.0 min</strong>' in page and '<strong id="bans">1</strong>' in page
    assert "<script" not in page.split("</nav>", 1)[1]  # charts are server-drawn SVG


@pytest.mark.parametrize("query", ["from=2026-11-31&to=2026-12-01", "from=2026-12-01&to=2026-11-01", "from=yesterday"])
def test_bad_periods_are_refused_clearly(client, make_user, query):
    admin_client(client, make_user)
    assert client.get(f"/admin/transparency/?{query}").status_code == 400
    response = client.get(f"/admin/transparency/report.json?{query}")
    assert response.status_code == 400 and response.get_json()["error"]


@pytest.mark.parametrize("role", [None, "reader", "moderator"])
def test_only_admins_see_the_report(client, make_user, role, history):
    if role:
        _, email = make_user(role)
        post_form(client, "/auth/login", {"email": email, "password": PASSWORD})
    for url in ("/admin/transparency/", "/admin/transparency/report.json", "/admin/transparency/report.csv"):
        response = client.get(url)
        assert response.status_code == (302 if role is None else 403), url
        assert b"decisions" not in response.data


def test_command_prints_json_and_csv(runner, history):
    result = runner.invoke(args=["transparency-report", "--from", "2026-11-01", "--to", "2026-11-30"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == EXPECTED
    result = runner.invoke(args=["transparency-report", "--from", "2026-11-01", "--to", "2026-11-30",
                                 "--format", "csv"])
    lines = result.output.splitlines()
    assert lines[0] == "figure,value" and "suspensions_and_bans.suspensions,1" in lines
    result = runner.invoke(args=["transparency-report", "--from", "2026-11-30", "--to", "2026-11-01"])
    assert result.exit_code == 2 and "ends before it starts" in result.output
