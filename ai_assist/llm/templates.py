"""The backend without a model: replies are the service's templates."""

from .base import Generator


class TemplateGenerator(Generator):
    """Produces no text of its own.

    The reply service sees ``uses_model = False`` and answers with its
    templated reply, so a store can run the assistant with no model at all.
    """

    uses_model = False

    def generate(self, messages, *, max_new_tokens=None, on_token=None):
        return ""
