"""Site URLs: one normal form, and pieces of URLs that are safe to show.

:func:`site_url` turns what a user typed into the site root every request is
built on, or refuses it with the reason:

>>> from trackframes.urls import site_url
>>> site_url("  HTTPS://Studio.Example.com/api/v1.1/ ")
'https://studio.example.com'
>>> site_url("https://studio.example.com/page/12?x=1")
Traceback (most recent call last):
...
ValueError: The site URL must not have a query (?...) or a fragment (#...): use 'https://studio.example.com/page/12'.

A user name and password in the URL are removed with a warning: they would
otherwise be sent as HTTP Basic auth in place of the credential, and show up
in every repr and log line. Nothing of them is kept or shown:

>>> import warnings
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     site_url("https://jane:hunter2@studio.example.com")
'https://studio.example.com'
>>> "hunter2" in str(caught[0].message), "user name and password" in str(caught[0].message)
(False, True)
"""

from __future__ import annotations

import re
import warnings
from urllib.parse import urlsplit, urlunsplit

__all__ = ["site_url", "origin", "path_of", "redact", "URLCredentialsWarning"]

_API_SUFFIX = re.compile(r"/api/v\d+(\.\d+)?/*$", re.IGNORECASE)
_USERINFO = re.compile(r"(?<=//)\S*@")  # greedy: a password may hold '/', '?' or '#' when not %-encoded


class URLCredentialsWarning(UserWarning):
    """The site URL carried a user name or password; they were removed and never sent."""


def site_url(raw: object) -> str:
    """The normal form of a site URL: lower-case scheme and host, no user info, no API suffix.

    Raises ``ValueError`` (saying why) for a URL that is not ``http(s)://host[:port][/path]``.
    """
    if not isinstance(raw, str):
        raise TypeError(f"The site URL must be a str such as 'https://studio.example.com', not {type(raw).__name__}.")
    text = raw.strip()
    scheme, sep, _ = text.partition("://")
    if not sep or scheme.lower() not in ("http", "https"):
        raise ValueError(f"The site URL {redact(text)!r} must start with https:// (or http:// for a local sandbox).")
    parts = urlsplit(text)
    if "@" in parts.netloc:
        warnings.warn(
            "The site URL contained a user name and password (user:***@host); they were removed and are never "
            "sent. Pass credentials with auth=tf.UserPassword(...) or tf.ScriptKey(...).",
            URLCredentialsWarning, stacklevel=_outside_package(),
        )
    if "@" in parts.path or "@" in parts.query or "@" in parts.fragment:
        raise ValueError(f"The site URL {redact(text)!r} has an '@' after the host name (user info with an "
                         "unescaped '/', '?' or '#'?); remove it and pass credentials with auth=.")
    host = parts.hostname or ""
    if not host:
        raise ValueError(f"The site URL {redact(text)!r} has no host name.")
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"The site URL {redact(text)!r} has a port that is not a number from 0 to 65535.") from None
    netloc = (f"[{host}]" if ":" in host else host) + (f":{port}" if port is not None else "")
    path = _API_SUFFIX.sub("", parts.path).rstrip("/")
    clean = urlunsplit((scheme.lower(), netloc, path, "", ""))
    if parts.query or parts.fragment or text.endswith(("?", "#")):
        raise ValueError(f"The site URL must not have a query (?...) or a fragment (#...): use {clean!r}.")
    return clean


def origin(url: str) -> str:
    """``scheme://host[:port]`` of a URL, without user info, path or query."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        port = parts.port
    except ValueError:
        port = None
    return f"{parts.scheme}://{host}" + (f":{port}" if port else "")


def path_of(url: str) -> str:
    """The path of a URL, without its query (which may hold field lists, never secrets, but is long)."""
    return urlsplit(url).path


def redact(text: str) -> str:
    """``text`` with the user info of any URL in it replaced by ``***@``."""
    return _USERINFO.sub("***@", text)


def _outside_package() -> int:
    """A ``stacklevel`` that points a warning at the first caller outside trackframes."""
    import sys

    frame = sys._getframe(1)
    level = 1
    while frame is not None and frame.f_globals.get("__name__", "").startswith("trackframes"):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    return level
