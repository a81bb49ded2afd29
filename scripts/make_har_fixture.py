"""Re-make tests/data/import/mitmproxy.har with a real HAR writer: mitmproxy's ``hardump``.

mitmproxy is not a dependency of this project (it is large); install it in a scratch venv:

    python3 -m venv /tmp/mitm && /tmp/mitm/bin/pip install mitmproxy
    python scripts/make_har_fixture.py /tmp/mitm/bin/mitmdump

The official SDK sends modify-thread / modify-run traffic (with a fake key and organization,
so the import test sees credentials scrubbed) to the built-in emulator through
``mitmdump --mode reverse:...``, on loopback only; mitmdump writes the HAR when it exits.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import openai

from harness import running_emulator

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "import" / "mitmproxy.har"
FAKE_KEY = "sk-proj-FAKEmitmproxyFAKEkeyFAKE0001"
FAKE_ORG = "org-FAKEmitmproxyFAKE01"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def main(mitmdump: str) -> None:
    port = _free_port()
    with running_emulator(seed=0) as emulator:
        run = emulator.store.snapshot()["runs"][0]
        proxy = subprocess.Popen(
            [
                mitmdump,
                "--mode",
                f"reverse:{emulator.base_url.removesuffix('/v1')}",
                "--listen-host",
                "127.0.0.1",
                "--listen-port",
                str(port),
                "--set",
                f"hardump={OUT}",
                "-q",
            ]
        )
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                with socket.socket() as sock:
                    if sock.connect_ex(("127.0.0.1", port)) == 0:
                        break
                time.sleep(0.1)
            client = openai.OpenAI(
                base_url=f"http://127.0.0.1:{port}/v1",
                api_key=FAKE_KEY,
                organization=FAKE_ORG,
                max_retries=0,
            )
            thread = client.beta.threads.create()
            client.beta.threads.update(thread.id, metadata={"tier": "pro"})
            client.beta.threads.runs.update(
                run["id"], thread_id=run["thread_id"], metadata={"reviewed": "yes"}
            )
        finally:
            proxy.send_signal(signal.SIGINT)
            proxy.wait(30)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "mitmdump")
