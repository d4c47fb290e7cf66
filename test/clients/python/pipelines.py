"""redis-py pipelines without a transaction (transaction=False): many
commands in one round trip, replies in order, an error reply in the middle
that does not disturb the others, and the connection usable afterwards. See
common.py."""

import common

COUNT = 1000


def body(port, obs):
    r = common.connect(port, decode_responses=True)

    pipe = r.pipeline(transaction=False)
    for i in range(COUNT):
        pipe.set("pkey:%d" % i, "value-%d" % i)
    for i in range(COUNT):
        pipe.get("pkey:%d" % i)
    pipe.incr("pcounter")
    pipe.incrby("pcounter", 9)
    pipe.rpush("plist", "a", "b", "c")
    pipe.lrange("plist", 0, -1)
    pipe.hset("phash", mapping={"f": "1"})
    pipe.hgetall("phash")
    pipe.dbsize()
    results = pipe.execute()

    obs["results"] = len(results)
    sets = results[:COUNT]
    gets = results[COUNT:2 * COUNT]
    obs["sets_true"] = sum(1 for s in sets if s is True)
    obs["gets_matching"] = sum(1 for i, g in enumerate(gets) if g == "value-%d" % i)
    obs["first_get"] = gets[0]
    obs["last_get"] = gets[-1]
    obs["tail"] = results[2 * COUNT:]

    # An error reply in the middle of a pipeline: with raise_on_error=False
    # it comes back in its place, and the commands around it still run.
    pipe = r.pipeline(transaction=False)
    pipe.set("text", "abc")
    pipe.incr("text")
    pipe.get("text")
    pipe.execute_command("NOSUCHCOMMAND", "x")
    pipe.echo("after")
    results = pipe.execute(raise_on_error=False)
    obs["with_errors"] = results

    # With raise_on_error (the default) the first error is raised.
    pipe = r.pipeline(transaction=False)
    pipe.set("text2", "abc")
    pipe.incr("text2")
    pipe.set("text3", "def")
    obs["raised"] = common.error_of(pipe.execute)
    obs["after_raise"] = [r.get("text2"), r.get("text3")]

    # A pipeline as a context manager, reused after execute().
    with r.pipeline(transaction=False) as p:
        p.set("ctx", 1).incr("ctx").get("ctx")
        first = p.execute()
        p.mget(["ctx", "pkey:0"])
        second = p.execute()
    obs["context_manager"] = [first, second]
    obs["ping_after"] = r.ping()
    obs["dbsize"] = r.dbsize()


if __name__ == "__main__":
    common.run(body)
