# shellcheck shell=bash
# Shared by the tests that run one hyperflow instance on vdevs (reload,
# flood; sourced): the checks that skip, telemetry through the stock
# dpdk-telemetry.py, and a reload that waits for its outcome. The test sets
# prefix (the instance's --file-prefix) and pid (its process) before it
# calls tel or reload.

# instance_need BUILD [TOOL...]: skip (77) unless hyperflow (and each TOOL,
# e.g. hf-pcapgen) is built and the telemetry client, two CPUs and root are
# there; sets HF, GEN (BUILD/hf-pcapgen) and TEL.
instance_need() {
	local b=$1 t

	shift
	HF=$b/hyperflow
	GEN=$b/hf-pcapgen
	TEL=$(command -v dpdk-telemetry.py || true)
	for t in hyperflow "$@"; do
		[ -x "$b/$t" ] || { echo "SKIP: $b/$t not built"; exit 77; }
	done
	[ -n "$TEL" ] || { echo "SKIP: dpdk-telemetry.py not found (package dpdk)"; exit 77; }
	[ "$(nproc)" -ge 2 ] || { echo "SKIP: needs 2 CPUs"; exit 77; }
	[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root for DPDK"; exit 77; }
}

# tel COMMAND: the reply on one line, or nothing while the instance does not answer
tel() { echo "$1" | "$TEL" -f "$prefix" 2>/dev/null | tail -n 1 | grep '^{'; }
# jget JSON PYEXPR: evaluate PYEXPR with d = the command's reply
jget() { python3 -c "import json,sys; d=list(json.loads(sys.argv[1]).values())[0]; print($2)" "$1"; }
# attempts_now: the reload attempt count, or nothing if telemetry did not
# answer this time (a slow or busy instance)
attempts_now() {
	local n
	n=$(jget "$(tel /hyperflow/config)" "d['reload_attempts']" 2>/dev/null)
	case $n in ''|*[!0-9]*) return 1 ;; esac
	echo "$n"
}
# attempts: the reload attempt count, polling until telemetry answers with
# a number (10 s at most); 1 if it never does
attempts() {
	for _ in $(seq 100); do
		attempts_now && return 0
		sleep 0.1
	done
	return 1
}

# wait_up: until the instance answers telemetry (10 s at most); 1 if it never does
wait_up() {
	for _ in $(seq 100); do
		[ -n "$(tel /hyperflow/config)" ] && return 0
		sleep 0.1
	done
	return 1
}

# reload: SIGHUP, then wait until the instance reports the outcome; prints
# /hyperflow/config then
reload() {
	local before now
	before=$(attempts) || { echo "FAIL: no reload attempt count before the reload"; return 1; }
	kill -HUP "$pid"
	for _ in $(seq 200); do
		# a poll that got no number is a miss, not an error
		now=$(attempts_now) && [ "$now" -gt "$before" ] && break
		sleep 0.02
	done
	if [ -n "${now:-}" ] && [ "$now" -gt "$before" ]; then
		for _ in $(seq 100); do
			tel /hyperflow/config && return 0
			sleep 0.1
		done
	fi
	echo "FAIL: no reload outcome after 200 polls"
	return 1
}
