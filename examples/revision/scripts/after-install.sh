#!/bin/bash
# Picks up a changed unit file.
set -euo pipefail
systemctl daemon-reload
