"""`python -m incubator.linefake --port 8090`: run the fake LINE until stopped."""

import argparse
import contextlib
import signal
import sys
import threading

from incubator.linefake.server import start


def main() -> None:
    parser = argparse.ArgumentParser(description="A local fake of LINE's Messaging API and LINE Login.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--rate-429", type=float, default=0.0, help="share of pushes answered 429 (rate limit)")
    args = parser.parse_args()
    fake = start(host=args.host, port=args.port)
    fake.state.rate_429 = args.rate_429
    print(f"Fake LINE at {fake.url}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_args: stop.set())
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
    fake.stop()
    sys.exit(0)


if __name__ == "__main__":
    main()
