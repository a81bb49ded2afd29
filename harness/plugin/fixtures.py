"""Public pytest fixtures other than the cassette ones: factories and the emulator.

Kept apart from ``plugin.py`` so that the plugin module stays about options, markers and
cassettes; ``plugin.py`` re-exports everything listed in ``__all__``. Each fixture imports the
heavy module it needs lazily, inside its body.
"""

from __future__ import annotations

import inspect
import sys
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Union, get_args

import pytest

if TYPE_CHECKING:
    from harness.emulator import RunningEmulator
    from harness.factory import RunFactory, ThreadFactory

    AnyFactory = Union[RunFactory, ThreadFactory]

__all__: list[str] = [
    "_harness_emulator_server",
    "harness_emulator",
    "pytest_generate_tests",
    "run_factory",
    "thread_factory",
]


def session_seed(config: pytest.Config) -> int:
    """``--harness-seed``, else ini ``harness_seed``, else 0; a non-integer is a usage error."""
    value = config.getoption("harness_seed", None) or config.getini("harness_seed") or 0
    try:
        return int(value)
    except ValueError:
        raise pytest.UsageError(
            f"--harness-seed / ini harness_seed must be an integer, got {value!r}"
        ) from None


@pytest.fixture(scope="session")
def _harness_emulator_server(request: pytest.FixtureRequest) -> Iterator[RunningEmulator]:
    from harness.emulator import running_emulator

    with running_emulator(session_seed(request.config)) as server:
        yield server


@pytest.fixture
def harness_emulator(_harness_emulator_server: RunningEmulator) -> RunningEmulator:
    """The emulator on 127.0.0.1 (one server per session, reset to its seeded state for each
    test): ``.base_url`` for ``openai.OpenAI(base_url=...)``, ``.app``/``.store`` for state,
    ``.client()``/``.async_client()`` for ready SDK clients."""
    _harness_emulator_server.store.reset()
    return _harness_emulator_server


# --------------------------------------------------------------------------- factories


def _test_seed(request: pytest.FixtureRequest, name: str = "") -> int:
    """Stable per-test seed: session seed + node id (crc32, not Python's salted hash()),
    plus the fixture's name for :func:`register_factory` fixtures (two of them in one test
    must not build the same ids)."""
    key = f"{session_seed(request.config)}:{request.node.nodeid}"
    return zlib.crc32(f"{key}:{name}".encode() if name else key.encode())


@pytest.fixture
def run_factory(request: pytest.FixtureRequest) -> RunFactory:
    """A ``RunFactory`` seeded from ``--harness-seed`` (ini ``harness_seed``) and the test id:
    the same test gets the same runs in every session, whatever the test order."""
    from harness.factory import RunFactory

    return RunFactory(_test_seed(request))


@pytest.fixture
def thread_factory(request: pytest.FixtureRequest) -> ThreadFactory:
    """A ``ThreadFactory`` seeded like :func:`run_factory`."""
    from harness.factory import ThreadFactory

    return ThreadFactory(_test_seed(request))


# --------------------------------------------------------------------------- register_factory


class _NotSet:
    def __repr__(self) -> str:
        return "harness.NOT_SET"


NOT_SET: Any = _NotSet()
"""What a ``<name>__<field>`` fixture returns until a test overrides it."""


@dataclass(frozen=True)
class fixture_ref:
    """An override value that is another fixture's value, resolved per test:
    ``register_factory(RunFactory, name="run", thread=fixture_ref("thread"))``."""

    name: str


@dataclass(frozen=True)
class _Registration:
    factory: type[AnyFactory]
    name: str
    overrides: Mapping[str, Any]
    variants: bool
    where: Path = field(compare=False)
    """The directory (a conftest.py) or module file whose tests see the fixtures."""

    def applies_to(self, path: Path) -> bool:
        return path == self.where or self.where in path.parents


_REGISTRATIONS: list[_Registration] = []


def _model_fields(factory: type[Any]) -> list[str]:
    """The override names a factory takes, from its model (``_Factory[Run]`` -> Run)."""
    for base in getattr(factory, "__orig_bases__", ()):
        for arg in get_args(base):
            fields = getattr(arg, "model_fields", None)
            if fields is not None:
                return sorted(fields)
    raise TypeError(f"{factory.__name__} is not a harness factory (RunFactory, ThreadFactory)")


def register_factory(
    factory: type[AnyFactory],
    name: str | None = None,
    *,
    variants: bool = False,
    module: ModuleType | None = None,
    **overrides: Any,
) -> None:
    """Create fixtures in the calling module (a ``conftest.py`` or test module):

    * ``<name>`` (default ``run`` / ``thread``): an object built by ``factory`` with
      ``overrides``, seeded from the session seed, the test id and ``name``;
    * ``<name>__<field>`` for every field: override one per test with
      ``@pytest.mark.parametrize("run__status", [...])`` (or a fixture of that name).

    A test can also pass overrides with ``@pytest.mark.harness_factory("run", status=...)``.
    Precedence: ``overrides``, then markers (closest wins), then ``<name>__<field>``.
    A value ``fixture_ref("thread")`` is that fixture's value. With ``variants=True`` a test
    taking ``<name>`` runs once per factory variant (ids as for ``run_variant``), each built
    with the overrides (which may not set status or response_format then).
    """
    fields = _model_fields(factory)
    fixture_name = name or factory.__name__.removesuffix("Factory").lower()
    namespace = module.__dict__ if module is not None else sys._getframe(1).f_globals
    origin = Path(namespace.get("__file__") or Path.cwd() / "conftest.py")
    _REGISTRATIONS.append(
        _Registration(
            factory,
            fixture_name,
            dict(overrides),
            variants,
            origin.parent if origin.name == "conftest.py" else origin,
        )
    )

    def build(request: pytest.FixtureRequest, **field_values: Any) -> Any:
        values = dict(overrides)
        for marker in reversed(list(request.node.iter_markers("harness_factory"))):
            if marker.args and marker.args[0] == fixture_name:
                values.update(marker.kwargs)
        prefix = len(fixture_name) + 2
        values.update((k[prefix:], v) for k, v in field_values.items() if v is not NOT_SET)
        values = {
            k: request.getfixturevalue(v.name) if isinstance(v, fixture_ref) else v
            for k, v in values.items()
        }
        from harness.factory import FactoryError

        instance = factory(_test_seed(request, fixture_name))
        try:
            if variants:
                return list(instance.variants(**values))[int(request.param)]
            return instance.build(**values)
        except FactoryError as exc:
            problem = f"fixture {fixture_name!r} of {request.node.nodeid}: {exc}"
        pytest.fail(problem, pytrace=False)  # outside the except: no chained traceback

    build.__doc__ = f"A {factory.__name__} object (register_factory); overrides: {overrides}"
    # pytest reads a fixture's arguments from its signature: naming every field fixture puts
    # them in each test's closure, so @pytest.mark.parametrize("run__status", ...) is valid.
    keyword = inspect.Parameter.KEYWORD_ONLY
    build.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD),
            *(inspect.Parameter(f"{fixture_name}__{f}", keyword) for f in fields),
        ]
    )
    namespace[fixture_name] = pytest.fixture(name=fixture_name)(build)
    for field_name in fields:
        namespace[f"{fixture_name}__{field_name}"] = _field_fixture(fixture_name, field_name)


def _field_fixture(fixture_name: str, field_name: str) -> Callable[..., Any]:
    def value() -> Any:
        return NOT_SET

    value.__doc__ = f"Override {fixture_name}.{field_name} (parametrize or redefine this fixture)."
    return pytest.fixture(name=f"{fixture_name}__{field_name}")(value)


def _variant_registration(metafunc: pytest.Metafunc, name: str) -> _Registration | None:
    """The closest ``variants=True`` registration of ``name`` for this test."""
    path = Path(metafunc.definition.path)
    found = [r for r in _REGISTRATIONS if r.name == name and r.applies_to(path)]
    found.sort(key=lambda r: len(r.where.parts))
    return found[-1] if found and found[-1].variants else None


def _parametrized_by_test(metafunc: pytest.Metafunc, name: str) -> bool:
    for marker in metafunc.definition.iter_markers("parametrize"):
        names = marker.args[0] if marker.args else marker.kwargs.get("argnames", ())
        if isinstance(names, str):
            names = [part.strip() for part in names.split(",")]
        if name in names:
            return True
    return False


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run a test that takes ``run_variant`` (``thread_variant``) once per factory variant,
    with readable ids such as ``test_x[completed-json_schema]``."""
    seed = session_seed(metafunc.config)
    for name in metafunc.fixturenames:
        registration = _variant_registration(metafunc, name) if _REGISTRATIONS else None
        if registration is not None and not _parametrized_by_test(metafunc, name):
            from harness.factory import variant_id

            objects: list[Any] = list(registration.factory(seed).variants())
            ids = [variant_id(obj) for obj in objects]
            metafunc.parametrize(name, range(len(objects)), ids=ids, indirect=True)
    wanted = [
        name
        for name in ("run_variant", "thread_variant")
        if name in metafunc.fixturenames and not _parametrized_by_test(metafunc, name)
    ]
    if not wanted:
        return
    from harness.factory import run_variants, thread_variants, variant_id

    for name in wanted:
        built: list[Any] = run_variants(seed) if name == "run_variant" else thread_variants(seed)
        metafunc.parametrize(name, built, ids=[variant_id(obj) for obj in built])
