#!/usr/bin/env python3
"""A fake HuggingFace Hub for the download tests (Python 3 standard library only).

Serves every ORG/NAME folder under --root as a model repository, on 127.0.0.1 only:
  GET /api/models/ORG/NAME/revision/REV   {"id", "sha", "siblings": [{"rfilename", "size"}]}
  GET /ORG/NAME/resolve/REV/FILE          the file, with X-Repo-Commit, X-Linked-Etag (sha256)
                                          and X-Linked-Size for weights, ETag, Range/206/416
  HEAD on any of these                    the same status and headers, no body (what
                                          huggingface_hub asks before a download)
A second server (the "CDN") on another port serves /cdn/ORG/NAME/FILE when redirects are on.
REV may be "main" or the repository's commit (sha1 of its name).

Misbehaviour is switched by the JSON --control file, re-read on every request; the per-switch
counters restart whenever its content changes:
  require_token: "T"          401 unless "Authorization: Bearer T" (hub only, not the CDN)
  redirect: true              resolve answers 302 to the CDN port
  redirect: "relative"        resolve answers 307 to a relative URL on the hub itself (?hop=1)
  drop_after: {"file", "bytes", "times"}   send N bytes of the body then cut the connection
  stall: {"file", "seconds", "times"}      send the headers, then nothing for a while
  fail: {"file", "status", "times"}        answer with that status the first times
  lie_size: {"file", "size"}               announce a wrong X-Linked-Size
  wrong_sha: ["file", ...]                 announce a wrong sha256 in X-Linked-Etag
  missing: ["file", ...]                   listed by the API but 404 on resolve
  short_body: {"file", "extra", "times"}   announce Content-Length + extra, send less, hang up
Every request is appended to --log as one JSON line:
  {"server", "path", "range", "auth", "status", "method"}
The first line on stdout is "PORTS <hub> <cdn>". Exits when its parent process goes away.
"""
import argparse
import hashlib
import http.server
import json
import os
import socket
import sys
import threading
import time
import urllib.parse

LOCK = threading.Lock()
STATE = {"control_text": None, "control": {}, "used": {}}


def control():
    try:
        with open(ARGS.control, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        text = ""
    with LOCK:
        if text != STATE["control_text"]:
            STATE["control_text"] = text
            STATE["control"] = json.loads(text) if text.strip() else {}
            STATE["used"] = {}
        return STATE["control"]


def take(switch, file):
    """True (and counts one use) when `switch` applies to `file` and has uses left."""
    spec = control().get(switch)
    if not spec or spec.get("file") != file:
        return None
    with LOCK:
        used = STATE["used"].get(switch, 0)
        if used >= spec.get("times", 1):
            return None
        STATE["used"][switch] = used + 1
    return spec


def commit_of(repo):
    return hashlib.sha1(repo.encode()).hexdigest()


def repo_files(repo_dir):
    out = []
    for dirpath, _, names in os.walk(repo_dir):
        for n in names:
            full = os.path.join(dirpath, n)
            out.append(os.path.relpath(full, repo_dir))
    return sorted(out)


def is_weights(name):
    return name.endswith(".bin") or name.endswith(".safetensors")


def git_blob_sha1(data):
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_name_tag = "hub"
    head_only = False

    def write_body(self, data):
        if not self.head_only:
            self.wfile.write(data)

    def log_message(self, *args):
        pass

    def record(self, status):
        entry = {
            "server": self.server_name_tag,
            "path": self.path,
            "range": self.headers.get("Range"),
            "auth": self.headers.get("Authorization"),
            "status": status,
            "method": self.command,
        }
        with LOCK:
            with open(ARGS.log, "a", encoding="utf-8") as f:
                f.write(json.dumps(entry) + "\n")

    def send_simple(self, status, body=b"", headers=None):
        self.record(status)
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.write_body(body)

    def not_found(self, code, message):
        body = json.dumps({"error": message}).encode()
        self.send_simple(404, body, {"X-Error-Code": code, "Content-Type": "application/json"})

    def repo_dir(self, repo):
        d = os.path.realpath(os.path.join(ARGS.root, repo))
        root = os.path.realpath(ARGS.root)
        if not d.startswith(root + os.sep) or repo.count("/") != 1 or not os.path.isdir(d):
            return None
        return d

    def do_HEAD(self):
        self.head_only = True
        self.answer()

    def do_GET(self):
        self.head_only = False
        self.answer()

    def answer(self):
        path = urllib.parse.urlsplit(self.path).path
        parts = [urllib.parse.unquote(p) for p in path.split("/")[1:]]
        if self.server_name_tag == "cdn":
            if len(parts) >= 4 and parts[0] == "cdn":
                return self.serve_file("/".join(parts[1:3]), "/".join(parts[3:]), cdn=True)
            return self.not_found("EntryNotFound", "no such CDN path")
        token = control().get("require_token")
        if token and self.headers.get("Authorization") != "Bearer " + token:
            return self.send_simple(401, b'{"error":"Invalid credentials"}')
        if len(parts) == 6 and parts[0] == "api" and parts[1] == "models" and parts[4] == "revision":
            return self.serve_api("/".join(parts[2:4]), parts[5])
        if len(parts) >= 5 and parts[2] == "resolve":
            repo = "/".join(parts[0:2])
            if self.check_repo_rev(repo, parts[3]):
                return self.serve_file(repo, "/".join(parts[4:]), cdn=False)
            return None
        return self.not_found("EntryNotFound", "unknown path")

    def check_repo_rev(self, repo, rev):
        if self.repo_dir(repo) is None:
            self.not_found("RepoNotFound", "Repository not found")
            return False
        if rev not in ("main", commit_of(repo)):
            self.not_found("RevisionNotFound", "Invalid rev id: " + rev)
            return False
        return True

    def serve_api(self, repo, rev):
        if not self.check_repo_rev(repo, rev):
            return
        d = self.repo_dir(repo)
        siblings = [{"rfilename": f, "size": os.path.getsize(os.path.join(d, f))}
                    for f in repo_files(d)]
        body = json.dumps({"id": repo, "sha": commit_of(repo), "siblings": siblings}).encode()
        self.send_simple(200, body, {"Content-Type": "application/json"})

    def serve_file(self, repo, name, cdn):
        d = self.repo_dir(repo)
        full = os.path.realpath(os.path.join(d, name)) if d else ""
        if (not d or not full.startswith(d + os.sep) or not os.path.isfile(full)
                or name in control().get("missing", [])):
            return self.not_found("EntryNotFound", "Entry not found")
        with open(full, "rb") as f:
            data = f.read()
        headers = {"ETag": '"%s"' % git_blob_sha1(data), "Accept-Ranges": "bytes"}
        if not cdn:
            headers["X-Repo-Commit"] = commit_of(repo)
            if is_weights(name):
                sha = hashlib.sha256(data).hexdigest()
                if name in control().get("wrong_sha", []):
                    sha = hashlib.sha256(data + b"x").hexdigest()
                size = len(data)
                lie = control().get("lie_size")
                if lie and lie.get("file") == name:
                    size = lie["size"]
                headers["X-Linked-Etag"] = '"%s"' % sha
                headers["X-Linked-Size"] = str(size)
                headers["ETag"] = '"%s"' % sha
            fail = take("fail", name)
            if fail:
                return self.send_simple(fail.get("status", 503), b"try again later")
            redirect = control().get("redirect")
            if redirect == "relative" and "hop=1" not in self.path:
                headers["Location"] = urllib.parse.urlsplit(self.path).path + "?hop=1"
                return self.send_simple(307, b"", headers)
            if redirect is True:
                location = "http://127.0.0.1:%d/cdn/%s/%s" % (CDN_PORT, repo, urllib.parse.quote(name))
                headers["Location"] = location
                return self.send_simple(302, b"", headers)
        self.send_data(data, name, headers)

    def send_data(self, data, name, headers):
        start = 0
        status = 200
        rng = self.headers.get("Range")
        if rng:
            spec = rng.strip()
            if not spec.startswith("bytes=") or "," in spec:
                return self.send_simple(400, b"bad range")
            first, _, last = spec[6:].partition("-")
            start = int(first)
            end = int(last) if last else len(data) - 1
            if start >= len(data):
                headers["Content-Range"] = "bytes */%d" % len(data)
                return self.send_simple(416, b"", headers)
            total = len(data)
            data = data[start:end + 1]
            headers["Content-Range"] = "bytes %d-%d/%d" % (start, start + len(data) - 1, total)
            status = 206
        self.record(status)
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        short = take("short_body", name)
        self.send_header("Content-Length", str(len(data) + (short["extra"] if short else 0)))
        self.end_headers()
        if self.head_only:
            return
        if short:
            self.wfile.write(data)
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return
        stall = take("stall", name)
        if stall:
            time.sleep(stall.get("seconds", 3))
        drop = take("drop_after", name)
        if drop:
            self.wfile.write(data[:drop["bytes"]])
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return
        self.wfile.write(data)


class CdnHandler(Handler):
    server_name_tag = "cdn"


class QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # Clients that hang up early (disk full, aborted transfers) are part of the tests.
        if not isinstance(sys.exc_info()[1], (ConnectionError, BrokenPipeError)):
            super().handle_error(request, client_address)


def watch_parent(parent):
    while True:
        if os.getppid() != parent:
            os._exit(0)
        time.sleep(0.5)


def main():
    global ARGS, CDN_PORT
    p = argparse.ArgumentParser()
    p.add_argument("--root", required=True)
    p.add_argument("--control", required=True)
    p.add_argument("--log", required=True)
    ARGS = p.parse_args()
    hub = QuietServer(("127.0.0.1", 0), Handler)
    cdn = QuietServer(("127.0.0.1", 0), CdnHandler)
    CDN_PORT = cdn.server_address[1]
    threading.Thread(target=cdn.serve_forever, daemon=True).start()
    threading.Thread(target=watch_parent, args=(os.getppid(),), daemon=True).start()
    print("PORTS %d %d" % (hub.server_address[1], CDN_PORT), flush=True)
    hub.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
