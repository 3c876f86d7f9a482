/**
 * The host side of the run-time client: a Python 3 program (every cloud-init image has Python 3)
 * that the client sends over SSH with each request and runs as root. It changes one pool under
 * two host-side `flock(2)` locks (the same lock the util-linux `flock` command takes, and the
 * one webfarm's Terraform install script takes):
 *
 * - `<lockDir>/pool-<daemon>-<pool>.lock`, held for the whole call, so two writers of one pool
 *   never read the same old list (no lost update) while writers of other pools go on;
 * - `<lockDir>/<daemon>.lock`, held only while a file is read, written, checked and loaded
 *   (nginx `-t` reads every pool file, so two pools' writes must not interleave with a check).
 *
 * nginx: the pool file is rewritten (atomically, by rename), `nginx -t` runs, and on success the
 * reload command; on failure the previous file is put back and the error returned.
 * HAProxy: servers are added (`add server`, `enable health`, `set server … state ready`),
 * drained (`state drain` until no session is left, bounded), put in maintenance and removed
 * (`del server`) through the runtime API socket, and the pool file is rewritten (and checked
 * with `haproxy -c`) so that the next reload or restart keeps them. HAProxy is never reloaded
 * for a node change.
 *
 * The request is JSON on standard input; the answer is one JSON line on standard output.
 */
export const AGENT_SOURCE = String.raw`
import errno, fcntl, ipaddress, json, os, re, socket, subprocess, sys, time

R = REQUEST
OUT = {"ok": True, "changed": False, "log": []}

class Refused(Exception):
    pass

def log(text):
    OUT["log"].append(text)

def canonical(addr):
    m = re.match(r"^\[([^\]]+)\]:([0-9]+)$", addr)
    if m:
        try:
            return "[" + ipaddress.IPv6Address(m.group(1)).compressed + "]:" + str(int(m.group(2)))
        except ValueError:
            return addr.lower()
    m = re.match(r"^([^:]+):([0-9]+)$", addr)
    if m:
        return m.group(1).lower() + ":" + str(int(m.group(2)))
    return addr.lower()

class Lock:
    def __init__(self, name, seconds):
        os.makedirs(R["lockDir"], mode=0o755, exist_ok=True)
        self.path = os.path.join(R["lockDir"], name)
        self.seconds = seconds
    def __enter__(self):
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.time() + self.seconds
        while True:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return self
            except OSError as e:
                if e.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.time() > deadline:
                    os.close(self.fd)
                    raise Refused("another change has held " + self.path + " for " + str(self.seconds) + " s; nothing changed")
                time.sleep(0.02)
    def __exit__(self, *exc):
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)

def sh(command, what):
    p = subprocess.run(["/bin/sh", "-c", command], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
    return p.returncode, p.stdout.decode("utf-8", "replace").strip()

def read(path):
    try:
        with open(path, "r", encoding="utf-8") as f:
            return f.read()
    except FileNotFoundError:
        return None

def write(path, text, like):
    d = os.path.dirname(path)
    os.makedirs(d, mode=0o755, exist_ok=True)
    tmp = os.path.join(d, "." + os.path.basename(path) + ".webfarm-tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    if like is not None:
        st = os.stat(like)
        os.chmod(tmp, st.st_mode & 0o7777)
        os.chown(tmp, st.st_uid, st.st_gid)
    else:
        os.chmod(tmp, 0o644)
    os.rename(tmp, path)

def restore(path, old):
    if old is None:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
    else:
        write(path, old, path)

SERVER = re.compile(r"^(\s*)server\s+(.*?)\s*;\s*(#.*)?$")
PLACEHOLDER = "127.0.0.1:9"

def nginx_nodes(text):
    nodes = []
    for line in text.split("\n"):
        m = SERVER.match(line)
        if m:
            words = m.group(2).split()
            if words and not (words[0] == PLACEHOLDER and "down" in words[1:]):
                nodes.append(canonical(words[0]))
    return nodes

def nginx_options(text):
    m = re.search(r"^\s*# webfarm:server-options(.*)$", text, re.M)
    if m:
        return m.group(1).split()
    for line in text.split("\n"):
        s = SERVER.match(line)
        if s:
            words = s.group(2).split()
            if words and words[0] != PLACEHOLDER:
                return [w for w in words[1:] if not w.startswith("weight=") and w != "backup"]
    return []

def nginx_new_file():
    zone = "webfarm_http_" + re.sub(r"[^A-Za-z0-9_]", "_", R["pool"])
    return ("# Pool '" + R["pool"] + "', created at run time by webfarm (one file per pool).\n"
            "upstream " + R["pool"] + " {\n    zone " + zone + " 64k;\n}\n")

def nginx_edit(text, add, remove):
    lines = text.rstrip("\n").split("\n")
    options = nginx_options(text)
    kept = []
    indent = "    "
    for line in lines:
        m = SERVER.match(line)
        if m:
            indent = m.group(1)
            words = m.group(2).split()
            if words and words[0] == PLACEHOLDER and "down" in words[1:]:
                continue
            if words and canonical(words[0]) in remove:
                continue
        if line.strip() == "# No nodes yet: requests get 502 until some are added.":
            continue
        kept.append(line)
    close = max(i for i, l in enumerate(kept) if l.strip() == "}")
    last = close
    for i, l in enumerate(kept):
        if SERVER.match(l) and i < close:
            last = i + 1
    new = [indent + "server " + " ".join([n] + options) + ";" for n in add]
    kept[last:last] = new
    if not any(SERVER.match(l) for l in kept):
        kept[close:close] = [indent + "# No nodes yet: requests get 502 until some are added.",
                             indent + "server " + PLACEHOLDER + " down;"]
    return "\n".join(kept) + "\n"

def nginx_change(add_nodes, remove_nodes):
    path = R["poolFile"]
    with Lock(R["daemon"] + ".lock", R["lockSeconds"]):
        old = read(path)
        if old is None:
            if not add_nodes:
                return []
            if not R.get("create"):
                raise Refused("pool file " + path + " does not exist and this balancer does not create pools; declare the pool in the stack (runtimeManaged: true)")
            base = nginx_new_file()
        else:
            base = old
        present = nginx_nodes(base)
        add = [n for n in add_nodes if n not in present]
        remove = set(n for n in remove_nodes if n in present)
        if old is not None and not add and not remove:
            return present
        text = nginx_edit(base, add, remove)
        write(path, text, path if old is not None else None)
        code, output = sh(R["check"], "check")
        if code != 0:
            restore(path, old)
            raise Refused("the check (" + R["check"] + ") rejected the new pool file; the previous file is back in place and nginx was not reloaded: " + output)
        code, output = sh(R["reload"], "reload")
        if code != 0:
            restore(path, old)
            sh(R["check"], "check")
            raise Refused("the reload (" + R["reload"] + ") failed; the previous pool file is back in place: " + output)
        OUT["changed"] = True
        log("nginx: " + path + " written, checked and reloaded")
        return nginx_nodes(text)

# --- HAProxy -------------------------------------------------------------------------------

HSERVER = re.compile(r"^\s*server\s+(\S+)\s+(\S+)(.*)$")

def api(command):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    try:
        s.connect(R["socket"])
    except OSError as e:
        raise Refused("cannot reach the HAProxy runtime API at " + R["socket"] + ": " + str(e))
    s.sendall((command + "\n").encode())
    out = b""
    while True:
        d = s.recv(65536)
        if not d:
            break
        out += d
    s.close()
    return out.decode("utf-8", "replace").strip()

def haproxy_servers(text):
    found = []
    for line in text.split("\n"):
        m = HSERVER.match(line)
        if m:
            found.append((m.group(1), canonical(m.group(2))))
    return found

def haproxy_options(text):
    opts = []
    for line in text.split("\n"):
        w = line.split()
        if w[:1] == ["default-server"]:
            opts = w[1:]
    cookie = any(line.split()[:1] == ["cookie"] for line in text.split("\n"))
    return opts, cookie

def haproxy_new_file():
    return ("# Pool '" + R["pool"] + "', created at run time by webfarm (one file per pool).\n"
            "backend " + R["pool"] + "\n    balance roundrobin\n")

def check_file(path, old, text):
    write(path, text, path if old is not None else None)
    code, output = sh(R["check"], "check")
    if code != 0:
        restore(path, old)
        raise Refused("the check (" + R["check"] + ") rejected the new pool file; the previous file is back in place: " + output)

def server_state(name):
    out = api("show stat " + R["pool"] + " 4 -1")
    lines = out.split("\n")
    if not lines or not lines[0].startswith("# "):
        return None
    head = lines[0][2:].split(",")
    for line in lines[1:]:
        cols = line.split(",")
        if len(cols) > 4 and cols[0] == R["pool"] and cols[1] == name:
            return dict(zip(head, cols))
    return None

def haproxy_add(nodes):
    path = R["poolFile"]
    with Lock(R["daemon"] + ".lock", R["lockSeconds"]):
        old = read(path)
        if old is None:
            if not R.get("create"):
                raise Refused("pool file " + path + " does not exist; HAProxy cannot create a backend without a reload: declare the pool in the stack (runtimeManaged: true)")
            base = haproxy_new_file()
        else:
            base = old
        present = dict((a, n) for n, a in haproxy_servers(base))
        add = [n for n in nodes if n["node"] not in present]
        if old is not None and not add:
            return [a for _, a in haproxy_servers(base)]
        opts, cookie = haproxy_options(base)
        lines = base.rstrip("\n").split("\n")
        for n in add:
            lines.append("    server " + " ".join([n["name"], n["node"]] + (["cookie", n["name"]] if cookie else [])))
        text = "\n".join(lines) + "\n"
        check_file(path, old, text)
        if old is None:
            code, output = sh(R["reload"], "reload")
            if code != 0:
                restore(path, old)
                raise Refused("creating backend " + R["pool"] + " needs a reload, and the reload (" + R["reload"] + ") failed: " + output)
            OUT["changed"] = True
            log("haproxy: backend " + R["pool"] + " created in " + path + " and loaded by a reload")
            return [a for _, a in haproxy_servers(text)]
        added = []
        try:
            for n in add:
                args = [n["node"]] + opts + (["cookie", n["name"]] if cookie else [])
                answer = api("add server " + R["pool"] + "/" + n["name"] + " " + " ".join(args))
                if "New server registered" not in answer and "Already exists" not in answer:
                    raise Refused("HAProxy refused 'add server " + R["pool"] + "/" + n["name"] + "': " + answer)
                added.append(n["name"])
                if "check" in opts:
                    api("enable health " + R["pool"] + "/" + n["name"])
                answer = api("set server " + R["pool"] + "/" + n["name"] + " state ready")
                if answer:
                    raise Refused("HAProxy refused 'set server " + R["pool"] + "/" + n["name"] + " state ready': " + answer)
        except Exception:
            for name in added:
                api("set server " + R["pool"] + "/" + name + " state maint")
                api("del server " + R["pool"] + "/" + name)
            restore(path, old)
            raise
        OUT["changed"] = True
        log("haproxy: added " + ", ".join(added) + " through the runtime API (no reload); " + path + " updated")
        return [a for _, a in haproxy_servers(text)]

def haproxy_delete(nodes):
    path = R["poolFile"]
    old = read(path)
    if old is None:
        return []
    present = dict((a, n) for n, a in haproxy_servers(old))
    gone = [(present.get(n["node"], n["name"]), n["node"]) for n in nodes]
    for name, node in gone:
        state = server_state(name)
        if state is None:
            continue
        api("set server " + R["pool"] + "/" + name + " state drain")
        deadline = time.time() + R["drainSeconds"]
        while time.time() < deadline:
            state = server_state(name)
            if state is None or state.get("scur", "0") in ("0", ""):
                break
            time.sleep(0.05)
        api("set server " + R["pool"] + "/" + name + " state maint")
        state = server_state(name)
        if state is not None and state.get("scur", "0") not in ("0", ""):
            log("haproxy: " + name + " still had sessions after " + str(R["drainSeconds"]) + " s of draining; they were shut down")
            api("shutdown sessions server " + R["pool"] + "/" + name)
        deadline = time.time() + 10
        while True:
            answer = api("del server " + R["pool"] + "/" + name)
            if "Server deleted" in answer or "No such server" in answer:
                break
            if time.time() > deadline:
                raise Refused("HAProxy refused 'del server " + R["pool"] + "/" + name + "': " + answer + " (the server is in maintenance: it gets no traffic; repeat the delete)")
            time.sleep(0.1)
        OUT["changed"] = True
        log("haproxy: drained and removed " + name + " through the runtime API (no reload)")
    with Lock(R["daemon"] + ".lock", R["lockSeconds"]):
        old = read(path)
        drop = set(node for _, node in gone)
        lines = [l for l in old.rstrip("\n").split("\n") if not (HSERVER.match(l) and canonical(HSERVER.match(l).group(2)) in drop)]
        text = "\n".join(lines) + "\n"
        if text != old:
            check_file(path, old, text)
            OUT["changed"] = True
        return [a for _, a in haproxy_servers(text)]

def main():
    names = [n["node"] for n in R["nodes"]]
    if R["op"] == "get":
        text = read(R["poolFile"])
        if text is None:
            return []
        return nginx_nodes(text) if R["daemon"] == "nginx" else [a for _, a in haproxy_servers(text)]
    with Lock("pool-" + R["daemon"] + "-" + R["pool"] + ".lock", R["lockSeconds"]):
        if R["daemon"] == "nginx":
            return nginx_change(names if R["op"] == "add" else [], names if R["op"] == "delete" else [])
        if R["op"] == "add":
            return haproxy_add(R["nodes"])
        return haproxy_delete(R["nodes"])

try:
    OUT["nodes"] = main()
except Refused as e:
    OUT = {"ok": False, "changed": OUT["changed"], "error": str(e), "log": OUT["log"]}
except Exception as e:
    OUT = {"ok": False, "changed": OUT["changed"], "error": type(e).__name__ + ": " + str(e), "log": OUT["log"]}
sys.stdout.write(json.dumps(OUT) + "\n")
`;

/** The request the client sends with the agent. */
export interface AgentRequest {
  /** The call. */
  readonly op: 'get' | 'add' | 'delete';
  /** The daemon. */
  readonly daemon: 'nginx' | 'haproxy';
  /** The pool. */
  readonly pool: string;
  /** The nodes (canonical), with their HAProxy server names. */
  readonly nodes: ReadonlyArray<{ readonly node: string; readonly name: string }>;
  /** The pool's file on the host. */
  readonly poolFile: string;
  /** The folder of the lock files. */
  readonly lockDir: string;
  /** Seconds to wait for a lock before giving up (nothing changed). */
  readonly lockSeconds: number;
  /** Whether a missing pool may be created. */
  readonly create: boolean;
  /** The check command (`nginx -t`, `haproxy -c -f … -f …`). */
  readonly check: string;
  /** The reload command (nginx after every change; HAProxy only to create a backend). */
  readonly reload: string;
  /** HAProxy: the runtime API socket. */
  readonly socket: string;
  /** HAProxy: how long a removed server may drain before its sessions are shut. */
  readonly drainSeconds: number;
}

/** The agent's answer. */
export interface AgentAnswer {
  /** Whether the call succeeded. */
  readonly ok: boolean;
  /** Whether the host changed. */
  readonly changed: boolean;
  /** The pool's nodes after the call. */
  readonly nodes?: string[];
  /** Why it failed. */
  readonly error?: string;
  /** What was done. */
  readonly log: string[];
}

/**
 * The remote command: reads `{agent, request}` as JSON from standard input and runs the agent,
 * as root (through `sudo -n` for another login user).
 */
export function agentCommand(): string {
  const python = `python3 -c 'import json,sys; m=json.load(sys.stdin); exec(m["agent"], {"REQUEST": m["request"], "__name__": "webfarm_agent"})'`;
  return `if [ "$(id -u)" -eq 0 ]; then ${python}; else sudo -n ${python}; fi`;
}
