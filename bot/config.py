"""Settings from the environment (or a ``.env`` file), validated, each documented.

``.env.example`` lists every setting with its default; this module is the single place that
reads them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]


def read_env_file(path: Path) -> dict[str, str]:
    """Parse ``KEY=value`` lines (``#`` comments, optional quotes); missing file -> {}."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip().removeprefix("export ").strip()] = value
    return values


def _int(env: Mapping[str, str], key: str, default: int, minimum: int = 0) -> int:
    raw = env.get(key, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{key}={raw!r} is not a whole number") from None
    if value < minimum:
        raise ConfigError(f"{key}={value} must be at least {minimum}")
    return value


#: What the /privacy message promises (flows/common/system.yaml, system:privacy: "Tout
#: s'efface seul après 24 heures sans message", in every language).
PROMISED_TTL = 86400


def _state_ttl(env: Mapping[str, str]) -> int:
    value = _int(env, "STATE_TTL", PROMISED_TTL, minimum=60)
    if value > PROMISED_TTL:
        raise ConfigError(
            f"STATE_TTL={value} keeps conversations longer than the 24 hours the /privacy "
            "message promises (flows/common/system.yaml, system:privacy, in every language): "
            "use at most 86400, or change that text and its translations first")
    return value


def _bool(env: Mapping[str, str], key: str, default: bool) -> bool:
    raw = env.get(key, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{key}={raw!r} must be true or false")


_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:\d{1,5})?$|^https://\*\.[A-Za-z0-9.-]+$")


def _frame_ancestors(env: Mapping[str, str]) -> tuple[str, ...]:
    """Who may show the web page in a frame: nobody (empty), 'self' and/or origins."""
    raw = env.get("WEB_FRAME_ANCESTORS", "").strip()
    if not raw or raw in ("'none'", "none"):
        return ()
    out: list[str] = []
    for token in raw.replace(",", " ").split():
        if token in ("'self'", "self"):
            out.append("'self'")
        elif _ORIGIN.match(token):
            out.append(token)
        else:
            raise ConfigError(f"WEB_FRAME_ANCESTORS: {token!r} is not 'self' or an origin "
                              "such as https://www.aidealajeunesse.cfwb.be")
    return tuple(out)


def _exit_url(env: Mapping[str, str]) -> str:
    url = env.get("WEB_EXIT_URL", "").strip() or DEFAULT_EXIT_URL
    if not re.match(r"^https?://[^\s\"'<>]+$", url):
        raise ConfigError(f"WEB_EXIT_URL={url!r} must be an http(s) address")
    return url


#: Where "Quitter vite" sends the tab: a neutral page that reveals nothing.
DEFAULT_EXIT_URL = "https://www.google.com/search?q=meteo"


@dataclass(frozen=True)
class Settings:
    bot_token: str | None
    bot_api_base: str | None
    redis_url: str | None
    state_ttl: int
    flows_dir: Path
    locales_dir: Path
    log_level: str
    webhook_url: str | None
    webhook_host: str
    webhook_port: int
    webhook_path: str
    webhook_secret: str | None
    stats: bool
    throttle_messages: int
    throttle_seconds: int
    web_host: str = "0.0.0.0"
    web_port: int = 8090
    web_secret: str | None = None
    web_exit_url: str = DEFAULT_EXIT_URL
    web_frame_ancestors: tuple[str, ...] = ()
    web_session_limit: int = 30
    web_ip_limit: int = 120
    web_trust_proxy: bool = False

    @classmethod
    def load(cls, env: Mapping[str, str] | None = None, env_file: Path | None = None
             ) -> Settings:
        """Settings from ``env`` (default: the process environment over ``.env``)."""
        if env is None:
            merged = read_env_file(env_file or ROOT / ".env")
            merged.update(os.environ)
            env = merged
        token = env.get("BOT_TOKEN", "").strip() or None
        if token and ":" not in token:
            raise ConfigError("BOT_TOKEN does not look like a token from @BotFather "
                              "(it has the form 123456:ABC...)")
        level = env.get("LOG_LEVEL", "INFO").upper()
        if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ConfigError(f"LOG_LEVEL={level!r} must be DEBUG, INFO, WARNING or ERROR")
        path = env.get("WEBHOOK_PATH", "/telegram") or "/telegram"
        return cls(
            bot_token=token,
            bot_api_base=env.get("BOT_API_BASE", "").strip() or None,
            redis_url=env.get("REDIS_URL", "").strip() or None,
            state_ttl=_state_ttl(env),
            flows_dir=Path(env.get("FLOWS_DIR") or ROOT / "flows"),
            locales_dir=Path(env.get("LOCALES_DIR") or ROOT / "locales"),
            log_level=level,
            webhook_url=env.get("WEBHOOK_URL", "").strip() or None,
            webhook_host=env.get("WEBHOOK_HOST", "0.0.0.0").strip() or "0.0.0.0",
            webhook_port=_int(env, "WEBHOOK_PORT", 8080, minimum=1),
            webhook_path=path if path.startswith("/") else "/" + path,
            webhook_secret=env.get("WEBHOOK_SECRET", "").strip() or None,
            stats=_bool(env, "STATS", True),
            throttle_messages=_int(env, "THROTTLE_MESSAGES", 8, minimum=1),
            throttle_seconds=_int(env, "THROTTLE_SECONDS", 10, minimum=1),
            web_host=env.get("WEB_HOST", "0.0.0.0").strip() or "0.0.0.0",
            web_port=_int(env, "WEB_PORT", 8090, minimum=1),
            web_secret=env.get("WEB_SECRET", "").strip() or None,
            web_exit_url=_exit_url(env),
            web_frame_ancestors=_frame_ancestors(env),
            web_session_limit=_int(env, "WEB_SESSION_LIMIT", 30, minimum=1),
            web_ip_limit=_int(env, "WEB_IP_LIMIT", 120, minimum=1),
            web_trust_proxy=_bool(env, "WEB_TRUST_PROXY", False),
        )
