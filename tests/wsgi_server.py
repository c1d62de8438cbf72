"""Serve a WSGI stand-in on loopback in a thread, over TLS from the test CA when given one."""

from __future__ import annotations

import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from werkzeug.serving import make_server

from tests.tls import LoopbackAuthority


@contextmanager
def serving(
    application: Callable[..., Any], port: int, authority: LoopbackAuthority | None = None
) -> Iterator[None]:
    """Answer on 127.0.0.1:`port` until the block ends."""
    context = None
    if authority is not None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(authority.server_cert, authority.server_key)
    server = make_server("127.0.0.1", port, application, threaded=True, ssl_context=context)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        thread.join(timeout=10)
