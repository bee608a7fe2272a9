#!/usr/bin/env bash
# CPU time per request of each thread of the mirror engine (and fio's own),
# beside nbdkit's file plugin in the same run: where a request's cost goes,
# which bench/mirror's ratios do not show. This machine's host load moves
# rates by 20-40% between minutes; CPU per request moves far less, so it is
# the figure to compare two builds by (run each a few times, alternating).
#
# Usage: bench/mirror/cpu-per-request.sh [FIO JOB ARGS...]
#   default job: --rw=randread --bs=4k --iodepth=32
# Env: CLI (the tandem CLI to run; default this checkout's dist), LEGS=1 for
# a degraded volume (leg 1 missing), THREADS (--io-threads, default 1),
# RUNTIME_S (default 4), IO_URING (the engine's UV_USE_IO_URING, default 1 as
# the Mirror agent starts it). With io_uring, the kernel's polling thread
# (iou-sqp-PID) and workers (iou-wrk-*) show among the engine's threads;
# workers that ended during the run are not counted.
set -euo pipefail
cd "$(dirname "$0")/../.."
cli=${CLI:-$PWD/dist/src/cli/main.js}
[[ $# -gt 0 ]] || set -- --rw=randread --bs=4k --iodepth=32
dir=$(mktemp -d /tmp/tdm-cpu-per-request.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$dir"
}
trap cleanup EXIT

node "$cli" mirror create "$dir/a.img" "$dir/b.img" --size 256M >/dev/null
[[ ${LEGS:-2} == 1 ]] && mv "$dir/b.img" "$dir/b.away"
truncate -s 256M "$dir/anchor.img"
nbdkit -f -U "$dir/anchor.sock" file "$dir/anchor.img" & pids+=($!)
nbdkit_pid=$!
TANDEM_LOG_LEVEL=error UV_USE_IO_URING=${IO_URING:-1} node "$cli" mirror serve "$dir/a.img" "$dir/b.img" --socket "$dir/mirror.sock" \
  --control "$dir/control.sock" --node bench --io-threads "${THREADS:-1}" & pids+=($!)
engine_pid=$!
for _ in $(seq 100); do [[ -S $dir/control.sock && -S $dir/anchor.sock ]] && break; sleep 0.1; done

# tid:name utime stime (clock ticks) of every thread of a process
threads() { for task in /proc/"$1"/task/*; do echo "${task##*/}:$(tr ' ' _ < "$task/comm") $(awk '{print $14, $15}' "$task/stat")"; done | sort; }

for target in anchor mirror; do
  pid=$engine_pid; [[ $target == anchor ]] && pid=$nbdkit_pid
  threads "$pid" > "$dir/before"
  fio --name=bench --ioengine=nbd --uri="nbd+unix:///?socket=$dir/$target.sock" --size=256M "$@" \
    --time_based --runtime="${RUNTIME_S:-4}" --output-format=json 2>/dev/null | sed -n '/^{/,$p' > "$dir/fio.json"
  threads "$pid" > "$dir/after"
  read -r ios summary < <(python3 - "$dir/fio.json" <<'EOF'
import json, sys
job = json.load(open(sys.argv[1]))["jobs"][0]
ios = job["read"]["total_ios"] + job["write"]["total_ios"]
cpu_us = (job["usr_cpu"] + job["sys_cpu"]) / 100 * job["job_runtime"] * 1000
print(ios, f'{job["read"]["iops"] + job["write"]["iops"]:.0f} IOPS, fio {cpu_us / ios:.2f} us/request')
EOF
)
  echo "$target: $summary"
  # nbdkit's connection threads end with the connection: only the engine's show here.
  join "$dir/before" "$dir/after" | awk -v ios="$ios" -v hz="$(getconf CLK_TCK)" '{
    user = ($4 - $2) / hz * 1e6 / ios; sys = ($5 - $3) / hz * 1e6 / ios;
    if (user + sys >= 0.5) printf "  %-24s user %6.2f  sys %6.2f us/request\n", $1, user, sys }'
done
