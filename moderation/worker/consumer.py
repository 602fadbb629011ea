"""`flask --app wsgi worker`: the Huey consumer, in this process, with the app's configuration."""
import logging
import signal

import click
from flask import current_app
from flask.cli import with_appcontext

from moderation import jobs
from moderation.worker import huey, queue_backend


def build_consumer(workers=2, periodic=True):
    """A consumer of the app's queue: threads, so the tasks share the app and its connection pool."""
    return huey.create_consumer(workers=workers, worker_type="thread", periodic=periodic,
                                initial_delay=0.05, max_delay=1.0, check_worker_health=True)


class Background:
    """A real consumer in background threads of this process (tests, benchmarks); stop() waits for its tasks."""

    def __init__(self, workers=2, periodic=False):
        self.consumer = build_consumer(workers, periodic)

    def __enter__(self):
        saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
        self.consumer.start()
        for number, handler in saved.items():  # the consumer's handlers belong to `flask worker` only
            signal.signal(number, handler)
        return self

    def __exit__(self, *exc):
        self.consumer.stop(graceful=True)


@click.command("worker")
@with_appcontext
@click.option("--workers", type=click.IntRange(1, 32), default=2, show_default=True,
              help="Threads running tasks (one training job at a time; the others deliver, mail...).")
def worker_command(workers):
    """Run the background worker: training and comparison jobs and every other queued task."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    current_app.logger.info("worker on %s, %d threads, as %s", queue_backend(current_app), workers,
                            jobs.worker_name())
    jobs.reap_jobs()
    build_consumer(workers).run()
