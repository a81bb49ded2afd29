"""Serving over HTTP: shared ASGI helpers, the uvicorn runner and the replay server."""
