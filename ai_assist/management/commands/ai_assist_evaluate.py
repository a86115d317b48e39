import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import import_string

# Each kind of evaluation lives in ai_assist.evaluation.<kind> and provides
# add_arguments(parser) and run(**options) -> dict (printed as JSON).
KINDS = {
    "intents": "ai_assist.evaluation.intents",
    "search": "ai_assist.evaluation.search",
    "recommendations": "ai_assist.evaluation.recommendations",
}


class Command(BaseCommand):
    help = (
        "Measure the intent router, product search or recommendations on "
        "labelled data and print the figures as JSON."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="kind", required=True)
        for kind, path in KINDS.items():
            module = import_string(f"{path}.add_arguments").__module__
            kind_parser = sub.add_parser(kind, help=_first_line(module))
            import_string(f"{path}.add_arguments")(kind_parser)

    def handle(self, *, kind, **options):
        run = import_string(f"{KINDS[kind]}.run")
        try:
            result = run(**options)
        except (OSError, ValueError, KeyError) as exc:
            raise CommandError(f"{kind}: {exc}") from exc
        self.stdout.write(json.dumps(result, indent=2, ensure_ascii=False))


def _first_line(module_path):
    import importlib

    doc = importlib.import_module(module_path).__doc__ or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""
