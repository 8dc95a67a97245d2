"""`python -m tools.qloapps_emulator`: serve the emulator on a loopback port."""

from __future__ import annotations

import argparse

import uvicorn

from tools.qloapps_emulator.app import DEFAULT_API_KEY, Emulator, create_app


def main() -> None:
    parser = argparse.ArgumentParser(description="QloApps 1.6.1 webservice emulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8089)
    parser.add_argument("--api-key", default=DEFAULT_API_KEY, help="the webservice key clients must send")
    parser.add_argument("--latency-ms", type=int, default=0, help="added to every API request")
    parser.add_argument(
        "--latency-max-ms", type=int, default=0, help="with --latency-ms: a uniform range, e.g. 50 to 150"
    )
    parser.add_argument("--error-rate", type=float, default=0.0, help="share of requests answered 500")
    parser.add_argument("--rooms-per-type", type=int, default=0, help="size the hotel (default: 5 rooms)")
    parser.add_argument(
        "--shop-domain", default="", help="redirect (302) requests whose Host is not this host[:port]"
    )
    args = parser.parse_args()
    emulator = Emulator(api_key=args.api_key, rooms_per_type=args.rooms_per_type)
    emulator.set_faults(
        latency_ms=args.latency_ms,
        latency_max_ms=args.latency_max_ms,
        error_rate=args.error_rate,
        shop_domain=args.shop_domain,
    )
    print(f"QloApps emulator on http://{args.host}:{args.port}/api/  key={args.api_key}")
    uvicorn.run(create_app(emulator), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
