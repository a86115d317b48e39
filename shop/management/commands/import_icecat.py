import time

from django.core.management.base import BaseCommand, CommandError

from shop.importers.icecat import import_icecat
from shop.importers.sync import ImportDataError


class Command(BaseCommand):
    help = (
        "Import the Icecat electronics catalogue (CSV or CSV.GZ) as products "
        "with SKUs icecat-<id>. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="products_flat.csv or .csv.gz")
        parser.add_argument("--limit", type=int, help="read only the first N products")
        parser.add_argument(
            "--no-progress", action="store_true", help="hide the progress bar"
        )

    def handle(self, *, file, limit, no_progress, **options):
        if limit is not None and limit < 1:
            raise CommandError("--limit must be a positive number of products.")
        started = time.monotonic()
        try:
            counts = import_icecat(file, limit=limit, progress=not no_progress)
        except ImportDataError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Read {counts['rows_read']:,} products in "
            f"{time.monotonic() - started:.1f}s: "
            f"{counts['products_created']:,} created, "
            f"{counts['products_updated']:,} updated, "
            f"{counts['products_unchanged']:,} unchanged, "
            f"{counts['rows_skipped']:,} skipped (no id, title or price)."
        )
