'use strict';
// ioredis against the server on 127.0.0.1:<port>, speaking RESP2 or RESP3
// (the client's `protocol` option; 3 is the default in ioredis 6, which then
// starts with HELLO 3, and falls back to RESP2 only if HELLO is refused).
// Connecting runs the ready check: INFO, waiting while it says loading:1.
// One feature area per run; see harness.js for the arguments and the
// output, and test/integration/clients_node_test.cpp for what is expected.
//
//   node ioredis.js <port> <area> <2|3>

const Redis = require('ioredis');
const { Run, EventLog, errorInfo, plain, helloField, clientField } = require('./harness');

const AREAS = ['basic', 'hash', 'pipeline', 'multi', 'watch', 'pubsub', 'name', 'errors'];
const run = new Run('ioredis', AREAS);
const clients = [];

// A connected, ready client. No reconnection and no retried commands: a
// dropped connection must show up as a failure. An 'error' event is never
// expected.
async function connect(options = {}) {
    const client = new Redis({
        host: '127.0.0.1',
        port: run.port,
        protocol: run.resp,
        lazyConnect: true,
        enableReadyCheck: true,
        connectTimeout: 3000,
        retryStrategy: () => null,
        maxRetriesPerRequest: 0,
        ...options,
    });
    client.readyEvents = 0;
    client.on('ready', () => { client.readyEvents += 1; });
    client.on('error', (err) => run.fail(`'error' event: ${err.constructor.name}: ${err.message}`));
    clients.push(client);
    const step = run.currentStep;
    run.step(`connecting client ${clients.length}`);
    await client.connect();
    run.step(step);
    return client;
}

async function rejection(promise, what) {
    let value;
    try {
        value = await promise;
    } catch (err) {
        return errorInfo(err);
    }
    throw new Error(`${what} succeeded with ${JSON.stringify(value)}, expected an error`);
}

// A pipeline's or transaction's [[err, result], ...] with errors as
// {error: message}.
function results(pairs) {
    if (pairs === null) return null;
    return pairs.map(([err, value]) => (err ? { error: err.message } : value));
}

const areas = {
    // Connect (HELLO 3 or nothing, CLIENT SETINFO, ready check), strings.
    async basic() {
        const c = await connect();
        run.record('status', c.status);
        run.record('ready_events', c.readyEvents);
        run.step('INFO');
        // What the ready check read: INFO's persistence section has loading:0.
        const loading = /^loading:(\S*)/m.exec(await c.info('persistence'));
        run.record('info_loading', loading ? loading[1] : null);
        run.step('HELLO');
        run.record('proto', helloField(await c.call('HELLO', String(run.resp)), 'proto'));
        run.step('strings');
        run.record('ping', await c.ping());
        run.record('set', await c.set('io:str', 'hello'));
        run.record('get', await c.get('io:str'));
        const text = 'h\u00e9llo w\u00f6rld \u2713 \ud83d\ude80';
        await c.set('io:utf8', text);
        run.record('utf8_roundtrip', (await c.get('io:utf8')) === text);
        const bytes = Buffer.from([0, 1, 2, 0xff, 0xfe, 13, 10, 0x80]);
        await c.set('io:bin', bytes);
        run.record('binary_roundtrip', bytes.equals(await c.getBuffer('io:bin')));
        const big = 'x'.repeat(200000) + 'end';
        await c.set('io:big', big);
        const bigBack = await c.get('io:big');
        run.record('big_length', bigBack.length);
        run.record('big_equal', bigBack === big);
        run.record('incr', [await c.incr('io:n'), await c.incr('io:n'), await c.incrby('io:n', 40)]);
        run.record('decr', await c.decr('io:n'));
        run.record('get_counter', await c.get('io:n'));
        run.record('set_ex', await c.set('io:ttl', 'v', 'EX', 100));
        run.record('ttl', await c.ttl('io:ttl'));
        run.record('set_nx_existing', await c.set('io:str', 'other', 'NX'));
        run.record('exists', await c.exists('io:str', 'io:n', 'io:missing'));
        run.record('del', await c.del('io:str', 'io:n', 'io:missing'));
        run.record('get_deleted', await c.get('io:str'));
        run.record('mget', (await c.mget('io:utf8', 'io:str', 'io:ttl')).map((v) => (v === text ? '<utf8>' : v)));
    },

    // HSET with an object, HGETALL back into an object.
    async hash() {
        const c = await connect();
        run.record('hset', await c.hset('io:h', { name: 'ringdis', lang: 'c++', stars: '5' }));
        run.record('hgetall', await c.hgetall('io:h'));
        run.record('hget', await c.hget('io:h', 'name'));
        run.record('hincrby', await c.hincrby('io:h', 'stars', 2));
        run.record('hlen', await c.hlen('io:h'));
        run.record('hexists', [await c.hexists('io:h', 'lang'), await c.hexists('io:h', 'nope')]);
        run.record('hdel', await c.hdel('io:h', 'lang'));
        run.record('hgetall_after', await c.hgetall('io:h'));
        run.record('hgetall_missing', await c.hgetall('io:nohash'));
        run.record('hmget', await c.hmget('io:h', 'stars', 'lang', 'name'));
    },

    // pipeline().exec() with many commands, commands issued in one tick
    // (written back to back), and a pipeline with a failing command.
    async pipeline() {
        const c = await connect();
        const N = 200;
        run.step('pipeline');
        const batch = c.pipeline();
        for (let i = 0; i < N; i++) batch.set(`io:p:${i}`, `v${i}`);
        for (let i = 0; i < N; i++) batch.get(`io:p:${i}`);
        batch.dbsize();
        const replies = results(await batch.exec());
        run.record('replies', replies.length);
        run.record('set_ok', replies.slice(0, N).filter((r) => r === 'OK').length);
        run.record('gets', replies.slice(N, 2 * N));
        run.record('dbsize', replies[2 * N]);
        run.step('commands issued in one tick');
        const incrs = await Promise.all(Array.from({ length: 300 }, () => c.incr('io:p:counter')));
        run.record('auto_incrs', incrs);
        run.step('pipeline with an error');
        run.record('error_pipeline', results(await c.pipeline()
            .set('io:p:s', 'text').incr('io:p:s').get('io:p:s').exec()));
        run.record('ping_after', await c.ping());
    },

    // MULTI/EXEC: results, a command failing inside EXEC, and a transaction
    // discarded (EXECABORT) because a command was refused while queuing.
    async multi() {
        const c = await connect();
        const other = await connect();
        run.step('MULTI/EXEC');
        run.record('exec', results(await c.multi()
            .set('io:tx', '1').incr('io:tx').incrby('io:tx', 10).get('io:tx')
            .hset('io:txh', 'f', 'v').exec()));
        run.record('other_sees', await other.get('io:tx'));
        run.step('EXEC with a failing command');
        run.record('exec_runtime_error', results(await c.multi()
            .set('io:tx2', 'abc').incr('io:tx2').get('io:tx2').exec()));
        run.step('EXECABORT');
        try {
            const value = await c.multi().set('io:tx3', 'x').call('NOSUCHCMD', 'a').exec();
            run.record('exec_abort', { resolved: value });
        } catch (err) {
            run.record('exec_abort', { ...errorInfo(err),
                                       previous: (err.previousErrors || []).map((e) => e.message) });
        }
        run.record('aborted_key', await other.get('io:tx3'));
        run.record('ping_after', await c.ping());
    },

    // WATCH: EXEC aborted by another client's write (exec() gives null),
    // EXEC that goes through when nobody writes, UNWATCH, a created key.
    async watch() {
        const a = await connect();
        const b = await connect();
        await a.set('io:w', 'start');
        run.step('WATCH, other client writes');
        run.record('watch', await a.watch('io:w'));
        await b.set('io:w', 'from-b');
        run.record('conflict', results(await a.multi().set('io:w', 'from-a').exec()));
        run.record('after_conflict', await a.get('io:w'));
        run.step('WATCH, nobody writes');
        await a.watch('io:w');
        run.record('no_conflict', results(await a.multi().set('io:w', 'from-a').get('io:w').exec()));
        run.step('WATCH, other client writes, UNWATCH');
        await a.watch('io:w');
        await b.set('io:w', 'from-b-again');
        run.record('unwatch', await a.unwatch());
        run.record('after_unwatch', results(await a.multi().get('io:w').set('io:w', 'from-a-again').exec()));
        run.step('WATCH a missing key, other client creates it');
        await a.watch('io:w:new');
        await b.set('io:w:new', 'created');
        run.record('conflict_new_key', results(await a.multi().set('io:w:new', 'mine').exec()));
        run.record('new_key', await b.get('io:w:new'));
    },

    // SUBSCRIBE + PSUBSCRIBE on one connection, PUBLISH from another.
    async pubsub() {
        const pub = await connect();
        const sub = await connect();
        const events = new EventLog();
        sub.on('message', (channel, message) => events.push(['message', channel, message]));
        sub.on('pmessage', (pattern, channel, message) => events.push(['pmessage', pattern, channel, message]));
        const subscribed = [];
        run.step('SUBSCRIBE');
        subscribed.push(await sub.subscribe('news', 'weather'));
        run.step('PSUBSCRIBE');
        subscribed.push(await sub.psubscribe('n*'));
        run.step('PUBLISH');
        const counts = [];
        counts.push(await pub.publish('news', 'm1'));     // channel and pattern
        counts.push(await pub.publish('weather', 'm2'));  // channel
        counts.push(await pub.publish('nets', 'm3'));     // pattern
        counts.push(await pub.publish('other', 'm4'));    // nobody
        run.step('waiting for 4 messages');
        await events.waitLength(4);
        if (run.resp === 3) {
            // RESP3 lets a subscribed connection run ordinary commands.
            run.step('GET on the subscribed connection');
            await pub.set('io:ps', 'plain');
            run.record('subscribed_get', await sub.get('io:ps'));
        }
        run.step('PING on the subscribed connection');
        run.record('subscribed_ping', plain(await sub.ping()));
        run.step('UNSUBSCRIBE news');
        subscribed.push(await sub.unsubscribe('news'));
        counts.push(await pub.publish('news', 'm5'));     // pattern only now
        run.step('PUNSUBSCRIBE');
        subscribed.push(await sub.punsubscribe('n*'));
        counts.push(await pub.publish('news', 'm6'));     // nobody
        counts.push(await pub.publish('weather', 'm7'));  // channel
        run.step('waiting for 6 messages');
        await events.waitLength(6);
        run.step('UNSUBSCRIBE (all)');
        subscribed.push(await sub.unsubscribe());
        counts.push(await pub.publish('weather', 'm8'));  // nobody
        run.record('subscription_counts', subscribed);
        run.record('publish_counts', counts);
        run.record('messages', events.items);
        run.step('PING after unsubscribing');
        run.record('ping_after', await sub.ping());
    },

    // The client's name: `connectionName` (CLIENT SETNAME while
    // connecting), CLIENT GETNAME/SETNAME, CLIENT INFO/LIST.
    async name() {
        const c = await connect({ connectionName: 'io-app' });
        const other = await connect();
        run.record('getname', await c.client('GETNAME'));
        run.record('setname', await c.client('SETNAME', 'io-renamed'));
        run.record('getname_after', await c.client('GETNAME'));
        run.record('info_name', clientField(await c.client('INFO'), 'name'));
        const list = String(await other.client('LIST')).split('\n')
            .map((line) => clientField(line, 'name')).filter((n) => n !== null);
        run.record('list_names', list.sort());
        run.record('other_getname', await other.client('GETNAME'));
        run.record('bad_name', await rejection(c.client('SETNAME', 'bad name'), 'CLIENT SETNAME with a space'));
    },

    // Errors: an unknown command through call(), wrong arity, wrong type;
    // the connection keeps working, replies stay matched to commands.
    async errors() {
        const c = await connect();
        await c.set('io:e', 'text');
        run.record('unknown', await rejection(c.call('NOSUCHCMD', 'a', 'b'), 'NOSUCHCMD'));
        run.record('ping_after_unknown', await c.ping());
        run.record('arity', await rejection(c.call('GET'), 'GET without a key'));
        run.record('not_integer', await rejection(c.incr('io:e'), 'INCR of text'));
        run.record('wrongtype', await rejection(c.lpush('io:e', 'x'), 'LPUSH on a string'));
        run.step('errors between pipelined commands');
        const settled = await Promise.allSettled([
            c.call('NOSUCHCMD'), c.set('io:e2', 'v'), c.call('NOSUCHCMD2', 'x'),
            c.get('io:e2'), c.incr('io:e'), c.ping(),
        ]);
        run.record('mixed', settled.map((s) => (s.status === 'fulfilled' ? s.value : { error: s.reason.message })));
        run.record('get_after', await c.get('io:e'));
    },
};

run.main(async () => {
    await areas[run.area]();
    run.step('closing');
    await Promise.all(clients.map((c) => c.quit()));
});
