"""Helpers shared by bench/compare, bench/memory and tools/profile: start a
server on a free port (pinned to a core), wait until it answers, send it a
command, read its CPU time and resident memory from /proc, and stop it by
PID. Servers started here are tracked and killed at exit, on SIGINT/SIGTERM
too, so a failed or interrupted run leaves nothing behind.
"""

import atexit
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLK_TCK = os.sysconf("SC_CLK_TCK")

_started = []  # Server objects still running


def die(msg):
    print(f"{os.path.basename(sys.argv[0])}: {msg}", file=sys.stderr)
    sys.exit(1)


def free_port():
    """A TCP port nobody listens on right now (the kernel's pick)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_count():
    return len(os.sched_getaffinity(0))


def pin(cmd, core):
    """cmd prefixed with `taskset -c core` when there is a core to pin to.
    taskset execs the command, so the PID is the command's own."""
    if core is None or shutil.which("taskset") is None or core >= os.cpu_count():
        return cmd
    return ["taskset", "-c", str(core)] + cmd


def encode(*args):
    """One RESP multibulk command."""
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        b = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(b), b))
    return b"".join(out)


def command(port, *args, timeout=5.0):
    """Sends one command and returns the first line of its reply (bytes,
    without CRLF), enough to tell +OK, :n, $n and -ERR apart."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(encode(*args))
        buf = b""
        while b"\r\n" not in buf:
            chunk = s.recv(4096)
            if not chunk:
                break
            buf += chunk
        return buf.split(b"\r\n", 1)[0]


def info_text(port, section="", timeout=5.0):
    """The text of INFO [section] (a string), or None on an odd reply."""
    args = ("INFO", section) if section else ("INFO",)
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(encode(*args))
        buf = b""
        while b"\r\n" not in buf:
            chunk = s.recv(65536)
            if not chunk:
                return None
            buf += chunk
        head, rest = buf.split(b"\r\n", 1)
        if not head.startswith(b"$"):
            return None
        want = int(head[1:]) + 2
        while len(rest) < want:
            chunk = s.recv(65536)
            if not chunk:
                break
            rest += chunk
    return rest[:want - 2].decode(errors="replace")


def info_field(port, section, field, timeout=5.0):
    """One field of INFO <section> (a string), or None."""
    text = info_text(port, section, timeout) or ""
    for line in text.splitlines():
        if line.startswith(field + ":"):
            return line.split(":", 1)[1].strip()
    return None


class Server:
    """One server process. `kind` is "ours" or "redis" (only the flags to
    start it differ)."""

    def __init__(self, kind, binary, extra, logdir, core=0, maxclients=None, label=None):
        self.kind = kind
        self.label = label or kind
        self.port = free_port()
        if kind == "redis":
            cmd = [binary, "--port", str(self.port), "--bind", "127.0.0.1",
                   "--save", "", "--appendonly", "no", "--daemonize", "no"]
        else:
            # The same persistence settings as redis gets; `extra` may
            # change them for both (e.g. --appendonly yes).
            cmd = [binary, "--port", str(self.port), "--bind", "127.0.0.1",
                   "--save", "", "--appendonly", "no"]
        if maxclients is not None:
            cmd += ["--maxclients", str(maxclients)]
        cmd += extra
        self.cmd = cmd
        self.log_path = os.path.join(logdir, f"{self.label}-{self.port}.log")
        self.log = open(self.log_path, "wb")
        # Files a server writes (dump.rdb, appendonly.aof) go to the log
        # directory, not the checkout.
        self.proc = subprocess.Popen(pin(cmd, core), stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, cwd=logdir)
        self.pid = self.proc.pid
        _started.append(self)
        self._wait_ready()

    def _wait_ready(self, timeout=10.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                die(f"{self.label} exited with {self.proc.returncode} at start; "
                    f"command: {' '.join(self.cmd)}; log: {self.tail_log()}")
            try:
                if command(self.port, "PING", timeout=1.0) == b"+PONG":
                    return
            except OSError:
                pass
            time.sleep(0.05)
        die(f"{self.label} did not answer PING on port {self.port} within {timeout}s")

    def tail_log(self, n=5):
        try:
            with open(self.log_path, "rb") as f:
                lines = f.read().decode(errors="replace").strip().splitlines()
            return " | ".join(lines[-n:]) or "(empty)"
        except OSError:
            return "(no log)"

    def alive(self):
        return self.proc.poll() is None

    def cpu_seconds(self):
        """CPU time the process has used, user + system, in seconds.
        /proc/PID/schedstat's first field is the same total in nanoseconds
        (the kernel splits it into utime and stime for /proc/PID/stat, which
        rounds to clock ticks: 10 ms, too coarse for a 1 s run at a few
        thousand requests); /proc/PID/stat is the fallback."""
        try:
            with open(f"/proc/{self.pid}/schedstat") as f:
                return int(f.read().split()[0]) / 1e9
        except (OSError, ValueError, IndexError):
            return self.cpu_ticks() / CLK_TCK

    def cpu_ticks(self):
        """utime + stime of the process, in clock ticks (/proc/PID/stat
        fields 14 and 15; the command name in parentheses may hold spaces)."""
        with open(f"/proc/{self.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])

    def rss_bytes(self):
        """VmRSS from /proc/PID/status."""
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        return 0

    def stop(self):
        if self in _started:
            _started.remove(self)
        if self.proc.poll() is None:
            try:
                os.kill(self.pid, signal.SIGTERM)
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.kill(self.pid, signal.SIGKILL)
                self.proc.wait()
            except ProcessLookupError:
                pass
        self.log.close()


def _stop_all():
    for s in list(_started):
        s.stop()


def _on_signal(signum, _frame):
    _stop_all()
    sys.exit(128 + signum)


atexit.register(_stop_all)
signal.signal(signal.SIGTERM, _on_signal)
signal.signal(signal.SIGINT, _on_signal)


def default_ours():
    return os.path.join(REPO, "build", "ringdis-server")


def check_binary(path, what):
    resolved = path if os.path.sep in path else shutil.which(path)
    if not resolved or not os.access(resolved, os.X_OK):
        die(f"{what} not found or not executable: {path}")
    return os.path.abspath(resolved)


def write_load_file(path, keys, value_size):
    """A RESP stream of SET key:<12 digits> <value> for redis-cli --pipe."""
    value = b"v" * value_size
    head = b"*3\r\n$3\r\nSET\r\n$16\r\n"
    tail = b"\r\n$%d\r\n%s\r\n" % (value_size, value)
    with open(path, "wb") as f:
        batch = []
        for i in range(keys):
            batch.append(head + b"key:%012d" % i + tail)
            if len(batch) == 10000:
                f.write(b"".join(batch))
                batch.clear()
        f.write(b"".join(batch))


def machine_line():
    """One line saying where and when the numbers were taken."""
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    load = " ".join(open("/proc/loadavg").read().split()[:3])
    return (f"{time.strftime('%Y-%m-%d %H:%M %Z')}  {os.uname().nodename}  "
            f"{os.cpu_count()} x {model}  load {load}")
