"""Site URLs: user info never reaches a repr, a log or the wire; odd forms are normalised or refused; redirects are named."""

from __future__ import annotations

import base64
import logging
import warnings

import pytest

import trackframes as tf
from tests.faults.proxy import FaultProxy, redirect
from trackframes.urls import URLCredentialsWarning

PASSWORD = "Hunter2-url-pass"


@pytest.fixture
def proxy(upstream):
    with FaultProxy(upstream.url) as front:
        yield front


def test_user_info_in_the_url_is_removed_with_a_warning_and_never_shown_or_sent(upstream, proxy, caplog):
    url = proxy.url.replace("http://", f"http://jane:{PASSWORD}@")
    with caplog.at_level(logging.DEBUG):
        with pytest.warns(URLCredentialsWarning, match="removed and are never sent") as caught:
            site = tf.connect(url, auth=upstream.auth, progress=False)
        assert site.count("Shot") > 0, "our credential, not a Basic header made from the URL, authenticated"
        shown = " ".join([repr(site), str(site), site.url, repr(site.backend), caplog.text,
                          str(caught[0].message)])
    assert PASSWORD not in shown and "jane" not in site.url
    assert caught[0].filename == __file__, "the warning points at the caller's line"
    wire = b"".join(proxy.wire)
    basic = base64.b64encode(f"jane:{PASSWORD}".encode())
    assert wire and PASSWORD.encode() not in wire and basic not in wire
    assert b"Basic " not in wire
    site.close()


@pytest.mark.parametrize("url", [
    "https://jane:p/ss@studio.example.com",     # a password with an unescaped '/'
    "https://jane:p?ss@studio.example.com",
    "https://jane:p#ss@studio.example.com",
])
def test_user_info_that_does_not_parse_is_refused_without_echoing_it(url):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", URLCredentialsWarning)
        with pytest.raises(ValueError) as info:
            tf.connect(url, auth=tf.ScriptKey("s", "k"))
    assert "p/ss" not in str(info.value) and "jane" not in str(info.value)
    assert "p?ss" not in str(info.value) and "p#ss" not in str(info.value)


@pytest.mark.parametrize("given, expected", [
    ("HTTPS://Studio.Example.com", "https://studio.example.com"),
    ("HTTP://127.0.0.1:8765/", "http://127.0.0.1:8765"),
    ("https://studio.example.com/api/v1.1", "https://studio.example.com"),
    ("https://studio.example.com/api/v1.1/", "https://studio.example.com"),
    ("https://studio.example.com/api/v1", "https://studio.example.com"),
    ("https://proxy.example.com/shotgrid/api/v1.1", "https://proxy.example.com/shotgrid"),
    ("  https://studio.example.com  ", "https://studio.example.com"),
])
def test_equivalent_urls_are_normalised(given, expected):
    site = tf.connect(given, auth=tf.ScriptKey("s", "k"))
    assert site.url == expected
    assert site.backend.api == expected + "/api/v1.1"


@pytest.mark.parametrize("given, words", [
    ("https://studio.example.com/?project=12", "must not have a query"),
    ("https://studio.example.com/#Shot_12", "or a fragment"),
    ("https://studio.example.com?", "must not have a query"),
    ("ftp://studio.example.com", "must start with https://"),
    ("studio.example.com", "must start with https://"),
    ("https://", "has no host name"),
    ("https://studio.example.com:http", "port"),
])
def test_urls_that_cannot_be_a_site_root_are_refused_with_the_reason(given, words):
    with pytest.raises(ValueError, match=words) as info:
        tf.connect(given, auth=tf.ScriptKey("s", "k"))
    if "must not have" in words:
        assert "use 'https://studio.example.com'" in str(info.value)


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_to_https_names_the_url_to_use_and_is_not_followed(upstream, proxy, status):
    target = "https://studio.example.com"
    proxy.add(redirect(status, target + "/api/v1.1/auth/access_token"), path="/auth/access_token")
    key = upstream.credentials["script_key"]
    with tf.connect(proxy.url, auth=upstream.auth, progress=False) as site:
        with pytest.raises(tf.TransportError) as info:
            site.count("Shot")
    message = str(info.value)
    assert f"redirected POST /api/v1.1/auth/access_token to {target}" in message
    assert f"use that URL: tf.connect({target!r}" in message
    assert info.value.status == status and key not in message
    assert [s.method for s in proxy.seen] == ["POST"], "the redirect was not followed (no GET, no second POST)"


def test_a_redirect_elsewhere_names_where_without_its_query(upstream, proxy):
    proxy.add(redirect(302, "https://login.example.com/sso/start?SAMLRequest=abc123&RelayState=x"),
              path="/auth/access_token")
    with tf.connect(proxy.url, auth=upstream.auth, progress=False) as site:
        with pytest.raises(tf.TransportError) as info:
            site.count("Shot")
    message = str(info.value)
    assert "https://login.example.com/sso/start" in message and "check the site URL" in message
    assert "SAMLRequest" not in message and "abc123" not in message
