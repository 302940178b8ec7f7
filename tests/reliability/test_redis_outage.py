"""Redis going away and coming back: pages keep working and the log says so once each way.

Against real Redis servers: a loopback port nobody listens on (connection refused), and a
throw-away redis-server of our own that the test stops and starts again on the same port.
"""

import logging
import shutil
import socket
import subprocess
import time

import pytest
import redis

from config.cache import ResilientRedisCache


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _cache(port: int) -> ResilientRedisCache:
    return ResilientRedisCache(
        f"redis://127.0.0.1:{port}/0",
        {"OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}},
    )


def _warnings(caplog) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.name == "config.cache" and record.levelno >= logging.WARNING
    ]


def _exercise(cache, rounds=50):
    """What pages do with the cache: reads, writes, counters; every one must behave as a miss."""
    for index in range(rounds):
        assert cache.get(f"k{index}", "fallback") == "fallback"
        cache.set(f"k{index}", "v", 30)
        assert cache.add(f"a{index}", "v") is False
        assert cache.get_many([f"k{index}", "other"]) == {}
        assert cache.has_key(f"k{index}") is False
        assert cache.incr(f"counter{index}") == 0
        assert cache.delete(f"k{index}") is False
        assert cache.set_many({"x": 1, "y": 2}) == ["x", "y"]
        cache.delete_many(["x", "y"])
        assert cache.touch("x") is False


def test_closed_port_is_logged_once_however_many_operations(caplog):
    cache = _cache(_free_port())
    with caplog.at_level(logging.DEBUG, logger="config.cache"):
        _exercise(cache)  # 500 cache operations, each refused by the closed port
    warnings = _warnings(caplog)
    assert len(warnings) == 1, warnings
    assert "Redis cache unavailable" in warnings[0]
    assert "Connection refused" in warnings[0] or "Error" in warnings[0]


class _RedisServer:
    def __init__(self, port: int):
        self.port = port
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=0.2)
        for _ in range(100):
            try:
                if client.ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None


@pytest.fixture
def redis_server():
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = _RedisServer(_free_port())
    server.start()
    yield server
    server.stop()


def test_outage_and_recovery_are_logged_once_each(redis_server, caplog):
    cache = _cache(redis_server.port)
    with caplog.at_level(logging.DEBUG, logger="config.cache"):
        cache.set("probe", {"期": 97}, 30)
        assert cache.get("probe") == {"期": 97}
        assert _warnings(caplog) == []

        redis_server.stop()
        _exercise(cache)
        assert len(_warnings(caplog)) == 1

        redis_server.start()  # same port, empty (no persistence)
        # The first operations may still meet the pool's dead connections; soon one succeeds.
        for _ in range(20):
            cache.set("probe", "back", 30)
            if cache.get("probe") == "back":
                break
        assert cache.get("probe") == "back"
        for _ in range(100):
            cache.get("probe")
        warnings = _warnings(caplog)
        assert len(warnings) == 2, warnings
        assert "available again" in warnings[1]

        redis_server.stop()  # a second outage is a new message
        _exercise(cache, rounds=5)
        assert len(_warnings(caplog)) == 3
