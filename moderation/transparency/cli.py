"""`flask --app wsgi transparency-report --from YYYY-MM-DD --to YYYY-MM-DD [--format json|csv]`."""
import csv
import json
import sys

import click
from flask.cli import with_appcontext

from moderation.transparency.report import build_report, flat_rows


def write_csv(report, stream):
    """The report as CSV: a header, then one row per figure (nested names joined by dots)."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(("figure", "value"))
    writer.writerows(flat_rows(report))


@click.command("transparency-report")
@click.option("--from", "first", required=True, type=click.DateTime(["%Y-%m-%d"]), help="First day (UTC).")
@click.option("--to", "last", required=True, type=click.DateTime(["%Y-%m-%d"]), help="Last day (UTC), included.")
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json", show_default=True)
@with_appcontext
def transparency_report(first, last, fmt):
    """Print the transparency report (DSA Art. 15 and 24) for a period."""
    if last < first:
        raise click.BadParameter("the period ends before it starts", param_hint="--to")
    report = build_report(first.date(), last.date())
    if fmt == "csv":
        write_csv(report, sys.stdout)
    else:
        click.echo(json.dumps(report, indent=2))
