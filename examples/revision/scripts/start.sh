#!/bin/bash
set -euo pipefail
systemctl enable azi-demo.service
systemctl restart azi-demo.service
