#!/bin/sh
# make PROFILE=... interrupted (issue 11): a small initrd profile built
# once without interruption, then in rounds in another output root, from
# nothing: the make process group killed with SIGKILL at a random point,
# the rerun killed at another, then make run to completion; and killed as
# it starts each program of the chain. Every output must equal the
# uninterrupted build's, byte for byte. The random points come from a seed
# printed below (INTERRUPT_SEED= reproduces a run). Offline, on the local
# repository of profiles.t.
. "$(dirname "$0")/../lib.sh"
. "$top/tests/hostile/lib.sh"
. "$top/tests/repo.sh"
. "$top/tests/profile-repo.sh"
cd "$T" || exit 1

profile_need "make PROFILE interrupted" || t_done
need setsid || { t_skip "make PROFILE interrupted" "setsid not installed"; t_done; }
profile_repo
mkdir -p profiles/int
profile_initrd int 'EXCLUDE = /usr/share/doc/*/changelog*'
printf 'added by the profile\n' >profiles/int/added
openssl req -x509 -newkey rsa:2048 -nodes -keyout k.pem -out c.pem -days 3650 \
    -subj /CN=interrupt 2>/dev/null && chmod 600 k.pem
SEED=${INTERRUPT_SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
KILLS=${INTERRUPT_KILLS:-8}
echo "seed $SEED (INTERRUPT_SEED=$SEED reproduces the points), $KILLS kills" | _diag

build() { # outroot
	env -u KEY -u CERT make -s -C "$top" B="${B#$top/}" \
	    PROFILES="$T/profiles" OUTROOT="$T/$1" MIRROR=copy:$T/repo \
	    KEYRING=$KEY KERNEL=test KEY="$T/k.pem" CERT="$T/c.pem" \
	    SOURCE_DATE_EPOCH=1700000000 PROFILE=int
}
# The outputs: every file under out/int but make's own records, the specs
# with the output root's name taken out; config/, which is not in a spec.
outputs() {
	(cd "$T/$1/int" && find . -path ./root -prune -o -path ./kernel -prune -o \
	    -path ./modules -prune -o -path ./config -prune -o -type f -print |
	    grep -v -e '\.flags$' -e '\.stamp$' | LC_ALL=C sort |
	    while read -r f; do
		printf '%s ' "$f"
		sed "s,$T/$1/,OUTROOT/,g" "$f" | sha256sum
	    done
	 find config -printf '%p %y %m %s %l\n' | LC_ALL=C sort
	 find config -type f -print0 | xargs -0r sha256sum | LC_ALL=C sort)
}

t0=$(date +%s.%N)
build clean >clean.out 2>&1; rc=$?
t1=$(date +%s.%N)
if [ $rc -ne 0 ]; then
	t_fail "make PROFILE=int: the uninterrupted build" clean.out
	t_done
fi
outputs clean >clean.sums
# Milliseconds of a whole build: the kills fall within it.
ms=$(awk -v a=$t0 -v b=$t1 'BEGIN { printf "%d", (b - a) * 1000 }')
echo "an uninterrupted build: $ms ms" | _diag

# Rounds: from nothing, make killed (the whole process group, make and
# every tool it runs) after a random time up to the build's length, the
# rerun killed again after another, then make to completion.
points=$(awk -v s=$SEED -v n=$KILLS -v ms=$ms 'BEGIN { srand(s)
	for (i = 0; i < n; i++) printf "%d ", 100 + int(rand() * ms) }')
echo "kills after (ms, two a round): $points" | _diag
set -- $points
round=0
while [ $# -ge 2 ]; do
	round=$((round + 1))
	rm -rf "$T/int" kills.log
	for p in $1 $2; do
		setsid sh -c 'exec "$@"' sh env -u KEY -u CERT make -s -C "$top" B="${B#$top/}" \
		    PROFILES="$T/profiles" OUTROOT="$T/int" MIRROR=copy:$T/repo \
		    KEYRING=$KEY KERNEL=test KEY="$T/k.pem" CERT="$T/c.pem" \
		    SOURCE_DATE_EPOCH=1700000000 PROFILE=int >>int.out 2>&1 &
		pid=$!
		sleep "$(awk -v p=$p 'BEGIN { printf "%.3f", p / 1000 }')"
		kill -KILL -- -$pid 2>/dev/null
		wait $pid
		echo "killed after $p ms: $(cd "$T/int/int" 2>/dev/null && ls -A | tr '\n' ' ')" >>kills.log
	done
	name="make PROFILE: killed after $1 and $2 ms, rerun (seed $SEED)"
	shift 2
	if ! build int >rerun.out 2>&1; then
		_h_log "$name" message
		t_fail "$name: the rerun fails"
		{ cat kills.log; cat rerun.out; } | _diag
		continue
	fi
	outputs int >int.sums
	if cmp -s clean.sums int.sums; then
		_h_log "$name" ok
		t_pass "$name: every output equals the uninterrupted build's"
	else
		_h_log "$name" partial
		t_fail "$name: outputs differ from the uninterrupted build's"
		{ cat kills.log; diff clean.sums int.sums; } | _diag
	fi
done
# Deterministic points: make's child killed as it starts each program of
# the chain (strace -P: the execve of that file), then make to completion.
# (LeakSanitizer cannot run under a tracer: off for a sanitizer build.)
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
export ASAN_OPTIONS
for prog in "$B/bin/pkgroot" "$(command -v systemd-sysusers)" \
    "$(command -v systemctl)" "$B/bin/mkcpio" "$B/bin/modroot" \
    "$B/bin/mkuki" "$B/bin/manifest"; do
	[ -n "$prog" ] && need strace || continue
	name="make PROFILE: killed as it runs ${prog##*/}, rerun"
	rm -rf "$T/int"
	strace -f -qq -o /dev/null -P "$prog" -e trace=execve \
	    -e inject=execve:signal=SIGKILL \
	    env -u KEY -u CERT make -s -C "$top" B="${B#$top/}" \
	    PROFILES="$T/profiles" OUTROOT="$T/int" MIRROR=copy:$T/repo \
	    KEYRING=$KEY KERNEL=test KEY="$T/k.pem" CERT="$T/c.pem" \
	    SOURCE_DATE_EPOCH=1700000000 PROFILE=int >killed.out 2>&1
	if ! grep -q 'Error 137' killed.out; then
		_h_log "$name" message
		t_fail "$name: make's child was not killed" killed.out
		continue
	fi
	if ! build int >rerun.out 2>&1; then
		_h_log "$name" message
		t_fail "$name: the rerun fails" rerun.out
		continue
	fi
	outputs int >int.sums
	if cmp -s clean.sums int.sums; then
		_h_log "$name" ok
		t_pass "$name: every output equals the uninterrupted build's"
	else
		_h_log "$name" partial
		t_fail "$name: outputs differ from the uninterrupted build's"
		diff clean.sums int.sums | _diag
	fi
done

t_ok "make PROFILE=int: a further make does nothing" \
    sh -c "env -u KEY -u CERT make -s -C '$top' B='${B#$top/}' PROFILES='$T/profiles' OUTROOT='$T/int' MIRROR=copy:$T/repo KEYRING=$KEY KERNEL=test KEY='$T/k.pem' CERT='$T/c.pem' SOURCE_DATE_EPOCH=1700000000 PROFILE=int >again.out 2>&1 && ! grep -v 'Nothing to be done' again.out | grep -q ."
t_done
