"""
Signals the app sends, for hosts that want to react (analytics, alerts).

Each is documented with its sender and keyword arguments. Connect
receivers in your own AppConfig.ready().
"""

from django.dispatch import Signal

# --- Chat ----------------------------------------------------------------------

# The assistant finished a reply (status "done" or "failed").
# sender: the Message class; kwargs: message (the shopper's Message),
# reply (the assistant's Message).
assistant_replied = Signal()

# A shopper asked for staff; the conversation is now in the hand-off queue.
# sender: the Conversation class; kwargs: conversation.
handoff_requested = Signal()
