#!/usr/bin/env python3
"""A tiny HTTP service for the cdk-azi reference stack.

Answers every GET with 200 and the Availability Zone of the instance, so a request through the
load balancer (or a zonal DNS name) shows which zone served it. Set FAIL_RATE (0..1) in
/etc/azi-demo.env to make it answer 500 to that share of requests, for trying the alarms.
"""
import http.server
import os
import random
import urllib.request

VERSION = "1"


def imds(path):
    token_request = urllib.request.Request(
        "http://169.254.169.254/latest/api/token",
        method="PUT",
        headers={"X-aws-ec2-metadata-token-ttl-seconds": "300"},
    )
    token = urllib.request.urlopen(token_request, timeout=2).read().decode()
    request = urllib.request.Request(
        "http://169.254.169.254/latest/meta-data/" + path,
        headers={"X-aws-ec2-metadata-token": token},
    )
    return urllib.request.urlopen(request, timeout=2).read().decode()


try:
    ZONE = imds("placement/availability-zone")
except OSError:
    ZONE = "unknown"
FAIL_RATE = float(os.environ.get("FAIL_RATE", "0"))


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        failing = random.random() < FAIL_RATE
        body = f"zone={ZONE} version={VERSION}\n".encode()
        self.send_response(500 if failing else 200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(("", 80), Handler).serve_forever()
