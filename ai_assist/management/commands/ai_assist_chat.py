"""Ask the assistant one question from the shell, through the chat services."""

import contextlib
import json
import os
import sys
import uuid

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from ...chat import conversations


class Command(BaseCommand):
    help = (
        "Send one message to the shop assistant and print its reply as JSON "
        "(text, intent, language, cards, orders, handoff). Goes through the "
        "same services and task as the chat API."
    )

    def add_arguments(self, parser):
        parser.add_argument("message", help="What the shopper writes.")
        parser.add_argument("--user", help="Ask as this signed-in user (username).")
        parser.add_argument(
            "--lang", default="", help="Language of the shopper, e.g. zh-hans."
        )
        parser.add_argument(
            "--timeout",
            type=float,
            default=300,
            help="Seconds to wait for the reply (default 300).",
        )

    def handle(self, *, message, user, lang, timeout, **options):
        owner = {"user": self.get_user(user)} if user else {}
        if not owner:
            # A guest conversation needs a session; this one is the shell's.
            owner["session_key"] = f"cli-{uuid.uuid4().hex}"
        # Only the JSON goes to stdout: anything a library prints while the
        # reply is written is sent to stderr instead.
        with translation.override(lang or None), _stdout_to_stderr():
            reply = self.ask(message, owner, lang, timeout)
        self.stdout.write(
            json.dumps(conversations.reply_as_dict(reply), ensure_ascii=False)
        )
        if reply.status != reply.Status.DONE:
            sys.exit(1)

    def get_user(self, username):
        model = get_user_model()
        try:
            return model._default_manager.get_by_natural_key(username)
        except model.DoesNotExist:
            raise CommandError(f"No user named {username!r}.") from None

    def ask(self, text, owner, lang, timeout):
        try:
            # Refuse a bad message before a conversation is made for it.
            conversations.check_message_text(text)
            conversation = conversations.start_conversation(language=lang, **owner)
            message = conversations.post_message(conversation, text, language=lang)
        except conversations.ChatError as error:
            raise CommandError(error.message) from None
        reply = conversations.wait_for_reply(message, timeout=timeout)
        if reply is None:
            raise CommandError(
                f"No reply to message {message.pk} within {timeout:g} s. Is a "
                "Celery worker consuming the interactive queue?"
            )
        return reply


@contextlib.contextmanager
def _stdout_to_stderr():
    # Redirect both Python's sys.stdout and file descriptor 1, since native
    # code (tokenizers, torch) writes to the descriptor directly.
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no real descriptor (e.g. under some test runners)
        saved = None
    try:
        if saved is not None:
            os.dup2(2, 1)
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        sys.stdout.flush()
        if saved is not None:
            os.dup2(saved, 1)
            os.close(saved)
