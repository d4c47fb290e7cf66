"""redis-py transactions: pipeline() wraps its commands in MULTI/EXEC by
default; WATCH with another client changing the key makes EXEC fail with
redis.WatchError; Redis.transaction() retries until it commits; a command
that fails inside EXEC, a command refused while queueing (EXECABORT), and
DISCARD. See common.py."""

import redis

import common


def body(port, obs):
    r = common.connect(port, decode_responses=True)
    other = common.connect(port, decode_responses=True)

    # The default pipeline is a transaction: MULTI ... EXEC in one round trip.
    pipe = r.pipeline()
    pipe.set("balance", 100)
    pipe.incrby("balance", 50)
    pipe.decrby("balance", 30)
    pipe.get("balance")
    pipe.rpush("log", "deposit", "withdraw")
    pipe.lrange("log", 0, -1)
    obs["multi_exec"] = pipe.execute()

    # WATCH, then another connection changes the key before EXEC: the
    # transaction is not applied and redis-py raises WatchError.
    r.set("stock", 10)
    with r.pipeline() as p:
        p.watch("stock")
        seen = int(p.get("stock"))  # immediate mode while watching
        obs["watch_seen"] = seen
        obs["other_set"] = other.set("stock", 3)
        p.multi()
        p.set("stock", seen - 1)
        p.set("touched-by-exec", "yes")
        try:
            obs["watch_conflict"] = "no error: %r" % (p.execute(),)
        except redis.WatchError as e:
            obs["watch_conflict"] = common.jsonable(e)
    obs["stock_after_conflict"] = r.get("stock")
    obs["exec_side_effect"] = r.exists("touched-by-exec")

    # WATCH with nobody interfering: EXEC applies the transaction.
    with r.pipeline() as p:
        p.watch("stock")
        seen = int(p.get("stock"))
        p.multi()
        p.set("stock", seen - 1)
        p.get("stock")
        obs["watch_no_conflict"] = p.execute()
    obs["stock_after_commit"] = r.get("stock")

    # Redis.transaction(): the other client writes during the first attempt,
    # so the first EXEC fails and the helper retries.
    attempts = []

    def decrement(p):
        value = int(p.get("stock"))
        attempts.append(value)
        if len(attempts) == 1:
            other.incrby("stock", 100)
        p.multi()
        p.set("stock", value - 1)

    obs["transaction_helper"] = r.transaction(decrement, "stock")
    obs["transaction_attempts"] = attempts
    obs["stock_after_helper"] = r.get("stock")

    # UNWATCH (pipeline.reset) forgets the watch: a later change is harmless.
    with r.pipeline() as p:
        p.watch("stock")
        p.unwatch()
        other.set("stock", 7)
        p.multi()
        p.incr("stock")
        obs["after_unwatch"] = p.execute()

    # A command that fails at run time inside EXEC: the others still apply.
    r.set("name", "text")
    pipe = r.pipeline()
    pipe.set("counter", 1)
    pipe.incr("name")
    pipe.incr("counter")
    obs["exec_with_error"] = pipe.execute(raise_on_error=False)
    obs["counter_after_exec_error"] = r.get("counter")

    # A command the server refuses while queueing: EXEC is aborted and
    # nothing applies.
    pipe = r.pipeline()
    pipe.set("aborted", "1")
    pipe.execute_command("NOSUCHCOMMAND")
    obs["execabort"] = common.error_of(pipe.execute)
    obs["aborted_exists"] = r.exists("aborted")

    # MULTI/DISCARD by hand. (Pipeline.discard() only drops redis-py's own
    # buffer, so this goes through one dedicated connection instead.)
    single = common.connect(port, decode_responses=True, single_connection_client=True)
    obs["manual_multi"] = single.execute_command("MULTI")
    obs["manual_queued"] = single.execute_command("INCR", "discarded")
    obs["manual_discard"] = single.execute_command("DISCARD")
    obs["discarded_exists"] = single.exists("discarded")
    obs["manual_exec"] = [single.execute_command("MULTI"), single.execute_command("INCR", "manual"),
                          single.execute_command("INCR", "manual"), single.execute_command("EXEC")]
    single.close()

    # EXEC and DISCARD without MULTI are refused by the server.
    obs["exec_without_multi"] = common.error_of(lambda: r.execute_command("EXEC"))
    obs["discard_without_multi"] = common.error_of(lambda: r.execute_command("DISCARD"))
    obs["ping_after"] = r.ping()


if __name__ == "__main__":
    common.run(body)
