"""Request context for the JSON logs: every line says which request and which user it came from."""

import logging
from contextvars import ContextVar

request_id: ContextVar[str] = ContextVar("request_id", default="")
username: ContextVar[str] = ContextVar("username", default="")


class RequestContextFilter(logging.Filter):
    """Adds request_id and user to each record (empty outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        record.user = username.get()
        return True
