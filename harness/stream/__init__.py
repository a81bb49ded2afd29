"""Streaming: server-sent events on the wire and in cassettes, and the Assistants event stream."""
