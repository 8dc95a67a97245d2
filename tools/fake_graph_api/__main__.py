"""`python -m tools.fake_graph_api`: serve the fake WhatsApp Cloud API on a loopback port.

Point an instance at it with WHATSAPP_API_BASE_URL=http://127.0.0.1:8091; give it --webhook-url and
--app-secret (the instance's WHATSAPP_APP_SECRET) to get status webhooks back.
"""

from __future__ import annotations

import argparse

import uvicorn

from tools.fake_graph_api.app import DEFAULT_TOKEN, FakeConfig, FakeGraphApi, create_app


def main() -> None:
    parser = argparse.ArgumentParser(description="fake WhatsApp Cloud API (Graph API)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8091)
    parser.add_argument("--token", default=DEFAULT_TOKEN, help="the access token clients must send")
    parser.add_argument(
        "--webhook-url", help="where to post status webhooks, e.g. http://127.0.0.1:8000/webhooks/whatsapp"
    )
    parser.add_argument("--app-secret", default="dev-whatsapp-app-secret", help="signs the status webhooks")
    parser.add_argument("--latency-ms", type=int, default=0, help="added to every send")
    args = parser.parse_args()
    config = FakeConfig(
        token=args.token, webhook_url=args.webhook_url, app_secret=args.app_secret, latency_ms=args.latency_ms
    )
    print(f"fake Graph API on http://{args.host}:{args.port}  (requests: /__fake__/requests)")
    uvicorn.run(create_app(FakeGraphApi(config)), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
