"""TLS against a real HTTPS server on 127.0.0.1 with a private CA, with REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE set.

requests lets those variables override ``Session.verify`` (requests issue 3829);
``verify=`` must win, and TLS failures must say which kind they are.
"""

from __future__ import annotations

import warnings

import pytest

import trackframes as tf

ENV_BUNDLES = ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"]


def count_shots(url, upstream, **options):
    with tf.connect(url, auth=upstream.auth, progress=False, max_retries=0, **options) as site:
        return site.count("Shot")


@pytest.mark.parametrize("variable", ENV_BUNDLES)
def test_a_verify_path_wins_over_a_ca_bundle_variable(https_site, upstream, pki, no_ca_env, variable):
    no_ca_env.setenv(variable, str(pki["other"].pem))  # a bundle that does not know the site's CA
    assert count_shots(https_site.url, upstream, verify=str(pki["ca"].pem)) > 0


@pytest.mark.parametrize("variable", ENV_BUNDLES)
def test_verify_false_wins_over_a_ca_bundle_variable(https_site, upstream, pki, no_ca_env, variable):
    no_ca_env.setenv(variable, str(pki["other"].pem))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # urllib3's InsecureRequestWarning: turning checks off is the point
        assert count_shots(https_site.url, upstream, verify=False) > 0


def test_verify_true_uses_the_ca_bundle_variable_as_requests_documents(https_site, upstream, pki, no_ca_env):
    no_ca_env.setenv("REQUESTS_CA_BUNDLE", str(pki["ca"].pem))
    assert count_shots(https_site.url, upstream) > 0


def test_a_verify_path_from_trackframes_verify_wins_too(https_site, upstream, pki, no_ca_env):
    no_ca_env.setenv("REQUESTS_CA_BUNDLE", str(pki["other"].pem))
    no_ca_env.setenv("TRACKFRAMES_VERIFY", str(pki["ca"].pem))
    assert count_shots(https_site.url, upstream) > 0


def test_an_unknown_ca_is_a_certificate_failure_that_names_the_bundle_used(https_site, upstream, pki, no_ca_env):
    no_ca_env.setenv("REQUESTS_CA_BUNDLE", str(pki["other"].pem))
    with pytest.raises(tf.TransportError) as info:
        count_shots(https_site.url, upstream)
    message = str(info.value)
    assert "TLS certificate verification failed" in message
    assert "REQUESTS_CA_BUNDLE" in message and str(pki["other"].pem) in message
    assert "verify='/path/to/ca-bundle.pem'" in message
    assert "does not speak TLS" not in message
    assert https_site.requests_to("/") == 0, "nothing was sent over an unverified connection"


def test_a_certificate_for_another_host_name_says_so(upstream, pki, no_ca_env):
    from tests.faults.proxy import FaultProxy

    context = pki["ca"].server_context(pki["folder"], hosts=("other.example",), name="other-host")
    with FaultProxy(upstream.url, tls=context) as front:
        with pytest.raises(tf.TransportError) as info:
            count_shots(front.url, upstream, verify=str(pki["ca"].pem))
    assert "not valid for that host name" in str(info.value)


def test_an_https_url_on_a_plain_http_port_says_it_does_not_speak_tls(upstream, pki, no_ca_env):
    no_ca_env.setenv("REQUESTS_CA_BUNDLE", str(pki["other"].pem))
    url = upstream.url.replace("http://", "https://")
    with pytest.raises(tf.TransportError) as info:
        count_shots(url, upstream)
    message = str(info.value)
    assert "does not speak TLS" in message and "http://" in message
    assert "certificate" not in message


@pytest.mark.parametrize("variable", ENV_BUNDLES)
def test_a_verify_path_that_does_not_exist_is_refused_at_connect(tmp_path, no_ca_env, pki, variable):
    no_ca_env.setenv(variable, str(pki["other"].pem))
    missing = tmp_path / "no-such-ca.pem"
    with pytest.raises(ValueError) as info:
        tf.connect("https://studio.example.com", auth=tf.ScriptKey("s", "k"), verify=str(missing))
    assert str(missing) in str(info.value) and "verify=" in str(info.value)


@pytest.mark.parametrize("raw", ["fals", "ture", "/no/such/ca.pem"])
def test_a_misspelt_trackframes_verify_is_refused_with_the_accepted_spellings(no_ca_env, pki, raw):
    no_ca_env.setenv("REQUESTS_CA_BUNDLE", str(pki["other"].pem))
    no_ca_env.setenv("TRACKFRAMES_VERIFY", raw)
    with pytest.raises(ValueError) as info:
        tf.connect("https://studio.example.com", auth=tf.ScriptKey("s", "k"))
    message = str(info.value)
    assert f"TRACKFRAMES_VERIFY={raw!r}" in message
    assert "true" in message and "false" in message and "CA bundle" in message


def test_a_directory_of_certificates_and_a_pathlib_path_are_valid_verify_values(tmp_path, pki):
    site = tf.connect("https://studio.example.com", auth=tf.ScriptKey("s", "k"), verify=str(tmp_path))
    assert site.backend.transport.verify == str(tmp_path)
    site = tf.connect("https://studio.example.com", auth=tf.ScriptKey("s", "k"), verify=pki["ca"].pem)
    assert site.backend.transport.verify == str(pki["ca"].pem)
