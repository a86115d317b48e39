from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.module_loading import import_string

from shop.demo import SEED_STEPS


class Command(BaseCommand):
    help = (
        "Add the demo extras (shopper accounts, sample merchandise ...) after "
        "the catalogue import and print their credentials. Safe to run again."
    )

    def handle(self, **options):
        for path in SEED_STEPS:
            step = import_string(path)
            with transaction.atomic():
                step(self.stdout.write)
