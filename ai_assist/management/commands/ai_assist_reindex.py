from django.core.management.base import BaseCommand, CommandError

from ai_assist.retrieval.embedders import get_embedder
from ai_assist.retrieval.search import get_catalogue_index
from ai_assist.retrieval.vectors import embed_products, get_index_embedders
from ai_assist.retrieval.versions import CATALOGUE, bump_version


class Command(BaseCommand):
    help = (
        "Embed every product with the catalogue embedder (and the "
        "multilingual one when configured) and rebuild the search index. "
        "Products whose text is unchanged are skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--embedder",
            action="append",
            help="embed with this embedder only (alias or dotted path); "
            "may be given more than once",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="embed every product again, changed or not",
        )

    def handle(self, *, embedder=None, force=False, verbosity=1, **options):
        try:
            embedders = (
                [get_embedder(name) for name in embedder]
                if embedder
                else get_index_embedders()
            )
        except ImportError as exc:
            raise CommandError(f"unknown embedder: {exc}") from exc

        for model in embedders:
            result = embed_products(embedder=model, progress=verbosity > 0, force=force)
            self.stdout.write(_summary(result))

        bump_version(CATALOGUE)
        index = get_catalogue_index()
        self.stdout.write(f"search index: {len(index.ids)} products")


def _summary(result):
    line = (
        f"{result['embedder']}: {result['embedded']} embedded, "
        f"{result['skipped']} unchanged, {result['deleted']} removed "
        f"in {result['seconds']:.1f} s"
    )
    if result["embedded"] and result["seconds"]:
        rate = result["embedded"] / result["seconds"]
        share = result["embed_seconds"] / result["seconds"]
        line += f" ({rate:.0f} products/s, {share:.0%} of the time in the model)"
    return line
