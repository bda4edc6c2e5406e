"""The `requests` transport adapter behind `chat.ServerEndpoint`: urllib3 connections that register with the
current request's cancel scope, so cancelling shuts their socket down from another thread.

A module of its own because its classes subclass urllib3's: `chat` imports it on the first request, so
importing `chat` (which the GUI does before its window shows) does not import requests and urllib3.
"""

from __future__ import annotations

from typing import Any

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from .chat import _attach_to_scope

__all__ = ["CancellableAdapter"]


class _Cancellable(HTTPConnection):
    """Registers the connection with the current request's cancel scope (mixed into both classes below)."""

    def connect(self) -> None:
        super().connect()
        _attach_to_scope(self, fresh=True)

    def request(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        _attach_to_scope(self)
        super().request(*args, **kwargs)


class _CancellableHTTPConnection(_Cancellable):
    pass


class _CancellableHTTPSConnection(_Cancellable, HTTPSConnection):
    """TLS (a LAN server behind HTTPS): HTTPSConnection.connect wraps the socket, then the scope sees it."""


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _CancellableHTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _CancellableHTTPSConnection


class CancellableAdapter(HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}
