"""redis-py connection commands: client_setname/client_getname (and the
name in CLIENT LIST / CLIENT INFO), CLIENT ID, ECHO, SELECT through db=,
and an unknown command through execute_command, which raises
redis.ResponseError and leaves the connection working. See common.py."""

import redis

import common


def body(port, obs):
    # One connection for everything, so that the name and the error are
    # seen on the very connection that is reused afterwards.
    r = common.connect(port, decode_responses=True, single_connection_client=True)
    obs["getname_before"] = r.client_getname()
    obs["setname"] = r.client_setname("py-client")
    obs["getname"] = r.client_getname()
    me = r.client_id()
    obs["client_id_is_int"] = isinstance(me, int) and me > 0
    listed = [c for c in r.client_list() if int(c["id"]) == me]
    obs["client_list_name"] = listed[0]["name"] if listed else "<not listed>"
    obs["client_info_name"] = r.client_info().get("name")
    obs["echo"] = r.echo("hello \r\n there")
    obs["ping"] = r.ping()

    # An unknown command: ResponseError, then the same connection goes on.
    try:
        r.execute_command("NOSUCHCOMMAND", "arg1", "arg2")
        obs["unknown_command"] = "no error"
    except redis.ResponseError as e:
        obs["unknown_command"] = common.jsonable(e)
    obs["wrong_arity"] = common.error_of(lambda: r.execute_command("GET"))
    obs["set_after_error"] = r.set("still", "working")
    obs["get_after_error"] = r.get("still")
    obs["getname_after_error"] = r.client_getname()
    obs["id_unchanged"] = r.client_id() == me

    # A client for database 3 selects it when it connects.
    db3 = common.connect(port, db=3, decode_responses=True)
    obs["db3_set"] = db3.set("in-db3", "yes")
    obs["db3_get"] = db3.get("in-db3")
    obs["db0_get"] = r.get("in-db3")
    obs["db3_dbsize"] = db3.dbsize()

    # A client name given to the constructor is sent on connect.
    named = common.connect(port, client_name="named-at-connect", decode_responses=True)
    obs["name_at_connect"] = named.client_getname()

    # redis-py 4.3.4 has no RESP3 support: Redis() takes no protocol= argument.
    try:
        redis.Redis(host="127.0.0.1", port=port, protocol=3)
        obs["protocol3"] = "accepted"
    except TypeError:
        obs["protocol3"] = "unsupported"
    r.close()


if __name__ == "__main__":
    common.run(body)
