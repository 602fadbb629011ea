"""The transparency report's figures (DSA Art. 15 and 24) for a period: decisions, time to decision, reports and
notices, statements of reasons, appeals and reversals, suspensions and bans, and the accuracy of automated
moderation on the audit sample. Items are counted by the day they were received, their outcomes by the day they
were decided."""
import math
import statistics
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, or_, select

from moderation.extensions import db
from moderation.legal.models import REVERSAL_CAUSES, Appeal, Notice, Reversal, Statement
from moderation.models import AuditEvent, Comment, Report, Review, Verdict
from moderation.operations import REVIEW_REASONS, as_utc

Z95 = 1.959963984540054  # the normal quantile for a two-sided 95% interval


def wilson_interval(successes, n, z=Z95):
    """The Wilson score interval for a proportion (lower, upper), or None without observations."""
    if n == 0:
        return None
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def period_bounds(first, last):
    """[first 00:00 UTC, the day after last 00:00 UTC): both days are inside the period."""
    if last < first:
        raise ValueError("The period ends before it starts.")
    start = datetime.combine(first, time(), tzinfo=timezone.utc)
    return start, datetime.combine(last + timedelta(days=1), time(), tzinfo=timezone.utc)


def _median(values):
    return round(statistics.median(values), 1) if values else None


def _decisions(start, end):
    """Automated verdicts and moderators' decisions in the period, by outcome and by rule or reason."""
    in_period = (Verdict.created_at >= start, Verdict.created_at < end)
    automated = dict.fromkeys(("publish", "review", "reject"), 0)
    for decision, n in db.session.execute(
            select(Verdict.decision, func.count(Verdict.id)).where(*in_period, Verdict.error.is_(None))
            .group_by(Verdict.decision)):
        automated[decision] = n
    failures = db.session.scalar(select(func.count(Verdict.id)).where(*in_period, Verdict.error.is_not(None)))
    by_rule = {reason: {"automated": 0, "human": 0} for reason in REVIEW_REASONS}
    for verdict in db.session.scalars(select(Verdict).where(*in_period, Verdict.error.is_(None),
                                                           Verdict.decision == "reject")):
        for rule in verdict.rejecting_rules:
            by_rule.setdefault(rule, {"automated": 0, "human": 0})["automated"] += 1
    human = {"approve": 0, "reject": 0}
    in_reviews = (Review.created_at >= start, Review.created_at < end)
    for action, reason, n in db.session.execute(
            select(Review.action, Review.reason, func.count(Review.id)).where(*in_reviews)
            .group_by(Review.action, Review.reason)):
        human[action] = human.get(action, 0) + n
        if action == "reject":
            by_rule.setdefault(reason or "other", {"automated": 0, "human": 0})["human"] += n
    return {"automated": automated, "automated_total": automated["publish"] + automated["reject"],
            "classifier_failures_sent_to_moderators": failures, "human": human,
            "human_total": sum(human.values()), "rejections_by_rule": by_rule}


def _times_to_decision(start, end):
    """Median seconds from a comment's arrival to its first decision by the machine, by a moderator, and overall."""
    machine = db.session.execute(
        select(Comment.id, Comment.created_at, func.min(Verdict.created_at))
        .join(Verdict, Verdict.comment_id == Comment.id)
        .where(Verdict.error.is_(None), Verdict.decision.in_(("publish", "reject")), Verdict.created_at < end)
        .group_by(Comment.id, Comment.created_at).having(func.min(Verdict.created_at) >= start)).all()
    human = db.session.execute(
        select(Comment.id, Comment.created_at, func.min(Review.created_at))
        .join(Review, Review.comment_id == Comment.id).where(Review.previous_status == "review", Review.created_at < end)
        .group_by(Comment.id, Comment.created_at).having(func.min(Review.created_at) >= start)).all()
    waits = {"automated": {}, "human": {}}
    for kind, rows in (("automated", machine), ("human", human)):
        for comment_id, arrived, decided in rows:
            decided = as_utc(decided)
            if start <= decided < end:
                waits[kind][comment_id] = (decided - as_utc(arrived)).total_seconds()
    overall = {**waits["human"], **waits["automated"]}  # a comment the machine decided was decided then
    return {"automated": _median(list(waits["automated"].values())), "human": _median(list(waits["human"].values())),
            "all": _median(list(overall.values()))}


def _flow(group, status, received_at, decided_at, outcomes, start, end, joins=()):
    """Items received and decided, per group: received in the period (by the day received), each outcome of
    `outcomes` ({status: name}) decided in it (by the day decided) and open at its end, with totals and the median
    seconds from receipt to decision of those decided in the period. A closed period's figures never change."""
    received = (received_at >= start, received_at < end)
    decided = (decided_at >= start, decided_at < end)

    def joined(*columns):
        query = select(*columns).select_from(received_at.class_)
        for target, on in joins:
            query = query.outerjoin(target, on)
        return query

    rows = db.session.execute(
        joined(group, status, func.count().filter(*received), func.count().filter(*decided),
               func.count().filter(received_at < end, or_(decided_at.is_(None), decided_at >= end)))
        .where(received_at < end, or_(decided_at.is_(None), decided_at >= start)).group_by(group, status)).all()
    names = ("received", *outcomes.values(), "open")
    groups = {}
    for key, state, arrived, settled, waiting in rows:
        counts = groups.setdefault(key, dict.fromkeys(names, 0))
        counts["received"] += arrived
        counts["open"] += waiting
        if state in outcomes:
            counts[outcomes[state]] += settled
    waits = [(as_utc(done) - as_utc(arrived)).total_seconds()
             for arrived, done in db.session.execute(joined(received_at, decided_at).where(*decided))]
    totals = {name: sum(counts[name] for counts in groups.values()) for name in names}
    return totals, _median(waits), dict(sorted(groups.items()))


def _rate(part, whole):
    return round(part / whole, 4) if whole else None


def _reports(start, end):
    """Readers' reports received in the period, and those a moderator upheld (acted on) or dismissed in it."""
    totals, wait, by_reason = _flow(Report.reason, Report.outcome, Report.created_at, Review.created_at,
                                    {"upheld": "acted_on", "dismissed": "dismissed"}, start, end,
                                    joins=[(Review, Review.id == Report.review_id)])
    return {**totals, "median_seconds_to_decision": wait, "by_reason": by_reason}


def _standing(start, end):
    """Suspensions and bans moderators imposed in the period (the audit log records each change of standing)."""
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "standing", AuditEvent.created_at >= start, AuditEvent.created_at < end)).all()
    standings = [(event.after or {}).get("standing") for event in events]
    return {"suspensions": standings.count("suspended"), "bans": standings.count("banned")}


def _audit_accuracy(start, end):
    """On the audit sample of automatic decisions made in the period: how often the moderator who checked one agreed."""
    latest = select(Verdict.comment_id, func.max(Verdict.id).label("verdict_id")).group_by(Verdict.comment_id).subquery()
    first_check = (select(Review.comment_id, func.min(Review.id).label("review_id"))
                   .where(Review.previous_status != "review").group_by(Review.comment_id).subquery())
    rows = db.session.execute(
        select(Verdict.decision, Review.action)
        .join(latest, latest.c.verdict_id == Verdict.id)
        .join(Comment, Comment.id == Verdict.comment_id)
        .join(first_check, first_check.c.comment_id == Comment.id)
        .join(Review, Review.id == first_check.c.review_id)
        .where(Comment.audit_sample, Verdict.error.is_(None), Verdict.decision.in_(("publish", "reject")),
               Verdict.created_at >= start, Verdict.created_at < end)).all()
    wrong_publish = sum(1 for decision, action in rows if decision == "publish" and action == "reject")
    wrong_reject = sum(1 for decision, action in rows if decision == "reject" and action == "approve")
    correct = len(rows) - wrong_publish - wrong_reject
    interval = wilson_interval(correct, len(rows))
    return {"checked": len(rows), "correct": correct, "published_wrongly": wrong_publish,
            "rejected_wrongly": wrong_reject,
            "accuracy": round(correct / len(rows), 4) if rows else None,
            "ci95": [round(bound, 4) for bound in interval] if interval else None,
            "method": "share of audited automatic decisions a moderator confirmed; 95% Wilson score interval"}


def _statements(start, end):
    """Statements of reasons issued to authors in the period (Art. 17), by source and automated or not."""
    rows = db.session.execute(
        select(Statement.source, Statement.automated, func.count(Statement.id))
        .where(Statement.issued_at >= start, Statement.issued_at < end)
        .group_by(Statement.source, Statement.automated)).all()
    by_source = {}
    for source, _, n in rows:
        by_source[source] = by_source.get(source, 0) + n
    return {"issued": sum(n for *_, n in rows), "automated": sum(n for _, automated, n in rows if automated),
            "by_source": dict(sorted(by_source.items()))}


def _appeals(start, end):
    """Appeals (Art. 20) received in the period, those upheld or reversed in it and the reversal rate, per rule."""
    totals, wait, by_rule = _flow(Statement.rule, Appeal.status, Appeal.created_at, Appeal.decided_at,
                                  {"upheld": "upheld", "reversed": "reversed"}, start, end,
                                  joins=[(Statement, Statement.id == Appeal.statement_id)])
    for counts in (totals, *by_rule.values()):
        counts["reversal_rate"] = _rate(counts["reversed"], counts["upheld"] + counts["reversed"])
    return {**totals, "median_seconds_to_decision": wait, "by_rule": by_rule}


def _notices(start, end):
    """Notices of illegal content (Art. 16) received in the period, and those acted on (removed) or kept in it."""
    totals, wait, by_category = _flow(Notice.category, Notice.status, Notice.created_at, Notice.decided_at,
                                      {"removed": "acted_on", "kept": "kept"}, start, end)
    return {**totals, "median_seconds_to_decision": wait, "by_category": by_category}


def _reversals(start, end):
    """Decisions explained by a statement that were reversed in the period: undone, on appeal, by a moderator."""
    rows = db.session.execute(
        select(Reversal.cause, Statement.automated, func.count(Reversal.id))
        .join(Statement, Statement.id == Reversal.statement_id)
        .where(Reversal.reversed_at >= start, Reversal.reversed_at < end)
        .group_by(Reversal.cause, Statement.automated)).all()
    by_cause = dict.fromkeys(REVERSAL_CAUSES, 0)
    for cause, _, n in rows:
        by_cause[cause] += n
    return {"total": sum(n for *_, n in rows), "of_automated_decisions": sum(n for _, auto, n in rows if auto),
            "by_cause": by_cause}


SECTIONS = {"decisions": _decisions, "median_seconds_to_decision": _times_to_decision, "reports": _reports,
            "notices": _notices, "statements_of_reasons": _statements, "appeals": _appeals, "reversals": _reversals,
            "suspensions_and_bans": _standing, "automated_accuracy": _audit_accuracy}


def build_report(first: date, last: date):
    """Every figure for the days first..last (UTC, both included), as a dict ready for JSON."""
    start, end = period_bounds(first, last)
    report = {"period": {"from": first.isoformat(), "to": last.isoformat(), "timezone": "UTC"}}
    for name, compute in SECTIONS.items():
        report[name] = compute(start, end)
    return report


def flat_rows(report, prefix=""):
    """(figure, value) pairs, nested keys joined by dots: the CSV export's rows."""
    rows = []
    for key, value in report.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            rows.extend(flat_rows(value, name + "."))
        elif isinstance(value, list):
            rows.append((name, " ".join(str(item) for item in value)))
        else:
            rows.append((name, "" if value is None else value))
    return rows
