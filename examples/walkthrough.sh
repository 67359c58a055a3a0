#!/usr/bin/env bash
# The step-by-step walkthrough of examples/README.md, as one script: a small election by hand
# with the CLIs, against a board, a witness and a monitor started here. Every ```sh block of
# examples/README.md appears verbatim in this file (tests/examples-walkthrough.test.ts checks it
# and runs this script).
#
#   examples/walkthrough.sh [WORKDIR]      (default /tmp/urna; it must not exist yet)
#
# Environment: BOARD_PORT (default 8731), WITNESS_PORT (default 8732). Needs bash, curl, node
# and a built clone (npm ci). Exit status: 0 when every step and every check passed.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
W=${1:-/tmp/urna}
BOARD_PORT=${BOARD_PORT:-8731}
WITNESS_PORT=${WITNESS_PORT:-8732}
if [ -e "$W" ]; then
  echo "walkthrough: $W already exists; give another folder" >&2
  exit 2
fi
# The board, the witness and the monitor run in the background here (each in its own terminal
# when done by hand); they are stopped on exit.
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true' EXIT
step() { printf '\n== [%s s] %s\n' "$SECONDS" "$*" >&2; }
wait_for() { # wait_for URL: until something answers HTTP there (at most 30 s)
  for _ in $(seq 150); do curl -s -o /dev/null "$1" && return 0; sleep 0.2; done
  echo "walkthrough: $1 did not answer" >&2
  return 1
}

step "0. the CLIs of this clone on the PATH"
export PATH="$ROOT/node_modules/.bin:$PATH"
mkdir -p "$W" && cd "$W"

step "1. start a board"
urna board serve --data board --port $BOARD_PORT --name urna.ejemplo.mx > board.out 2> board.log &
BOARD_PID=$!
B=http://127.0.0.1:$BOARD_PORT E=mx-2024-ejemplo
wait_for $B/

step "2. keys"
mkdir -p keys
AK=$(urna authority keygen --out keys/authority.json)
urna registrar keygen --out keys/registrar.json
for i in 1 2 3 4 5; do urna custodian keygen --name "Custodio $i" --out keys/custodian-$i.json; done

step "3. the manifest"
tsx "$ROOT/examples/small-manifest.ts" keys > manifest.json
urna authority create --board $B --manifest manifest.json --key keys/authority.json

step "4. a witness, and the trust file"
VK=$(curl -s $B/elections/$E/status | node -p 'JSON.parse(require("fs").readFileSync(0)).vkey')
urna-verify witness --data witness --port $WITNESS_PORT --name witness.ejemplo.mx/w1 --log "$VK" > witness.vkey 2> witness.log &
wait_for http://127.0.0.1:$WITNESS_PORT/
WK=$(head -n 1 witness.vkey)
kill $BOARD_PID && wait $BOARD_PID || true
urna board serve --data board --port $BOARD_PORT --name urna.ejemplo.mx \
  --witness "http://127.0.0.1:$WITNESS_PORT=$WK" --quorum 1 > board.out 2> board.log &
BOARD_PID=$!
wait_for $B/
node -e 'const [election, vkey, w, authority] = process.argv.slice(1);
  console.log(JSON.stringify({ version: 1, election, board: { vkey }, authority,
    witnesses: [{ vkey: w }], quorum: 1 }, null, 2))' "$E" "$VK" "$WK" "$AK" > trust.json

step "5. a monitor"
urna-verify watch --board $B --election $E --trust trust.json --state monitor --interval 1 > monitor.log 2>&1 &
MONITOR_PID=$!

step "6. credentials and the key ceremony"
urna registrar credentials --board $B --election $E --key keys/registrar.json \
  --count 6 --styles ent-09,ent-14 --out credentials
for i in 1 2 3 4 5; do urna custodian round1 --board $B --election $E --key keys/custodian-$i.json; done
for i in 1 2 3 4 5; do urna custodian certify --board $B --election $E \
  --key keys/custodian-$i.json --state keys/custodian-$i.state.json; done
urna authority key --board $B --election $E --key keys/authority.json

step "7. vote"
urna authority open --board $B --election $E --key keys/authority.json
urna voter cast --board $B --credential credentials/credential-000000.json \
  --choices '{"presidencia":["pvem-pt-morena"],"senaduria-09":["morena"]}' --receipt r0.json --challenge-first
urna voter cast --board $B --credential credentials/credential-000001.json \
  --choices '{"presidencia":["pan-pri-prd"],"senaduria-14":["mc"],"gubernatura-14":["mc"]}' --receipt r1.json
urna voter cast --board $B --credential credentials/credential-000002.json \
  --choices '{"presidencia":["mc"],"senaduria-09":["pan-pri-prd"]}' --receipt r2.json
urna authority close --board $B --election $E --key keys/authority.json

step "8. tally and result"
urna authority tally --board $B --election $E --key keys/authority.json
for i in 1 3 5; do urna custodian share --board $B --election $E --trust trust.json \
  --key keys/custodian-$i.json --state keys/custodian-$i.state.json; done
urna authority result --board $B --election $E --key keys/authority.json --max-votes 1000

step "9. audit"
until curl -s $B/elections/$E/checkpoint | grep -q "witness.ejemplo.mx/w1"; do sleep 0.5; done
urna-verify election --board $B --election $E --trust trust.json --report-html report.html
urna-verify receipt r1.json --board $B --election $E --trust trust.json
curl -s $B/elections/$E/record | (mkdir -p record && tar -x -C record)
urna-verify election --record record --trust trust.json --json > report.json
urna-verify watch --board $B --election $E --trust trust.json --once

step "10. the monitor saw no alert (it stops at the first one)"
if ! kill $MONITOR_PID 2>/dev/null; then
  cat monitor.log >&2
  echo "walkthrough: the monitor stopped" >&2
  exit 1
fi
node -e 'const r = JSON.parse(require("fs").readFileSync("report.json", "utf8"));
  if (!r.ok) { console.error("the report does not pass"); process.exit(1); }'
echo "walkthrough: the election ran and verified; files in $W"
