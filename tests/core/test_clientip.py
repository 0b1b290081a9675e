from django.test import RequestFactory

from core.clientip import client_ip


class TestClientIp:
    def request(self, forwarded=None):
        extra = {"REMOTE_ADDR": "10.0.0.1"}
        if forwarded is not None:
            extra["HTTP_X_FORWARDED_FOR"] = forwarded
        return RequestFactory().get("/", **extra)

    def test_it_ignores_a_spoofed_forwarded_header_by_default(self, settings):
        settings.TRUSTED_PROXY_COUNT = 0
        assert client_ip(self.request("6.6.6.6")) == "10.0.0.1"

    def test_it_takes_the_address_our_proxy_saw(self, settings):
        settings.TRUSTED_PROXY_COUNT = 1
        assert client_ip(self.request("6.6.6.6, 203.0.113.7")) == "203.0.113.7"

    def test_it_falls_back_to_remote_addr_when_the_header_is_short(self, settings):
        settings.TRUSTED_PROXY_COUNT = 2
        assert client_ip(self.request("203.0.113.7")) == "10.0.0.1"
