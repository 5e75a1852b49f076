"""deploy/: the compose file, nginx.conf and Dockerfile agree with each other and with Settings."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import AliasChoices
from pydantic_settings import BaseSettings

from chat_api.settings import Settings
from govqa.settings import CliSettings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
REPLICAS = ("govqa-1", "govqa-2")
SERVICES = {"lb", *REPLICAS, "redis", "postgres", "migrate", "indexer"}
INDEX = "/srv/index"

# ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?message}, ${VAR?message}, and $$ for "$".
_VARIABLE = re.compile(r"\$\$|\$\{(\w+)(?:(:?[-?])([^}]*))?\}")


def _interpolate(text: str) -> str:
    """The file as compose reads it with none of its variables set (required ones filled in)."""

    def value(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name, op, arg = match.groups()
        if op and op.endswith("-"):
            return arg
        return f"test-{name.lower()}" if op else ""

    return _VARIABLE.sub(value, text)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    text = (DEPLOY / "docker-compose.yml").read_text()
    loaded: dict[str, Any] = yaml.safe_load(_interpolate(text))
    return loaded


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = compose["services"]
    return found


def _environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(k): str(v) for k, v in env.items()}


def _mounts(service: dict[str, Any]) -> list[tuple[str, str, str, bool]]:
    """Each mount as (type, source, target, read_only), from the short or the long syntax."""
    out = []
    for entry in service.get("volumes", []):
        if isinstance(entry, dict):
            kind, source, target = entry["type"], entry.get("source", ""), entry["target"]
            read_only = bool(entry.get("read_only", False))
        else:
            source, target, *mode = entry.split(":")
            kind = "bind" if source.startswith((".", "/", "~")) else "volume"
            read_only = "ro" in (mode[0].split(",") if mode else [])
        out.append((kind, source, target, read_only))
    return out


def _depends_on(service: dict[str, Any]) -> dict[str, dict[str, Any]]:
    deps = service.get("depends_on") or {}
    if isinstance(deps, list):
        return {name: {"condition": "service_started"} for name in deps}
    return {name: dict(spec or {}) for name, spec in deps.items()}


def _command(service: dict[str, Any]) -> list[str]:
    command = service["command"]
    return shlex.split(command) if isinstance(command, str) else [str(p) for p in command]


def _replica_port(services: dict[str, dict[str, Any]]) -> int:
    ports = set()
    for name in REPLICAS:
        command = _command(services[name])
        ports.add(int(command[command.index("--port") + 1]))
    assert len(ports) == 1, f"the replicas listen on different ports: {ports}"
    return ports.pop()


def _accepted_env_names(settings: type[BaseSettings]) -> set[str]:
    """The variable names a settings class reads: an alias replaces prefix + field name."""
    prefix = str(settings.model_config.get("env_prefix", ""))
    names = set()
    for field_name, field in settings.model_fields.items():
        alias = field.validation_alias
        if isinstance(alias, AliasChoices):
            names |= {c.upper() for c in alias.choices if isinstance(c, str)}
        elif isinstance(alias, str):
            names.add(alias.upper())
        else:
            names.add(f"{prefix}{field_name}".upper())
    return names


def _settings_names(env: dict[str, str]) -> set[str]:
    return {name for name in env if name.upper().startswith(("GOVQA_", "SLACK_"))}


def test_the_expected_services(services: dict[str, dict[str, Any]]) -> None:
    assert set(services) == SERVICES
    assert services["redis"]["image"].startswith("redis:7")
    assert services["postgres"]["image"].startswith("postgres:15")
    assert services["lb"]["image"].startswith("nginx:")
    assert services["indexer"]["profiles"] == ["tools"]
    assert _command(services["migrate"]) == ["govqa", "db", "upgrade"]


def test_the_replicas_are_alike_and_serve_the_index(services: dict[str, dict[str, Any]]) -> None:
    one, two = (services[name] for name in REPLICAS)
    assert one == two
    assert one["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}
    assert _command(one) == ["govqa", "serve", "--index", INDEX, "--host", "0.0.0.0",
                             "--port", "8000", "--workers", "2"]
    assert {"GOVQA_REDIS_URL", "GOVQA_DATABASE_URL", "GOVQA_FORWARDED_ALLOW_IPS",
            "GOVQA_RELOAD_INTERVAL", "GOVQA_ADMIN_TOKEN"} <= set(_environment(one))


def test_every_depends_on_names_a_service(services: dict[str, dict[str, Any]]) -> None:
    unknown = {(name, dep) for name, service in services.items()
               for dep in _depends_on(service) if dep not in services}
    assert unknown == set()


def test_replicas_wait_for_healthy_redis_and_postgres(services: dict[str, dict[str, Any]]) -> None:
    for name in REPLICAS:
        deps = _depends_on(services[name])
        conditions = {dep: spec.get("condition") for dep, spec in deps.items()}
        assert conditions == {"redis": "service_healthy", "postgres": "service_healthy",
                              "migrate": "service_completed_successfully"}, name
    assert _depends_on(services["migrate"]) == {"postgres": {"condition": "service_healthy"}}


def test_redis_and_postgres_have_healthchecks(services: dict[str, dict[str, Any]]) -> None:
    assert services["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])


def test_every_named_volume_is_declared(compose: dict[str, Any]) -> None:
    used = {source for service in compose["services"].values()
            for kind, source, _, _ in _mounts(service) if kind == "volume" and source}
    assert used == set(compose.get("volumes") or {})


def test_the_index_is_read_only_in_replicas_and_written_by_the_indexer(
    services: dict[str, dict[str, Any]],
) -> None:
    def index_mounts(name: str) -> list[tuple[str, str, str, bool]]:
        return [m for m in _mounts(services[name]) if m[2] == INDEX]

    for name in REPLICAS:
        assert index_mounts(name) == [("volume", "index", INDEX, True)], name
    assert index_mounts("indexer") == [("volume", "index", INDEX, False)]
    command = _command(services["indexer"])
    assert command[:2] == ["govqa", "ingest"]
    assert command[command.index("--index") + 1] == INDEX


@pytest.mark.parametrize(("service", "settings"), [
    *((name, Settings) for name in REPLICAS),
    ("migrate", Settings),
    ("indexer", CliSettings),
])
def test_govqa_variables_are_real_settings(
    services: dict[str, dict[str, Any]], service: str, settings: type[BaseSettings]
) -> None:
    names = _settings_names(_environment(services[service]))
    assert names - _accepted_env_names(settings) == set()


def test_replica_environment_is_accepted_by_settings(
    services: dict[str, dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in _accepted_env_names(Settings):
        monkeypatch.delenv(name, raising=False)
    for name, value in _environment(services[REPLICAS[0]]).items():
        monkeypatch.setenv(name, value)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert (settings.threads, settings.cors_allow_localhost) == (1, False)


def test_replicas_trust_forwarded_headers_from_the_lb_network_only(
    compose: dict[str, Any], services: dict[str, dict[str, Any]]
) -> None:
    assert services["lb"]["networks"] == ["edge"]
    subnets = [c["subnet"] for c in compose["networks"]["edge"]["ipam"]["config"]]
    for name in REPLICAS:
        assert _environment(services[name])["GOVQA_FORWARDED_ALLOW_IPS"].split(",") == subnets


def test_replica_healthcheck_calls_readyz(services: dict[str, dict[str, Any]]) -> None:
    port = _replica_port(services)
    for name in REPLICAS:
        test = " ".join(services[name]["healthcheck"]["test"])
        assert f"127.0.0.1:{port}/readyz" in test, test


def test_only_the_lb_publishes_ports(services: dict[str, dict[str, Any]]) -> None:
    assert {name for name, service in services.items() if service.get("ports")} == {"lb"}


def _nginx() -> str:
    return re.sub(r"#[^\n]*", "", (DEPLOY / "nginx.conf").read_text())


def test_nginx_upstream_is_exactly_the_replicas(services: dict[str, dict[str, Any]]) -> None:
    conf = _nginx()
    upstreams = dict(re.findall(r"upstream\s+(\S+)\s*\{([^}]*)\}", conf))
    assert list(upstreams) == ["govqa"]
    servers = re.findall(r"^\s*server\s+([^\s;]+)([^;]*);", upstreams["govqa"], re.MULTILINE)
    port = _replica_port(services)
    assert sorted(address for address, _ in servers) == [f"{name}:{port}" for name in REPLICAS]
    for address, params in servers:
        assert re.search(r"\bmax_fails=\d+", params), address
        assert re.search(r"\bfail_timeout=\d+s", params), address
    assert re.findall(r"proxy_pass\s+([^;]+);", conf) == ["http://govqa"]


def test_nginx_forwards_the_client_address() -> None:
    headers = dict(re.findall(r"proxy_set_header\s+(\S+)\s+([^;]+);", _nginx()))
    assert {"Host", "X-Forwarded-For", "X-Forwarded-Proto"} <= set(headers)


def test_lb_publishes_the_port_nginx_listens_on(services: dict[str, dict[str, Any]]) -> None:
    listens = re.findall(r"^\s*listen\s+(\d+)", _nginx(), re.MULTILINE)
    targets = [str(p).rsplit(":", 1)[-1] for p in services["lb"]["ports"]]
    assert targets == listens
    assert ("bind", "./nginx.conf", "/etc/nginx/nginx.conf", True) in _mounts(services["lb"])


def _dockerfile() -> list[tuple[str, str]]:
    """(instruction, arguments) pairs, continuation lines joined and comments dropped."""
    lines = [line for line in (DEPLOY / "Dockerfile").read_text().splitlines()
             if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n\s*", " ", "\n".join(lines))
    return [(parts[0].upper(), parts[1] if len(parts) > 1 else "")
            for parts in (line.split(None, 1) for line in joined.splitlines() if line.strip())]


def test_dockerfile_pins_cpu_torch_before_the_project(services: dict[str, dict[str, Any]]) -> None:
    steps = _dockerfile()
    assert steps[0] == ("FROM", "python:3.11-slim")
    runs = [(i, args) for i, (instruction, args) in enumerate(steps) if instruction == "RUN"]
    torch = [i for i, args in runs if "torch" in args]
    project = [i for i, args in runs if re.search(r"pip install \.(\s|$)", args)]
    assert len(torch) == 1 and len(project) == 1
    assert torch[0] < project[0]
    assert steps[torch[0]][1] == (
        "pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu"
    )
    users = [args for instruction, args in steps if instruction == "USER"]
    assert users and users[-1] not in {"root", "0"}
    assert [args for instruction, args in steps if instruction == "EXPOSE"] == [
        str(_replica_port(services))
    ]


def test_dockerfile_govqa_variables_are_real_settings() -> None:
    env = dict(pair.split("=", 1) for instruction, args in _dockerfile()
               if instruction == "ENV" for pair in args.split())
    names = _settings_names(env)
    assert names and names - _accepted_env_names(Settings) == set()
