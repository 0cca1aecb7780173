#!/bin/sh
# Daily maintenance for Packrat, in the spirit of Arkime's old daily.sh. Run it from cron, e.g.
#   /etc/cron.d/packrat:   0 1 * * *  packrat  /opt/packrat/etc/daily.sh >> /var/log/packrat/daily.log 2>&1
# It works on both stores: with elasticsearch= in the config it expires and force-merges
# indices (and history older than 13 weeks); without it, partitions of the embedded store.
set -eu

PACKRAT=${PACKRAT:-/opt/packrat/bin/packrat}
CONFIG=${CONFIG:-/opt/packrat/etc/config.ini}
# Must match rotateIndex in the config: hourly, hourlyN, daily, weekly or monthly.
ROTATE=${ROTATE:-daily}
# How many periods of sessions to keep besides the current one.
KEEP=${KEEP:-30}

date -u +"%Y-%m-%dT%H:%M:%SZ packrat daily maintenance"
"$PACKRAT" db -c "$CONFIG" expire "$ROTATE" "$KEEP"
# The embedded store merges small segments itself; optimize makes one segment per partition.
"$PACKRAT" db -c "$CONFIG" optimize
"$PACKRAT" db -c "$CONFIG" info | tail -n 1
