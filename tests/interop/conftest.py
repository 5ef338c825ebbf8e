from tests.fixtures.server import ocpp_url

__all__ = ["ocpp_url"]
