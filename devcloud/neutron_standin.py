"""A stand-in for the few Neutron queries Nova makes when there is no Neutron.

Nova asks Neutron for ports and security groups on every server read and
answers 500 when it cannot reach it.  This answers every GET collection with an
empty list, GET /v2.0/extensions with no extensions, and refuses writes.  It is
reached only through nova's [neutron] endpoint_override: it is NOT in the
Keystone catalog, so Horizon never sees a network service.  It does not check
tokens; it listens on 127.0.0.1 only.
"""

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    server_version = "devcloud-neutron-standin/1"
    protocol_version = "HTTP/1.1"

    def _send(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        path = self.path.split("?", 1)[0].rstrip("/")
        parts = [p for p in path.split("/") if p]
        if not parts:
            return self._send(200, {"versions": [{"id": "v2.0", "status": "CURRENT", "links": []}]})
        if parts[0] == "v2.0":
            parts = parts[1:]
        if not parts:
            return self._send(200, {"resources": []})
        if parts == ["extensions"]:
            return self._send(200, {"extensions": []})
        if len(parts) == 1:
            return self._send(200, {parts[0].replace("-", "_"): []})
        return self._send(
            404, {"NeutronError": {"type": "NotFound", "message": "%s not found" % parts[-1]}}
        )

    def _refuse(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self._send(
            404, {"NeutronError": {"type": "NotFound", "message": "no networking in the devcloud"}}
        )

    do_POST = do_PUT = do_DELETE = do_PATCH = _refuse

    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (self.log_date_time_string(), fmt % args))
        sys.stderr.flush()


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 9696
    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


if __name__ == "__main__":
    main()
