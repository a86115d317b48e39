import time

from django.core.management.base import BaseCommand, CommandError

from shop.importers.online_retail import (
    DEMO_CUSTOMER_PASSWORD,
    ImportDataError,
    import_online_retail,
)

SUMMARY = (
    ("Products", "products"),
    ("Customers", "customers"),
    ("Orders", "orders"),
)


class Command(BaseCommand):
    help = (
        "Import the UCI Online Retail invoices (CSV or CSV.GZ) as products, "
        "customer accounts and orders. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="online_retail.csv or .csv.gz")
        parser.add_argument(
            "--limit", type=int, help="read only the first N lines of the file"
        )
        parser.add_argument(
            "--no-progress", action="store_true", help="hide the progress bars"
        )

    def handle(self, *, file, limit, no_progress, **options):
        if limit is not None and limit < 1:
            raise CommandError("--limit must be a positive number of lines.")
        started = time.monotonic()
        try:
            counts = import_online_retail(file, limit=limit, progress=not no_progress)
        except ImportDataError as exc:
            raise CommandError(str(exc)) from exc
        elapsed = time.monotonic() - started
        self._report(counts, elapsed)

    def _report(self, counts, elapsed):
        write = self.stdout.write
        write(f"Read {counts['lines_read']:,} lines in {elapsed:.1f}s.")
        for label, key in SUMMARY:
            write(
                f"  {label}: {counts[f'{key}_created']:,} created, "
                f"{counts[f'{key}_updated']:,} updated, "
                f"{counts[f'{key}_unchanged']:,} unchanged"
            )
        write(
            f"  Order lines: {counts['order_lines_created']:,} written; "
            f"{counts['orders_lines_rewritten']:,} orders had their lines "
            f"replaced; {counts['orders_guest']:,} orders are guest orders"
        )
        write(
            f"  Skipped: {counts['lines_cancelled']:,} cancellation lines "
            f"({counts['invoices_cancelled']:,} invoices), "
            f"{counts['lines_adjustment']:,} stock adjustments, "
            f"{counts['lines_non_product']:,} postage/fee/discount lines, "
            f"{counts['lines_malformed']:,} malformed lines"
        )
        if counts["customers_created"]:
            write(
                "Imported customers sign in with their username and the demo "
                f"password {DEMO_CUSTOMER_PASSWORD!r}."
            )
