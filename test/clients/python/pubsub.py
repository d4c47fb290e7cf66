"""redis-py Pub/Sub: pubsub().subscribe and psubscribe, another connection
publishes, get_message returns the confirmations and the messages in order,
PUBSUB introspection, PING while subscribed, binary payloads, then
unsubscribe and punsubscribe. See common.py."""

import time

import common

BINARY = b"\x00\r\nbin\xff\x80payload"


def next_message(p, timeout=3.0):
    """The next message, waiting for it; raises when none comes in time."""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise RuntimeError("no pub/sub message within %.1fs" % timeout)
        message = p.get_message(timeout=min(left, 0.5))
        if message is not None:
            return message


def brief(message):
    """[type, pattern, channel, data]: a message as the test compares it."""
    return [message["type"], message["pattern"], message["channel"], message["data"]]


def body(port, obs):
    publisher = common.connect(port)
    subscriber = common.connect(port)
    p = subscriber.pubsub()
    p.subscribe("ch1", "news.tech")
    p.psubscribe("news.*")
    # The confirmations come back in the order the subscriptions were made,
    # each with the connection's subscription count so far.
    obs["confirmations"] = [brief(next_message(p)) for _ in range(3)]

    # A second subscriber to ch1, for fan-out.
    p2 = common.connect(port).pubsub()
    p2.subscribe("ch1")
    obs["second_confirmation"] = brief(next_message(p2))

    obs["numsub"] = publisher.pubsub_numsub("ch1", "news.tech", "nobody")
    obs["numpat"] = publisher.pubsub_numpat()
    obs["channels"] = sorted(publisher.pubsub_channels())
    obs["channels_pattern"] = sorted(publisher.pubsub_channels("news.*"))

    # PUBLISH returns how many subscribers got the message; a channel that
    # is also matched by a pattern delivers twice (message, then pmessage).
    obs["published"] = [
        publisher.publish("ch1", "first"),
        publisher.publish("news.sport", "goal"),
        publisher.publish("news.tech", "release"),
        publisher.publish("nobody", "lost"),
        publisher.publish("ch1", BINARY),
        publisher.publish("ch1", "last"),
    ]
    received = [next_message(p) for _ in range(6)]
    obs["received"] = [brief(m) for m in received]
    obs["binary_payload_equal"] = received[4]["data"] == BINARY
    obs["second_received"] = [brief(next_message(p2)) for _ in range(3)]
    obs["nothing_more"] = p.get_message(timeout=0.2)

    # PING on a subscribed connection.
    p.ping()
    obs["ping_while_subscribed"] = brief(next_message(p))

    # Unsubscribing from ch1 leaves the other subscriber and the pattern.
    p.unsubscribe("ch1")
    obs["unsubscribe"] = brief(next_message(p))
    obs["publish_after_unsubscribe"] = publisher.publish("ch1", "only-second")
    obs["second_after_unsubscribe"] = brief(next_message(p2))
    obs["publish_pattern_still"] = publisher.publish("news.weather", "rain")
    obs["pattern_still"] = brief(next_message(p))

    p.punsubscribe()
    obs["punsubscribe"] = brief(next_message(p))
    p.unsubscribe()
    obs["unsubscribe_all"] = brief(next_message(p))
    obs["numpat_after"] = publisher.pubsub_numpat()
    obs["numsub_after"] = publisher.pubsub_numsub("ch1", "news.tech")
    obs["publish_after_all"] = publisher.publish("news.tech", "nobody listens")
    p.close()
    p2.close()

    # The subscriber's client is usable for ordinary commands.
    obs["set_after"] = subscriber.set("after", "pubsub")
    obs["get_after"] = subscriber.get("after")


if __name__ == "__main__":
    common.run(body)
