#!/bin/sh
# Personas' `reactions:` are keyed by reaction kind (personas/_shared/reaction-kinds.yaml), no longer
# by the dimension keys of crss-core. This renames the old keys in place; it is idempotent and only
# touches the five two-space-indented keys under `reactions:`, the only place they occur.
#   scripts/rename-reaction-keys.sh personas/*.yaml
set -eu
[ "$#" -gt 0 ] || set -- personas/*.yaml
sed -i -E \
  -e 's/^  pressure:$/  pushed:/' \
  -e 's/^  authority:$/  talked_down:/' \
  -e 's/^  dependency:$/  took_over:/' \
  -e 's/^  boundaries:$/  crossed_line:/' \
  -e 's/^  empathy:$/  heard:/' \
  "$@"
