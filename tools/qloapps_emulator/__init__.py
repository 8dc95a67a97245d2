"""A wire-level QloApps 1.6.1 webservice emulator, built from the recorded exchanges.

    uv run python -m tools.qloapps_emulator --port 8089        # a real server on loopback
    app = create_app(Emulator())                                # in-process, with httpx.ASGITransport

See app.py for the admin switches (faults, reset, state) and store.py for the demo data.
"""

from tools.qloapps_emulator.app import DEFAULT_API_KEY, Emulator, Faults, create_app

__all__ = ["DEFAULT_API_KEY", "Emulator", "Faults", "create_app"]
