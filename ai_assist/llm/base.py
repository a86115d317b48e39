"""
The interface every reply generator implements.

A generator turns a short chat (a list of ``{"role", "content"}`` dicts)
into text. It never decides facts: the reply service gives it tool results
to phrase and checks what comes back (see ``ai_assist.chat.grounding``).
"""


class GeneratorError(Exception):
    """The backend could not produce text (load failure, HTTP error...).

    Callers fall back to the templated reply; the message never holds a key
    or the prompt.
    """


class StopGeneration(Exception):
    """Raised from an ``on_token`` callback to end the generation early.

    The generator returns the text produced so far instead of raising. The
    reply service uses it to stop a reply that already failed its check.
    """


class Generator:
    """Base class for reply generators.

    Subclasses implement :meth:`generate` and may override
    :meth:`count_tokens` and ``context_tokens`` so the reply service can
    trim the prompt to fit. ``uses_model`` is False for backends that only
    echo templates, which lets the service skip the prompt altogether.
    """

    #: Whether this backend runs a language model at all.
    uses_model = True
    #: How many tokens of prompt plus reply the model accepts.
    context_tokens = 2048

    def __init__(self, alias="", options=None):
        self.alias = alias
        self.options = dict(options or {})

    @property
    def name(self):
        """The name stored with each reply (the settings alias)."""
        return self.alias or type(self).__name__

    @property
    def max_new_tokens(self):
        """The default reply length, from the backend's MAX_NEW_TOKENS."""
        return int(self.options.get("MAX_NEW_TOKENS", 60))

    def generate(self, messages, *, max_new_tokens=None, on_token=None):
        """Return the assistant's reply to ``messages``.

        ``messages`` is a list of ``{"role": ..., "content": ...}`` with
        roles ``system``, ``user`` and ``assistant``. When ``on_token`` is
        given it is called with each new piece of text as it is produced;
        the pieces joined equal the returned string. ``on_token`` may raise
        :class:`StopGeneration` to end early; the text so far is returned.
        Raises :class:`GeneratorError` when no text can be produced.
        """
        raise NotImplementedError

    def count_tokens(self, text):
        """Estimate how many tokens ``text`` takes (about 4 characters each)."""
        return len(text) // 4 + 1

    def load(self):
        """Load whatever the backend needs now rather than on first use."""
