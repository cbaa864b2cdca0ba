#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A C client that writes a limit together with its terminating NUL
# (write(fd, buf, strlen(buf) + 1), open O_WRONLY): upstream's parser stops
# at the NUL and accepts "<region> 8M\0"; "+dmem\0" into
# cgroup.subtree_control too.  The module parses limit writes as a C
# string as well (a NUL ends the input), so both must be accepted.
# kernels: 6.1 6.12
# timeout: 120
. /dmem/lib.sh
. /dmem/desktop.sh

kmsg_mark
check "module loads" load_dmem
R=$(dmem_region drm/)
mkdir "$(cg_path nul)"
cw plain $CGROOT/cgroup.subtree_control "+dmem\\0"
check_eq "\"+dmem\\0\" accepted" "$CW" ok
check "dmem enabled at the root" sc_has "" dmem
cw plain "$(cg_path nul)/dmem.max" "$R 8M\\0"
check_eq "\"<region> 8M\\0\" accepted" "$CW" ok
check_eq "\"<region> 8M\\0\" reads 8M" "$(dmem_read nul max "$R")" 8388608
cw plain "$(cg_path nul)/dmem.max" "$R max\\0garbage"
check_eq "\"<region> max\\0garbage\": the NUL ends the input" "$CW" ok
check_eq "reads max" "$(dmem_read nul max "$R")" max
cw plain "$(cg_path nul)/dmem.max" "$R 8M"
check_eq "without the NUL: accepted" "$CW" ok
check_eq "reads 8M" "$(dmem_read nul max "$R")" 8388608
rmdir "$(cg_path nul)"
echo "-dmem" >$CGROOT/cgroup.subtree_control
check "unload" unload_dmem
check "kernel log clean" kmsg_clean
finish
