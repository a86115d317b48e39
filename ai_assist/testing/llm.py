"""A generator for tests: says what it is told, streamed word by word."""

from ..llm.base import Generator, StopGeneration


class ScriptedGenerator(Generator):
    """Answers every prompt with the ``TEXT`` option.

    Name it in settings to test the reply service without a model::

        "GENERATORS": {"scripted": {
            "BACKEND": "ai_assist.testing.llm.ScriptedGenerator",
            "TEXT": "Happy to help!"}}

    The prompts it received are kept in ``calls`` for assertions.
    """

    def __init__(self, alias="", options=None):
        super().__init__(alias, options)
        self.calls = []

    def generate(self, messages, *, max_new_tokens=None, on_token=None):
        self.calls.append(list(messages))
        text = self.options.get("TEXT", "")
        pieces = []
        for index, word in enumerate(text.split(" ")):
            piece = word if index == 0 else " " + word
            pieces.append(piece)
            if on_token is not None:
                try:
                    on_token(piece)
                except StopGeneration:
                    break
        return "".join(pieces)
