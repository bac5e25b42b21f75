"""The client's address: believed from X-Forwarded-For only when a trusted proxy sent it."""

import ipaddress

import pytest
from django.test import RequestFactory

from core.http import client_ip


@pytest.fixture
def behind_nginx(settings):
    settings.TRUSTED_PROXY_NETWORKS = [ipaddress.ip_network("10.0.0.0/24")]


def _request(remote, forwarded=None):
    headers = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **headers)


def test_without_trusted_proxies_the_header_is_ignored():
    assert client_ip(_request("203.0.113.5", "198.51.100.7")) == "203.0.113.5"


def test_it_takes_the_address_the_trusted_proxy_forwarded(behind_nginx):
    assert client_ip(_request("10.0.0.2", "198.51.100.7")) == "198.51.100.7"


def test_a_client_cannot_choose_its_address_through_the_header(behind_nginx):
    # The client sent "X-Forwarded-For: 1.2.3.4"; nginx appended the real address.
    assert client_ip(_request("10.0.0.2", "1.2.3.4, 198.51.100.7")) == "198.51.100.7"


def test_chained_trusted_proxies_are_skipped(behind_nginx):
    assert client_ip(_request("10.0.0.2", "198.51.100.7, 10.0.0.3")) == "198.51.100.7"


def test_an_untrusted_sender_of_the_header_is_the_client(behind_nginx):
    assert client_ip(_request("203.0.113.5", "198.51.100.7")) == "203.0.113.5"


def test_a_garbled_header_falls_back_to_the_proxy(behind_nginx):
    assert client_ip(_request("10.0.0.2", "not-an-address")) == "10.0.0.2"
