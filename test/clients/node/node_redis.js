'use strict';
// node-redis (npm `redis`) against the server on 127.0.0.1:<port>, speaking
// RESP2 or RESP3 (the client's `RESP` option; 3 is the default in v6, and
// makes the client start with HELLO 3). One feature area per run; see
// harness.js for the arguments and the output, and
// test/integration/clients_node_test.cpp for what is expected of each area.
//
//   node node_redis.js <port> <area> <2|3>

const { createClient } = require('redis');
const { Run, EventLog, errorInfo, plain, helloField, clientField } = require('./harness');

const AREAS = ['basic', 'hash', 'pipeline', 'multi', 'watch', 'pubsub', 'name', 'errors'];
const run = new Run('node-redis', AREAS);
const clients = [];

// A connected client; `ready` counts its 'ready' events. An 'error' event
// (the socket failed) is never expected. No reconnection: a dropped
// connection must show up as a failure, not be papered over.
async function connect(options = {}) {
    const client = createClient({
        socket: { host: '127.0.0.1', port: run.port, connectTimeout: 3000, reconnectStrategy: false },
        RESP: run.resp,
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

// The error a promise rejects with, or a failure if it resolves.
async function rejection(promise, what) {
    let value;
    try {
        value = await promise;
    } catch (err) {
        return errorInfo(err);
    }
    throw new Error(`${what} succeeded with ${JSON.stringify(value)}, expected an error`);
}

// The replies of a MultiErrorReply: errors as {error: message}.
function repliesWithErrors(replies) {
    return replies.map((r) => (r instanceof Error ? { error: r.message } : r));
}

const areas = {
    // Connect (handshake: HELLO 3 or nothing, CLIENT SETINFO), strings.
    async basic() {
        const c = await connect();
        run.record('ready', c.isReady);
        run.record('ready_events', c.readyEvents);
        run.step('HELLO');
        run.record('proto', helloField(await c.sendCommand(['HELLO', String(run.resp)]), 'proto'));
        run.step('strings');
        run.record('ping', await c.ping());
        run.record('set', await c.set('nr:str', 'hello'));
        run.record('get', await c.get('nr:str'));
        const text = 'h\u00e9llo w\u00f6rld \u2713 \ud83d\ude80';
        await c.set('nr:utf8', text);
        run.record('utf8_roundtrip', (await c.get('nr:utf8')) === text);
        const big = 'x'.repeat(200000) + 'end';
        await c.set('nr:big', big);
        const bigBack = await c.get('nr:big');
        run.record('big_length', bigBack.length);
        run.record('big_equal', bigBack === big);
        run.record('incr', [await c.incr('nr:n'), await c.incr('nr:n'), await c.incrBy('nr:n', 40)]);
        run.record('decr', await c.decr('nr:n'));
        run.record('get_counter', await c.get('nr:n'));
        run.record('set_ex', await c.set('nr:ttl', 'v', { EX: 100 }));
        run.record('ttl', await c.ttl('nr:ttl'));
        run.record('set_nx_existing', await c.set('nr:str', 'other', { NX: true }));
        run.record('exists', await c.exists(['nr:str', 'nr:n', 'nr:missing']));
        run.record('del', await c.del(['nr:str', 'nr:n', 'nr:missing']));
        run.record('get_deleted', await c.get('nr:str'));
        run.record('mget', await c.mGet(['nr:utf8', 'nr:str', 'nr:ttl']).then(
            (values) => values.map((v) => (v === text ? '<utf8>' : v))));
    },

    // HSET with an object, HGETALL back into an object.
    async hash() {
        const c = await connect();
        run.record('hset', await c.hSet('nr:h', { name: 'ringdis', lang: 'c++', stars: '5' }));
        run.record('hgetall', await c.hGetAll('nr:h'));
        run.record('hget', await c.hGet('nr:h', 'name'));
        run.record('hincrby', await c.hIncrBy('nr:h', 'stars', 2));
        run.record('hlen', await c.hLen('nr:h'));
        run.record('hexists', [await c.hExists('nr:h', 'lang'), await c.hExists('nr:h', 'nope')]);
        run.record('hdel', await c.hDel('nr:h', 'lang'));
        run.record('hgetall_after', await c.hGetAll('nr:h'));
        run.record('hgetall_missing', await c.hGetAll('nr:nohash'));
        run.record('hmget', await c.hmGet('nr:h', ['stars', 'lang', 'name']));
    },

    // A batch sent as one pipeline (execAsPipeline), auto-pipelining of
    // commands issued in one tick, and a pipeline with a failing command.
    async pipeline() {
        const c = await connect();
        const N = 200;
        run.step('execAsPipeline');
        const batch = c.multi();
        for (let i = 0; i < N; i++) batch.set(`nr:p:${i}`, `v${i}`);
        for (let i = 0; i < N; i++) batch.get(`nr:p:${i}`);
        batch.dbSize();
        const replies = await batch.execAsPipeline();
        run.record('replies', replies.length);
        run.record('set_ok', replies.slice(0, N).filter((r) => r === 'OK').length);
        run.record('gets', replies.slice(N, 2 * N));
        run.record('dbsize', replies[2 * N]);
        run.step('auto-pipelining');
        const incrs = await Promise.all(Array.from({ length: 300 }, () => c.incr('nr:p:counter')));
        run.record('auto_incrs', incrs);
        run.step('pipeline with an error');
        // execAsPipeline rejects with the first failing command's error; the
        // commands around it still ran.
        run.record('error_pipeline', await rejection(
            c.multi().set('nr:p:s', 'text').incr('nr:p:s').append('nr:p:s', '!').execAsPipeline(),
            'a pipeline with INCR of text'));
        run.record('error_pipeline_value', await c.get('nr:p:s'));
        run.record('ping_after', await c.ping());
    },

    // MULTI/EXEC: results, a command failing inside EXEC, and a transaction
    // discarded (EXECABORT) because a command was refused while queuing.
    async multi() {
        const c = await connect();
        const other = await connect();
        run.step('MULTI/EXEC');
        run.record('exec', await c.multi()
            .set('nr:tx', '1').incr('nr:tx').incrBy('nr:tx', 10).get('nr:tx')
            .hSet('nr:txh', 'f', 'v').exec());
        run.record('other_sees', await other.get('nr:tx'));
        run.step('EXEC with a failing command');
        try {
            await c.multi().set('nr:tx2', 'abc').incr('nr:tx2').get('nr:tx2').exec();
            run.record('exec_runtime_error', 'no error');
        } catch (err) {
            run.record('exec_runtime_error', { name: err.constructor.name, errorIndexes: err.errorIndexes,
                                               replies: repliesWithErrors(err.replies || []) });
        }
        run.step('EXECABORT');
        run.record('exec_abort', await rejection(
            c.multi().set('nr:tx3', 'x').addCommand(['NOSUCHCMD', 'a']).exec(), 'MULTI with an unknown command'));
        run.record('aborted_key', await other.get('nr:tx3'));
        run.record('ping_after', await c.ping());
    },

    // WATCH: EXEC aborted by another client's write (WatchError), EXEC that
    // goes through when nobody writes, UNWATCH, and the client's own write.
    async watch() {
        const a = await connect();
        const b = await connect();
        await a.set('nr:w', 'start');
        run.step('WATCH, other client writes');
        run.record('watch', await a.watch('nr:w'));
        await b.set('nr:w', 'from-b');
        run.record('conflict', await rejection(a.multi().set('nr:w', 'from-a').exec(), 'EXEC after a conflict'));
        run.record('after_conflict', await a.get('nr:w'));
        run.step('WATCH, nobody writes');
        await a.watch('nr:w');
        run.record('no_conflict', await a.multi().set('nr:w', 'from-a').get('nr:w').exec());
        run.step('WATCH, other client writes, UNWATCH');
        await a.watch('nr:w');
        await b.set('nr:w', 'from-b-again');
        run.record('unwatch', await a.unwatch());
        run.record('after_unwatch', await a.multi().get('nr:w').set('nr:w', 'from-a-again').exec());
        run.step('WATCH a missing key, other client creates it');
        await a.watch('nr:w:new');
        await b.set('nr:w:new', 'created');
        run.record('conflict_new_key', await rejection(a.multi().set('nr:w:new', 'mine').exec(),
                                                       'EXEC after the key was created'));
        run.record('new_key', await b.get('nr:w:new'));
    },

    // SUBSCRIBE + PSUBSCRIBE on one connection, PUBLISH from another.
    async pubsub() {
        const pub = await connect();
        const sub = await connect();
        const events = new EventLog();
        run.step('SUBSCRIBE');
        await sub.subscribe(['news', 'weather'], (message, channel) => events.push(['message', channel, message]));
        run.step('PSUBSCRIBE');
        await sub.pSubscribe('n*', (message, channel) => events.push(['pmessage', 'n*', channel, message]));
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
            await pub.set('nr:ps', 'plain');
            run.record('subscribed_get', await sub.get('nr:ps'));
        }
        run.step('PING on the subscribed connection');
        run.record('subscribed_ping', plain(await sub.ping()));
        run.step('UNSUBSCRIBE news');
        await sub.unsubscribe('news');
        counts.push(await pub.publish('news', 'm5'));     // pattern only now
        run.step('PUNSUBSCRIBE');
        await sub.pUnsubscribe('n*');
        counts.push(await pub.publish('news', 'm6'));     // nobody
        counts.push(await pub.publish('weather', 'm7'));  // channel
        run.step('waiting for 6 messages');
        await events.waitLength(6);
        run.step('UNSUBSCRIBE (all)');
        await sub.unsubscribe();
        counts.push(await pub.publish('weather', 'm8'));  // nobody
        run.record('publish_counts', counts);
        run.record('messages', events.items);
        run.step('PING after unsubscribing');
        // (node-redis hands this PONG back as a Buffer on RESP2.)
        run.record('ping_after', plain(await sub.ping()));
    },

    // The client's name: the `name` option (sent in HELLO 3 ... SETNAME, or
    // CLIENT SETNAME on RESP2), CLIENT GETNAME/SETNAME, CLIENT INFO/LIST.
    async name() {
        const c = await connect({ name: 'nr-app' });
        const other = await connect();
        run.record('getname', await c.clientGetName());
        run.record('setname', await c.clientSetName('nr-renamed'));
        run.record('getname_after', await c.clientGetName());
        run.record('info_name', clientField(await c.sendCommand(['CLIENT', 'INFO']), 'name'));
        const list = String(await other.sendCommand(['CLIENT', 'LIST'])).split('\n')
            .map((line) => clientField(line, 'name')).filter((n) => n !== null);
        run.record('list_names', list.sort());
        run.record('other_getname', await other.clientGetName());
        run.record('bad_name', await rejection(c.clientSetName('bad name'), 'CLIENT SETNAME with a space'));
    },

    // Errors: an unknown command through sendCommand, wrong arity, wrong
    // type; the connection keeps working, replies stay matched to commands.
    async errors() {
        const c = await connect();
        await c.set('nr:e', 'text');
        run.record('unknown', await rejection(c.sendCommand(['NOSUCHCMD', 'a', 'b']), 'NOSUCHCMD'));
        run.record('ping_after_unknown', await c.ping());
        run.record('arity', await rejection(c.sendCommand(['GET']), 'GET without a key'));
        run.record('not_integer', await rejection(c.incr('nr:e'), 'INCR of text'));
        run.record('wrongtype', await rejection(c.lPush('nr:e', 'x'), 'LPUSH on a string'));
        run.step('errors between pipelined commands');
        const settled = await Promise.allSettled([
            c.sendCommand(['NOSUCHCMD']), c.set('nr:e2', 'v'), c.sendCommand(['NOSUCHCMD2', 'x']),
            c.get('nr:e2'), c.incr('nr:e'), c.ping(),
        ]);
        run.record('mixed', settled.map((s) => (s.status === 'fulfilled' ? s.value : { error: s.reason.message })));
        run.record('get_after', await c.get('nr:e'));
    },
};

run.main(async () => {
    await areas[run.area]();
    run.step('closing');
    await Promise.all(clients.map((c) => c.close()));
});
