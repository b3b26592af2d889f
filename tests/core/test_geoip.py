from terreau.core.geoip import country_of_ip


def test_public_addresses_get_their_registry_country():
    assert country_of_ip("90.84.0.1") == "FR"  # an Orange France block
    assert country_of_ip("2a01:cb00::1") == "FR"
    assert country_of_ip("8.8.8.8") == "US"


def test_private_malformed_and_missing_addresses_have_no_country():
    for ip in (None, "", "unknown", "127.0.0.1", "10.1.2.3", "192.168.0.1", "::1", "300.1.1.1", "<script>"):
        assert country_of_ip(ip) is None
