"""What the worker runs. Add a background duty here: `@task()` on a function, `enqueue(fn, *args)` to queue it.

Arguments must be small and serialisable (ids, not rows): the task reads its rows itself, in its own session,
and commits its own work. A task may run twice (a worker killed after doing the work but before the queue heard),
so make it idempotent; state that must survive belongs in the database, not in the message.
"""
from flask import current_app

from moderation import jobs
from moderation.operations import OperationError
from moderation.worker import crontab, periodic, task


@task()
def run_job(job_id):
    """Run a queued training or comparison job (moderation/jobs.py); a job already claimed is left alone."""
    try:
        job = jobs.run_job(job_id, echo=lambda stage, percent: current_app.logger.info(
            "job %s [%3d%%] %s", job_id, percent, stage))
    except OperationError as error:
        current_app.logger.info("%s", error)
        return None
    current_app.logger.info("job %s %s", job.id, job.status)
    return job.status


@task(retries=3, retry_delay=60)
def send_mail(spec):
    """Deliver one committed mail (moderation/mail/delivery.py); a failing SMTP server is tried again thrice."""
    from moderation.mail.delivery import deliver

    deliver(spec)


@task()
def deliver_webhooks():
    """Attempt every webhook delivery that is due (moderation/webhooks/delivery.py); each is claimed once."""
    from moderation.webhooks.delivery import deliver_due

    return deliver_due()


@periodic(crontab(minute="*"))
def retry_webhooks():
    """Every minute: the deliveries whose backoff has run out (a receiver that failed before) go again."""
    from moderation.webhooks.delivery import deliver_due

    return deliver_due()


@periodic(crontab(hour="3", minute="30"))
def purge_expired_texts():
    """Daily: erase rejected comments' and API calls' texts past their retention (moderation/privacy/retention.py)."""
    from moderation.extensions import db
    from moderation.privacy.retention import purge_expired

    counts = purge_expired()
    db.session.commit()
    current_app.logger.info("retention: %s", counts)
    return counts


@periodic(crontab(minute="*"))
def reap_jobs():
    """Every minute: retry or fail a job whose worker died; resend a queued job whose message was lost."""
    jobs.reap_jobs()


@periodic(crontab(minute="*"))
def sweep_stranded_comments():
    """Every minute: a comment still pending after a minute lost its decision; send it to review, saying why."""
    from moderation.extensions import db
    from moderation.operations import sweep_pending

    swept = sweep_pending()
    db.session.commit()
    if swept:
        current_app.logger.warning("%d pending comment(s) sent to review by the sweeper", swept)
    return swept
