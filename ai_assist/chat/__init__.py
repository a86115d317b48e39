"""The shopper chat: conversations, reply building and streaming."""
