'use strict';
// What node_redis.js and ioredis.js share: their arguments, a watchdog, a
// way to await events without sleeping, and the one JSON line they print.
//
//   node <script> <port> <area> <resp>
//
// <area> is one feature area of the script (the script lists them), <resp>
// is 2 or 3. On success the script prints one line on stdout,
//   {"lib":"...","area":"...","resp":3,<observations>...}
// and exits 0. On an unexpected error, or when the watchdog fires, it prints
// what went wrong (with the step it was at and what it had observed so far)
// on stderr and exits 1.

const WATCHDOG_MS = 5000;

class Run {
    constructor(lib, areas) {
        const [portText, area, respText] = process.argv.slice(2);
        const port = Number(portText);
        const resp = Number(respText);
        if (!Number.isInteger(port) || port <= 0 || port > 65535 || !areas.includes(area) ||
            (resp !== 2 && resp !== 3)) {
            process.stderr.write(`usage: node ${process.argv[1]} <port> <${areas.join('|')}> <2|3>\n`);
            process.exit(2);
        }
        this.lib = lib;
        this.port = port;
        this.area = area;
        this.resp = resp;
        this.out = { lib, area, resp };
        this.currentStep = `${area}: start`;
        this.finished = false;
        this.watchdog = setTimeout(
            () => this.fail(`timed out after ${WATCHDOG_MS} ms`), WATCHDOG_MS);
        process.on('unhandledRejection', (err) => this.fail(`unhandled rejection: ${describe(err)}`));
        process.on('uncaughtException', (err) => this.fail(`uncaught exception: ${describe(err)}`));
    }

    // Names what the script is doing, for the message when it fails.
    step(name) {
        this.currentStep = name;
    }

    record(key, value) {
        this.out[key] = value;
        return value;
    }

    fail(message) {
        if (this.finished) return;
        this.finished = true;
        process.stderr.write(`${this.lib} ${this.area} RESP${this.resp}: ${message}\n` +
                             `  at step: ${this.currentStep}\n` +
                             `  observed so far: ${JSON.stringify(this.out)}\n`);
        process.exit(1);
    }

    // Prints the observations and exits without waiting for sockets to
    // drain (the clients are closed first by the caller).
    finish() {
        if (this.finished) return;
        this.finished = true;
        clearTimeout(this.watchdog);
        process.stdout.write(JSON.stringify(this.out) + '\n');
        process.exit(0);
    }

    // Runs `body`, then finish(); any exception is a failure.
    main(body) {
        body().then(() => this.finish(), (err) => this.fail(describe(err)));
    }
}

// An error as the observations record it: its class and its message.
function errorInfo(err) {
    if (!(err instanceof Error)) return { name: typeof err, message: String(err) };
    return { name: err.constructor.name, message: err.message };
}

function describe(err) {
    if (err instanceof Error) return `${err.constructor.name}: ${err.message}`;
    return String(err);
}

// A list that can be awaited until it holds `n` items: push() from an event
// handler, `await waitLength(n)` in the script. No polling, no sleeps; the
// watchdog bounds the wait.
class EventLog {
    constructor() {
        this.items = [];
        this.waiters = [];
    }
    push(item) {
        this.items.push(item);
        this.waiters = this.waiters.filter(({ n, resolve }) => {
            if (this.items.length < n) return true;
            resolve(this.items.slice());
            return false;
        });
    }
    waitLength(n) {
        if (this.items.length >= n) return Promise.resolve(this.items.slice());
        return new Promise((resolve) => this.waiters.push({ n, resolve }));
    }
}

// A reply with its Buffers (which a client may hand back in pub/sub mode)
// turned into strings, for the JSON line.
function plain(value) {
    if (Buffer.isBuffer(value)) return value.toString();
    if (Array.isArray(value)) return value.map(plain);
    return value;
}

// The value of field `name` in a HELLO reply: an object (RESP3 map mapped to
// an object), a Map, or a flat [key, value, ...] array.
function helloField(reply, name) {
    if (Array.isArray(reply)) {
        const i = reply.indexOf(name);
        return i >= 0 && i % 2 === 0 ? reply[i + 1] : undefined;
    }
    if (reply instanceof Map) return reply.get(name);
    if (reply && typeof reply === 'object') return reply[name];
    return undefined;
}

// The value of `field=` in a CLIENT INFO / CLIENT LIST line.
function clientField(line, field) {
    const match = new RegExp(`(?:^| )${field}=(\\S*)`).exec(String(line));
    return match ? match[1] : null;
}

module.exports = { Run, EventLog, errorInfo, describe, plain, helloField, clientField };
