import json

from django.core.management.base import BaseCommand

from ai_assist.recommend.rebuild import rebuild_recommendations


class Command(BaseCommand):
    help = (
        "Rebuild every precomputed recommendation list (co-purchase, "
        "co-customer, similar text, trending) from the store's orders."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--json", action="store_true", help="Print the build's figures as JSON."
        )

    def handle(self, *, json: bool = False, **options):
        run = rebuild_recommendations(progress=self._progress)
        if json:
            self.stdout.write(_dumps(run.stats))
            return
        stats = run.stats
        self.stdout.write(
            self.style.SUCCESS(
                f"Built recommendations for {stats.get('products', 0)} products "
                f"from {stats.get('order_lines', 0)} order lines in "
                f"{stats.get('seconds')} s "
                f"(peak memory {stats.get('peak_rss_mb')} MiB)."
            )
        )

    def _progress(self, line):
        self.stdout.write(f"  {line}")


def _dumps(stats):
    return json.dumps(stats, indent=2, default=str)
