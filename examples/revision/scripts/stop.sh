#!/bin/bash
# Stops the service before the new files are copied. A host that never ran it has nothing to stop.
systemctl stop azi-demo.service || true
