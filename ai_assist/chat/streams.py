"""
How a reply's events travel from the task that writes it to the SSE view.

Each shopper message has one stream, keyed by the message's id. The task
publishes events (``token``, ``cards``, ``done``, ``error``) as they
happen; the SSE view and the polling endpoint read them.

Two transports share one interface:

* :class:`RedisStream` when a Redis URL is known (``CHAT_STREAM_URL``, or
  the Celery broker when it is Redis). Every event is appended to a list,
  for replay by a reader that connects late, and published on a pub/sub
  channel for readers already waiting. Both expire after
  ``CHAT_STREAM_TTL`` seconds.
* :class:`MemoryStream` otherwise. Without a broker the task runs in the
  web process itself (a background thread, see ``conversations``), so a
  dictionary guarded by a condition variable is all that is needed. It
  does not cross processes; that is what the Redis transport is for.

Events are dicts ``{"seq": n, "event": name, "data": {...}}``; ``seq``
counts from 1 per stream, which lets a reader drop what it already replayed.
"""

import json
import logging
import threading
import time
from functools import cache

from django.conf import settings

from ..conf import ai_settings

logger = logging.getLogger(__name__)

# Events after which nothing more comes on a stream.
FINAL_EVENTS = {"done", "error"}


class Stream:
    """Interface of a stream transport."""

    def publish(self, message_id, event, data):
        """Append one event to the message's stream and wake its readers."""
        raise NotImplementedError

    def read(self, message_id, after=0):
        """Return the events stored so far with ``seq`` above ``after``."""
        raise NotImplementedError

    def listen(self, message_id, *, timeout, after=0):
        """Yield events as they come, then stop after a final event.

        Yields None whenever ``timeout`` seconds pass with nothing new, so
        the caller can send a keep-alive or give up.
        """
        raise NotImplementedError


def _key(message_id):
    return f"{ai_settings.CHAT_STREAM_PREFIX}:{message_id}"


class RedisStream(Stream):
    """Events in a Redis list (replay) and on a pub/sub channel (live)."""

    def __init__(self, url):
        import redis

        self.url = url
        self.client = redis.Redis.from_url(url)

    def publish(self, message_id, event, data):
        key = _key(message_id)
        ttl = ai_settings.CHAT_STREAM_TTL
        # A counter rather than the list length, so that a retried task
        # keeps numbering where the first attempt stopped.
        seq = self.client.incr(f"{key}:seq")
        payload = json.dumps({"seq": seq, "event": event, "data": data})
        pipe = self.client.pipeline()
        pipe.rpush(f"{key}:events", payload)
        pipe.expire(f"{key}:events", ttl)
        pipe.expire(f"{key}:seq", ttl)
        pipe.publish(key, payload)
        pipe.execute()
        return seq

    def read(self, message_id, after=0):
        raw = self.client.lrange(f"{_key(message_id)}:events", 0, -1)
        events = (json.loads(item) for item in raw)
        return [event for event in events if event["seq"] > after]

    def listen(self, message_id, *, timeout, after=0):
        pubsub = self.client.pubsub(ignore_subscribe_messages=True)
        # Subscribe before replaying, so no event falls between the two.
        pubsub.subscribe(_key(message_id))
        try:
            last = after
            for event in self.read(message_id, after):
                last = event["seq"]
                yield event
                if event["event"] in FINAL_EVENTS:
                    return
            while True:
                message = pubsub.get_message(timeout=timeout)
                if message is None:
                    yield None
                    continue
                event = json.loads(message["data"])
                if event["seq"] <= last:
                    continue
                if event["seq"] > last + 1:
                    # Events went out between the replay and this one (the
                    # counter is taken before the push); fetch the gap.
                    for missed in self.read(message_id, last):
                        if missed["seq"] < event["seq"]:
                            last = missed["seq"]
                            yield missed
                last = event["seq"]
                yield event
                if event["event"] in FINAL_EVENTS:
                    return
        finally:
            pubsub.close()


class MemoryStream(Stream):
    """Events in this process's memory, for the broker-less eager mode."""

    def __init__(self):
        self._events = {}
        self._expires = {}
        self._condition = threading.Condition()

    def publish(self, message_id, event, data):
        with self._condition:
            self._prune()
            events = self._events.setdefault(message_id, [])
            seq = len(events) + 1
            events.append({"seq": seq, "event": event, "data": data})
            self._expires[message_id] = time.monotonic() + ai_settings.CHAT_STREAM_TTL
            self._condition.notify_all()
        return seq

    def read(self, message_id, after=0):
        with self._condition:
            return list(self._events.get(message_id, [])[after:])

    def listen(self, message_id, *, timeout, after=0):
        last = after
        while True:
            with self._condition:
                events = self._events.get(message_id, [])[last:]
                if not events:
                    self._condition.wait(timeout)
                    events = self._events.get(message_id, [])[last:]
            if not events:
                yield None
                continue
            for event in events:
                last = event["seq"]
                yield event
                if event["event"] in FINAL_EVENTS:
                    return

    def _prune(self):
        now = time.monotonic()
        for message_id in [m for m, t in self._expires.items() if t < now]:
            self._events.pop(message_id, None)
            self._expires.pop(message_id, None)


def stream_url():
    """The Redis URL streams travel through, or "" for in-process."""
    url = ai_settings.CHAT_STREAM_URL
    if url is None:
        broker = getattr(settings, "CELERY_BROKER_URL", "") or ""
        url = broker if broker.startswith(("redis://", "rediss://")) else ""
    return url


@cache
def _stream_for(url):
    if url:
        logger.debug("chat streams: Redis at %s", url.rsplit("@", 1)[-1])
        return RedisStream(url)
    return MemoryStream()


def get_stream():
    """Return the configured stream transport (one per process and URL)."""
    return _stream_for(stream_url())
