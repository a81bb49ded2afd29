"""The credential matrix: secrets planted in every position a string can sit (headers, query,
path, JSON keys and values of any type, form, text and binary bodies, echoes in responses and
in later interactions), through the scrubber, ``harness scan``, the pytest plugin recording
real HTTP traffic, ``harness regenerate`` and ``harness synthesize``. Nothing may reach a
cassette, and no command may print a secret.

Every planted secret contains FAKE (the repository's credential hook ignores those lines).
"""

from __future__ import annotations

import base64
import json
import re
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from click.testing import CliRunner

from harness.cassette.format import Cassette, Interaction, Request, Response
from harness.cassette.scrub import Scrubber, Secrets, clean_interaction
from harness.cli import main
from harness.server.serve import serve
from harness.tools.synthesize import synthesize

Build = Callable[[str], list[Interaction]]
PLACEMENTS: dict[str, Build] = {}


def placement(name: str) -> Callable[[Build], Build]:
    def register(build: Build) -> Build:
        PLACEMENTS[name] = build
        return build

    return register


def _request(
    *,
    path: str = "/v1/threads/thread_abc",
    query: list[tuple[str, str]] | None = None,
    headers: dict[str, str] | None = None,
    body: Any = None,
    raw: bytes | None = None,
) -> Request:
    request = Request(
        method="POST",
        path=path,
        query=query or [],
        headers={"content-type": "application/json", **(headers or {})},
    )
    if raw is not None:
        request.set_body(raw)
    elif body is not None:
        request.set_body(json.dumps(body).encode())
    return request


def _response(
    body: Any = None, headers: dict[str, str] | None = None, raw: bytes | None = None
) -> Response:
    response = Response(status=401, headers={"content-type": "application/json", **(headers or {})})
    if raw is not None:
        response.set_body(raw)
    else:
        response.set_body(json.dumps(body if body is not None else {"ok": True}).encode())
    return response


def _one(request: Request, response: Response | None = None) -> list[Interaction]:
    return [Interaction(request, response or _response())]


# --------------------------------------------------------------------------- request headers

HEADER_NAMES = [
    "authorization",
    "api-key",
    "x-api-key",
    "openai-organization",
    "openai-project",
    "x-auth-token",
    "X-Amz-Security-Token",
    "x-goog-api-key",
    "proxy-authorization",
    "x-portkey-api-key",
    "x-api-tokens",
    "Ocp-Apim-Subscription-Key",
    "x-functions-key",
    "X-Hub-Signature-256",
    "astra-api-token",
    "x-litellm-api-key",
]
for _name in HEADER_NAMES:
    placement(f"header {_name}")(
        lambda secret, name=_name: _one(_request(headers={name: secret}))  # type: ignore[misc]
    )
placement("header authorization Bearer")(
    lambda s: _one(_request(headers={"authorization": f"Bearer {s}"}))
)
placement("header authorization Basic")(
    lambda s: _one(
        _request(
            headers={"authorization": "Basic " + base64.b64encode(f"user:{s}".encode()).decode()}
        )
    )
)
placement("header cookie")(lambda s: _one(_request(headers={"cookie": f"sid={s}; theme=dark"})))

# --------------------------------------------------------------------------- query and path

for _name in ["api-key", "key", "sig", "X-Amz-Signature", "X-Goog-Signature", "access_token",
              "apiKey", "code"]:  # fmt: skip
    placement(f"query {_name}")(
        lambda secret, name=_name: _one(_request(query=[(name, secret)]))  # type: ignore[misc]
    )
placement("path with an sk- key")(
    lambda s: _one(_request(path=f"/gw/sk-{s}abcdefghij/v1/threads/thread_abc"))
)
placement("path with an AWS key")(
    lambda s: _one(_request(path="/v1/keys/AKIA" + "FAKE" * 3 + "ABCD"))
)
placement("path with a learned header value")(
    lambda s: _one(_request(path=f"/tenant/{s}/v1/threads", headers={"api-key": s}))
)
placement("path percent-encoded learned value")(
    lambda s: _one(
        _request(path=f"/t/{quote(s + '/x', safe='')}/v1", headers={"api-key": s + "/x"})
    )
)

# --------------------------------------------------------------------------- JSON bodies

for _field in ["api_key", "apiKey", "openaiApiKey", "client_secret", "password", "pwd",
               "refresh_token", "privateKey"]:  # fmt: skip
    placement(f"json field {_field}")(
        lambda secret, field=_field: _one(_request(body={"x": {field: secret}}))  # type: ignore[misc]
    )
placement("json credentials object")(
    lambda s: _one(_request(body={"credentials": {"id": "a", "value": s}}))
)
placement("json secrets list")(lambda s: _one(_request(body={"secrets": [s, s + "2"]})))
placement("json token as a number")(
    lambda s: _one(_request(body={"token": int("9" + "".join(c for c in s if c.isdigit()) + "7")}))
)
placement("json secret as an object key")(
    lambda s: _one(_request(body={"metadata": {f"sk-{s}abcdefghij": "v", "ok": "1"}}))
)
placement("json password=value in a string")(
    lambda s: _one(_request(body={"metadata": {"note": f"login password={s} ok"}}))
)
placement("json connection string")(
    lambda s: _one(
        _request(body={"conn": f"DefaultEndpointsProtocol=https;AccountName=a;AccountKey={s};"})
    )
)
placement("json jwt")(
    lambda s: _one(_request(body={"note": f"eyJhbGciOiJI{s}.eyJzdWIiOiIx{s}.sig{s}abc"}))
)
placement("json github token")(lambda s: _one(_request(body={"note": "ghp_" + s * 3})))
placement("json private key block")(
    lambda s: _one(
        _request(body={"pem": f"-----BEGIN PRIVATE KEY-----\nMII{s}\n-----END PRIVATE KEY-----"})
    )
)
placement("json url with userinfo")(
    lambda s: _one(_request(body={"url": f"https://admin:{s}@db.example.com/x"}))
)
placement("json quoted pair inside text")(
    lambda s: _one(_request(body={"log": f'payload {{"api_key": "{s}"}} sent'}))
)

# --------------------------------------------------------------------------- other bodies

placement("form client_secret")(
    lambda s: _one(_request(raw=f"grant_type=client_credentials&client_secret={s}".encode()))
)
placement("form password percent-encoded")(
    lambda s: _one(_request(raw=f"user=a&password={quote(s + '&=')}".encode()))
)
placement("text body bearer")(
    lambda s: _one(_request(raw=f"Authorization: Bearer {s}\nhello".encode()))
)
placement("binary body with an AWS key after non-ASCII")(
    lambda s: _one(_request(raw=b"\xe9\xff\xfeAKIA" + b"FAKE" * 3 + b"ABCD\x80"))
)
placement("binary body with an sk- key after non-ASCII")(
    lambda s: _one(_request(raw=b"\xc3\x28\xe9sk-" + s.encode() + b"abcdefghijklm\xff"))
)

# --------------------------------------------------------------------------- echoes


def _echo(s: str, response: Response, **request: Any) -> list[Interaction]:
    return _one(_request(**request), response)


placement("echo of a non-sk key in an error message")(
    lambda s: _echo(
        s,
        _response({"error": {"message": f"Incorrect API key provided: {s}."}}),
        headers={"api-key": s},
    )
)
placement("echo of bearer token in an error message")(
    lambda s: _echo(
        s,
        _response({"error": {"message": f"bad token {s}"}}),
        headers={"authorization": f"Bearer {s}"},
    )
)
placement("echo in a location header")(
    lambda s: _echo(s, _response(headers={"location": f"/next?x=1&k={s}"}), headers={"api-key": s})
)
placement("echo percent-encoded in a location header")(
    lambda s: _echo(
        s,
        _response(headers={"location": "/next?k=" + quote(s + "+/", safe="")}),
        headers={"x-api-key": s + "+/"},
    )
)
placement("echo as a response JSON key")(
    lambda s: _echo(s, _response({"seen": {s: True}}), headers={"api-key": s})
)
placement("echo in a text response")(
    lambda s: _echo(s, _response(raw=f"denied for {s}".encode()), query=[("api-key", s)])
)
placement("echo in a binary response")(
    lambda s: _echo(s, _response(raw=b"\xff\xfe" + s.encode() + b"\x80"), headers={"api-key": s})
)
placement("echo of a Basic password")(
    lambda s: _echo(
        s,
        _response({"error": {"message": f"wrong password {s}"}}),
        headers={"authorization": "Basic " + base64.b64encode(f"me:{s}".encode()).decode()},
    )
)
placement("echo of a body client_secret")(
    lambda s: _echo(s, _response({"detail": f"secret {s} rejected"}), body={"client_secret": s})
)
placement("echo in a response set-cookie")(
    lambda s: _echo(s, _response(headers={"set-cookie": f"session={s}; Path=/"}))
)
placement("echo of a query key in a response header")(
    lambda s: _echo(s, _response(headers={"x-debug": f"key={s}"}), query=[("key", s)])
)
placement("echo in a later interaction")(
    lambda s: [
        Interaction(_request(headers={"api-key": s}), _response()),
        Interaction(_request(), _response({"error": {"message": f"key {s} expired"}})),
    ]
)


def _secret(name: str) -> str:
    return f"FAKE{zlib.crc32(name.encode()) % 10**6:06d}Qx7w"


def test_matrix_is_large_enough() -> None:
    assert len(PLACEMENTS) >= 60


def _cleaned(interactions: list[Interaction]) -> Cassette:
    scrubber, secrets = Scrubber(), Secrets()
    return Cassette(interactions=[clean_interaction(i, scrubber, secrets) for i in interactions])


def _forms(secret: str) -> list[str]:
    return [secret, quote(secret, safe="")]


IDS = sorted(PLACEMENTS)


@pytest.mark.parametrize("name", IDS)
def test_scrubber_removes_it(name: str) -> None:
    secret = _secret(name)
    cleaned = _cleaned(PLACEMENTS[name](secret)).dumps()
    decoded = cleaned + "".join(
        base64.b64decode(b).decode("latin-1") for b in re.findall(r'"base64": "([^"]*)"', cleaned)
    )
    for form in _forms(secret):
        assert form not in decoded
    assert "FAKEFAKE" not in decoded and "sk-FAKE" not in decoded


@pytest.mark.parametrize("name", IDS)
def test_scan_finds_it_without_printing_it(name: str, tmp_path: Path) -> None:
    secret = _secret(name)
    raw = tmp_path / "raw.json"
    Cassette(interactions=PLACEMENTS[name](secret)).save(raw)
    clean = _cleaned(PLACEMENTS[name](secret)).save(tmp_path / "clean.json")
    result = CliRunner().invoke(main, ["scan", "--json", str(raw), str(clean)])
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    files = {Path(p["file"]).name for p in report["problems"]}
    assert files == {"raw.json"}  # found in the raw file, nothing left in the scrubbed one
    text = result.stdout + result.stderr
    assert all(form not in text for form in _forms(secret)) and "FAKEFAKE" not in text
    human = CliRunner().invoke(main, ["verify", str(raw)])
    assert all(form not in human.output + human.stderr for form in _forms(secret))


# --------------------------------------------------------------------------- through the plugin

RECORD_CONFTEST = '''
import base64
import json

import pytest

from harness.server.serve import serve

PLACED = json.load(open("placed.json"))


async def echo(scope, receive, send):
    """Echoes everything it got: body, headers (also in location), query."""
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
    echo = {"headers": headers, "query": scope["query_string"].decode("latin-1"),
            "path": scope["path"], "body": body.decode("latin-1")}
    first = next(iter(v for k, v in headers.items() if k not in ("host", "content-length")), "")
    await send({"type": "http.response.start", "status": 401, "headers": [
        (b"content-type", b"application/json"),
        (b"location", ("/next?" + scope["query_string"].decode("latin-1")).encode("latin-1")),
        (b"x-echo", first.encode("latin-1")),
    ]})
    await send({"type": "http.response.body", "body": json.dumps(
        {"error": {"message": "Incorrect API key provided: " + str(echo)}}).encode()})


@pytest.fixture(scope="session")
def url():
    with serve(echo) as root:
        yield root
'''

RECORD_TEST = """
import base64

import httpx
import pytest

from conftest import PLACED


@pytest.mark.parametrize("case", PLACED, ids=[c["name"] for c in PLACED])
@pytest.mark.cassette
def test_send(url, case):
    response = httpx.post(url + case["path"], params=case["query"], headers=case["headers"],
                          content=base64.b64decode(case["body"]))
    assert response.status_code == 401
"""


def test_recording_through_the_plugin_writes_none_of_them(pytester: pytest.Pytester) -> None:
    placed, secrets = [], []
    for name in IDS:
        secret = _secret(name)
        for interaction in PLACEMENTS[name](secret)[:1]:
            request = interaction.request
            placed.append(
                {
                    "name": name.replace(" ", "_"),
                    "path": request.path,
                    "query": request.query,
                    "headers": request.headers,
                    "body": base64.b64encode(request.body_bytes).decode(),
                }
            )
            secrets.append(secret)
    (pytester.path / "placed.json").write_text(json.dumps(placed))
    pytester.makeconftest(RECORD_CONFTEST)
    pytester.makepyfile(test_matrix_record=RECORD_TEST)
    result = pytester.runpytest(
        "-p", "no:randomly", "-p", "no:cacheprovider", "--cassette-mode=once"
    )
    result.assert_outcomes(passed=len(placed))
    files = list((pytester.path / "cassettes").rglob("*.json"))
    assert len(files) == len(placed)
    text = "\n".join(f.read_text() for f in files)
    leaked = [s for s in secrets if any(form in text for form in _forms(s))]
    assert leaked == []
    assert "FAKEFAKE" not in text
    scan = CliRunner().invoke(main, ["scan", str(pytester.path / "cassettes")])
    assert scan.exit_code == 0, scan.output
    replay = pytester.runpytest("-p", "no:randomly", "--cassette-mode=none", "--offline")
    replay.assert_outcomes(passed=len(placed))


# --------------------------------------------------------------------------- regenerate

REGEN_KEY = "FAKEkey0123ThatLooksNothingLikeSk"


async def _echoing_backend(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """A backend that echoes the key it got everywhere it can."""
    while True:
        message = await receive()
        if not message.get("more_body"):
            break
    headers = dict(scope["headers"])
    key = headers.get(b"authorization", b"").decode().removeprefix("Bearer ")
    body = {
        "error": {
            "message": f"Incorrect API key provided: {key}. Key {quote(key)}.",
            "type": "invalid_request_error",
            "param": None,
            "code": "invalid_api_key",
        },
        "seen": {key: key[:12] + key[12:]},
    }
    await send(
        {
            "type": "http.response.start",
            "status": 401,
            "headers": [
                (b"content-type", b"application/json"),
                (b"location", f"/retry?token={quote(key)}".encode()),
                (b"x-seen-key", key.encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": json.dumps(body).encode()})


@pytest.fixture
def synthesized(tmp_path: Path) -> Path:
    root = tmp_path / "synth"
    synthesize(root)
    return root


def test_regenerate_never_writes_or_prints_its_key(synthesized: Path) -> None:
    targets = sorted((synthesized / "modify-thread").glob("*.json"))[:4]
    with serve(_echoing_backend) as url:
        for extra in (["--dry-run"], []):
            result = CliRunner().invoke(
                main,
                ["regenerate", *map(str, targets), "--target", url, *extra],
                env={"OPENAI_API_KEY": REGEN_KEY},
            )
            assert result.exit_code == 0, result.output
            assert REGEN_KEY not in result.output + result.stderr
            assert quote(REGEN_KEY) not in result.output + result.stderr
    written = "\n".join(p.read_text() for p in targets)
    assert REGEN_KEY not in written and "<REDACTED:" in written
    assert Cassette.load(targets[0]).interactions[0].response.status == 401
    scan = CliRunner().invoke(main, ["scan", *map(str, targets)])
    assert scan.exit_code == 0, scan.output


def test_synthesized_cassettes_hold_no_credential(synthesized: Path) -> None:
    text = "\n".join(p.read_text() for p in synthesized.rglob("*.json"))
    assert "sk-harness-synthesized" not in text  # a placeholder, not a key (FAKE)
    result = CliRunner().invoke(main, ["scan", str(synthesized)])
    assert result.exit_code == 0, result.output
