"""``tf.connect``: settings + credential → a :class:`~trackframes.site.Site`. No network I/O here."""

from __future__ import annotations

from typing import Any

from .auth import Credential
from .backends import registry
from .config import credential_from_env, resolve
from .reconnect import Connection
from .site import Site
from .transport import Transport

__all__ = ["connect"]


def connect(url: str | None = None, *, auth: Credential | None = None, backend: str | None = None,
            transport_adapter: Any = None, today: Any = None, **options: Any) -> Site:
    """Connect to a site; nothing is sent until the first query.

    Keyword options (each checked here, before any I/O):

    * ``timeout`` (60): seconds for one whole request, from connecting to the
      last byte of the answer;
    * ``deadline`` (600): seconds for one whole call, with every request,
      retry, wait and token renewal in it (``float("inf")`` for none);
    * ``max_retries`` (5), ``concurrency`` (8), ``page_size`` (500);
    * ``verify`` (True): False, or the path of a CA bundle;
    * ``proxies``: a dict such as ``{"https": "http://proxy:3128"}``;
    * ``progress`` (True): progress bars for long fetches.

    Anything not given comes from ``TRACKFRAMES_*`` environment variables (see
    :mod:`trackframes.config`). The URL is normalised (:func:`trackframes.urls.site_url`).
    ``transport_adapter`` mounts a ``requests`` adapter in place of the
    network (tests use :class:`trackframes.transport.HandlerAdapter`).
    ``today`` (a date, default the real date) is the site's "today" for the
    schedule helpers (:attr:`Site.today`).

    >>> import trackframes as tf
    >>> site = tf.connect("https://studio.example.com", auth=tf.ScriptKey("reports", "k3y"))
    >>> site
    <trackframes.Site shotgrid https://studio.example.com>
    """
    settings = resolve(url, backend=backend, **options)
    if auth is None:
        auth = credential_from_env()
    if not isinstance(auth, Credential):
        raise TypeError(f"auth must be a credential such as tf.ScriptKey(...), not {type(auth).__name__}")
    registry.check(settings.backend, auth)  # before anything is built
    transport = Transport(timeout=settings.timeout, max_retries=settings.max_retries,
                          pool_size=settings.concurrency + 4, verify=settings.verify, proxies=settings.proxies,
                          adapter=transport_adapter, deadline=settings.deadline, site=settings.url)
    impl = registry.create(settings, auth, transport)
    site = Site(impl, url=settings.url, page_size=settings.page_size, concurrency=settings.concurrency,
                progress=settings.progress, today=today)
    site.connection = Connection(settings, auth, local_transport=transport_adapter is not None)  # to_dask's workers
    return site
