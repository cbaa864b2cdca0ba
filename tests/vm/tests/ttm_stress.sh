#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# 60 s stress on 2 CPUs: 4 processes in 3 cgroups (s/a, s/b, c) allocate
# and free random numbers of random-sized buffers (holding some of them
# for a while) while a fifth loop keeps changing dmem.max, dmem.low and
# dmem.min of all of them.  At the end every dmem.current is 0, no
# allocation died of anything but ENOMEM, and the kernel log is clean.
# kernels: 6.1 6.12
# smp: 2
# timeout: 240
. /dmem/lib.sh

DURATION=${DURATION:-60}
kmsg_mark
load_dmem
R=$(dmem_region drm/)
check "region registered" test -n "$R"
for c in s/a s/b c; do cg_create $c; cg_enable $c; done

end=$(($(date +%s) + DURATION))

worker() {
	local cg=$1 rc n s h bad=0
	while [ "$(date +%s)" -lt $end ]; do
		n=$((RANDOM % 8 + 1))
		s=$(( (RANDOM % 16 + 1) * 128 ))K
		h=$((RANDOM % 3))
		cg_run $cg qxlbuf alloc -n $n -s $s --partial --verify --hold-for 0.$h -q 2>/dev/null
		rc=$?
		# 0 ok, 2 refused, 3 partial (a limit was hit): all fine.
		case $rc in 0|2|3) ;; *) bad=$((bad + 1)) ;; esac
	done
	echo $bad >/tmp/worker.$$.$cg_n
}

limits() {
	local c v
	while [ "$(date +%s)" -lt $end ]; do
		for c in s s/a s/b c; do
			case $((RANDOM % 4)) in
			0) v=max ;;
			*) v=$(( (RANDOM % 48 + 1) ))M ;;
			esac
			dmem_write $c max "$R $v" || echo "# write max $v to $c failed"
			dmem_write $c low "$R $((RANDOM % 24))M" || echo "# write low failed"
			dmem_write $c min "$R $((RANDOM % 8))M" || echo "# write min failed"
		done
		sleep 0.$((RANDOM % 5))
	done
}

i=0
for cg in s/a s/a s/b c; do
	i=$((i + 1))
	(cg_n=$i; worker $cg) &
done
limits &
wait

bad=0
for f in /tmp/worker.*; do bad=$((bad + $(cat "$f"))); done
check_eq "no allocation failed other than ENOMEM" "$bad" 0
for c in s/a s/b s c; do
	check_eq "$c current 0 at the end" "$(dmem_read $c current "$R")" 0
done
check "unload" unload_dmem
check "kernel log clean" kmsg_clean
finish
