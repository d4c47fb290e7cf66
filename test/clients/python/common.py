"""Shared by the redis-py client scripts that test/integration/clients_python_test.cpp runs.

Each script takes the server's port as its only argument, runs one feature
area against 127.0.0.1:<port> with redis-py, and prints what it observed
(values read back, messages received) as one JSON line on stdout, with keys
sorted so the test can find each field. An unexpected error prints a message
on stderr and exits with status 1, so the test shows where it stopped.

Run with Debian's /usr/bin/python3, which imports Debian's python3-redis.
"""

import json
import sys
import time
import traceback

import redis

# Every socket operation has a deadline, so a server that never answers
# fails the script instead of hanging it.
SOCKET_TIMEOUT = 5.0


def port_from_argv():
    if len(sys.argv) != 2:
        sys.stderr.write("usage: %s PORT\n" % sys.argv[0])
        sys.exit(2)
    return int(sys.argv[1])


def connect(port, **kwargs):
    kwargs.setdefault("socket_timeout", SOCKET_TIMEOUT)
    kwargs.setdefault("socket_connect_timeout", SOCKET_TIMEOUT)
    return redis.Redis(host="127.0.0.1", port=port, **kwargs)


def jsonable(value):
    """bytes -> text (undecodable bytes as \\xHH), containers recursively,
    exceptions as "<ClassName> message"."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "backslashreplace")
    if isinstance(value, dict):
        return {jsonable(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        items = [jsonable(v) for v in value]
        return sorted(items) if isinstance(value, set) else items
    if isinstance(value, BaseException):
        return "<%s> %s" % (type(value).__name__, value)
    return value


def error_of(call):
    """Runs call(); returns the exception it raised as "<Class> message", or
    "no error: <result>" when it raised none."""
    try:
        result = call()
    except redis.RedisError as e:
        return jsonable(e)
    return "no error: %r" % (result,)


def wait_until(predicate, timeout=3.0, what="condition"):
    """Polls predicate() until it is true; raises past the timeout."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError("timed out waiting for " + what)
        time.sleep(0.01)


def dump(observations):
    return json.dumps(jsonable(observations), sort_keys=True, separators=(",", ":"))


def run(body):
    """Runs body(port, obs), which records its observations in the dict obs,
    and prints obs as one JSON line. On an unexpected error prints what was
    observed so far, the error and its traceback on stderr, and exits 1."""
    port = port_from_argv()
    obs = {}
    try:
        body(port, obs)
    except Exception as e:  # noqa: BLE001 - any failure is reported the same way
        sys.stderr.write("observed before the error: %s\n" % dump(obs))
        sys.stderr.write("%s: unexpected error: %s: %s\n" % (sys.argv[0], type(e).__name__, e))
        traceback.print_exc(file=sys.stderr)
        sys.stderr.flush()
        sys.exit(1)
    print(dump(obs))
    sys.stdout.flush()
