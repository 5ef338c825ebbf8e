"""The OCPP edge: the WebSocket endpoint, OCPP 1.6J handlers and command dispatch.

The only package that imports the `ocpp` library.
"""

from laturi.ocpp.server import OcppServer, install

__all__ = ["OcppServer", "install"]
