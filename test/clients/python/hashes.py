"""redis-py hashes: hset with a mapping, hgetall as a dict, field reads and
updates, and hscan_iter over a hash too big for the compact encoding. See
common.py."""

import common


def body(port, obs):
    r = common.connect(port, decode_responses=True)
    obs["hset_mapping"] = r.hset("user:1", mapping={"name": "Ada", "lang": "en", "visits": "10"})
    obs["hset_one"] = r.hset("user:1", "city", "London")
    obs["hset_update"] = r.hset("user:1", "lang", "fr")
    obs["hgetall"] = r.hgetall("user:1")
    obs["hgetall_type"] = type(r.hgetall("user:1")).__name__
    obs["hgetall_missing"] = r.hgetall("no-such-hash")
    obs["hget"] = r.hget("user:1", "name")
    obs["hget_missing"] = r.hget("user:1", "nope")
    obs["hmget"] = r.hmget("user:1", ["name", "nope", "city"])
    obs["hincrby"] = r.hincrby("user:1", "visits", 5)
    obs["hincrbyfloat"] = r.hincrbyfloat("user:1", "score", 2.5)
    obs["hlen"] = r.hlen("user:1")
    obs["hexists"] = [r.hexists("user:1", "city"), r.hexists("user:1", "nope")]
    obs["hkeys"] = sorted(r.hkeys("user:1"))
    obs["hvals"] = sorted(r.hvals("user:1"))
    obs["hsetnx"] = [r.hsetnx("user:1", "name", "Bob"), r.hsetnx("user:1", "email", "ada@example.com")]
    obs["hstrlen"] = r.hstrlen("user:1", "email")
    obs["hdel"] = r.hdel("user:1", "city", "nope")
    obs["hgetall_after"] = r.hgetall("user:1")
    obs["type"] = r.type("user:1")
    r.set("plain", "v")
    obs["hget_wrongtype"] = common.error_of(lambda: r.hget("plain", "f"))

    # Past 512 fields the server keeps the hash in a table; hscan_iter must
    # still return every field exactly once.
    big = {"field:%d" % i: "value:%d" % i for i in range(1000)}
    r.hset("big", mapping=big)
    scanned = {}
    duplicates = 0
    for field, value in r.hscan_iter("big", count=50):
        duplicates += field in scanned
        scanned[field] = value
    obs["big_hlen"] = r.hlen("big")
    obs["hscan_count"] = len(scanned)
    obs["hscan_duplicates"] = duplicates
    obs["hscan_equal"] = scanned == big
    obs["hscan_match"] = sorted(f for f, _ in r.hscan_iter("big", match="field:99*"))
    obs["big_hgetall_equal"] = r.hgetall("big") == big


if __name__ == "__main__":
    common.run(body)
