"""redis-py strings: set/get, counters, mset/mget, binary-safe values and
keys, SET options, and expiry seen through ttl/pttl. See common.py."""

import common

# Every byte value, plus the bytes RESP itself uses as delimiters.
BINARY = bytes(range(256)) + b"\r\n$*\x00\r\n"
BINARY_KEY = b"bin\x00key\r\n\xff"


def body(port, obs):
    r = common.connect(port)
    obs["ping"] = r.ping()
    obs["set"] = r.set("greeting", "hello world")
    obs["get"] = r.get("greeting")
    obs["get_missing"] = r.get("no-such-key")
    obs["append"] = r.append("greeting", "!")
    obs["strlen"] = r.strlen("greeting")
    obs["getrange"] = r.getrange("greeting", 0, 4)

    obs["incr"] = r.incr("counter")
    obs["incrby"] = r.incrby("counter", 41)
    obs["decr"] = r.decr("counter")
    obs["incrbyfloat"] = r.incrbyfloat("counter", 1.5)
    obs["counter"] = r.get("counter")
    obs["incr_not_integer"] = common.error_of(lambda: r.incr("greeting"))

    obs["mset"] = r.mset({"k1": "v1", "k2": "v2", "k3": "v3"})
    obs["mget"] = r.mget(["k1", "k2", "missing", "k3"])
    obs["msetnx_taken"] = r.msetnx({"k1": "x", "k4": "y"})
    obs["exists"] = r.exists("k1", "k2", "k4")

    # Binary values and keys must come back byte for byte.
    r.set("binary", BINARY)
    back = r.get("binary")
    obs["binary_equal"] = back == BINARY
    obs["binary_hex"] = back.hex() if isinstance(back, bytes) else repr(back)
    obs["binary_strlen"] = r.strlen("binary")
    r.set(BINARY_KEY, b"\x00")
    obs["binary_key"] = r.get(BINARY_KEY).hex()
    obs["empty"] = r.set("empty", b"") and r.get("empty")

    # SET options.
    obs["set_nx_existing"] = r.set("greeting", "other", nx=True)
    obs["set_xx_missing"] = r.set("absent", "v", xx=True)
    obs["set_get"] = r.set("greeting", "replaced", get=True)
    obs["getdel"] = r.getdel("greeting")
    obs["after_getdel"] = r.exists("greeting")

    # Expiry: seconds and milliseconds, then a key that really expires.
    r.set("temp", "v", ex=100)
    obs["ttl"] = r.ttl("temp")
    obs["pttl"] = r.pttl("temp")
    obs["persist"] = r.persist("temp")
    obs["ttl_after_persist"] = r.ttl("temp")
    obs["expire"] = r.expire("temp", 50)
    obs["ttl_after_expire"] = r.ttl("temp")
    obs["ttl_missing"] = r.ttl("no-such-key")
    obs["setex"] = r.setex("short", 30, "v")
    obs["ttl_setex"] = r.ttl("short")
    obs["psetex"] = r.psetex("gone", 100, "soon")
    obs["get_before_expiry"] = r.get("gone")
    common.wait_until(lambda: r.get("gone") is None, timeout=3.0, what="'gone' to expire")
    obs["get_after_expiry"] = r.get("gone")
    obs["exists_after_expiry"] = r.exists("gone")

    obs["delete"] = r.delete("k1", "k2", "k3", "missing")


if __name__ == "__main__":
    common.run(body)
