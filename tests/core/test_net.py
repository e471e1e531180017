"""The client address and scheme believe forwarded headers only as far as the trusted proxy hops (finding 4, 15)."""

from autocrm.core.net import client_address, origin_of, request_scheme


def test_without_trusted_proxies_forwarded_for_is_ignored():
    assert client_address("10.0.0.5", "1.2.3.4", 0) == "10.0.0.5"
    assert client_address("10.0.0.5", None, 0) == "10.0.0.5"


def test_each_trusted_proxy_vouches_for_one_entry_from_the_right():
    # The client wrote "6.6.6.6" itself; the one proxy appended the address it saw.
    assert client_address("10.0.0.5", "6.6.6.6, 203.0.113.9", 1) == "203.0.113.9"
    assert client_address("10.0.0.5", "6.6.6.6, 203.0.113.9, 10.0.0.2", 2) == "203.0.113.9"
    assert client_address("10.0.0.5", "2001:db8::1", 1) == "2001:db8::1"


def test_a_short_or_garbled_header_falls_back_to_the_peer():
    assert client_address("10.0.0.5", "203.0.113.9", 2) == "10.0.0.5"
    assert client_address("10.0.0.5", "not-an-address", 1) == "10.0.0.5"
    assert client_address("10.0.0.5", "", 1) == "10.0.0.5"


def test_the_scheme_follows_forwarded_proto_only_through_trusted_proxies():
    assert request_scheme("http", "https", 0) == "http"
    assert request_scheme("http", "https", 1) == "https"
    assert request_scheme("https", None, 0) == "https"
    assert request_scheme("http", "gopher", 1) == "http"


def test_origins_compare_scheme_host_and_port():
    assert origin_of("http://LOCALHOST:3000/x") == "http://localhost:3000"
    assert origin_of("https://desk.example:443") == "https://desk.example"
    assert origin_of("javascript:alert(1)") == "" and origin_of("//evil.example") == ""
