#!/usr/bin/env bash
# Regenerates the per-architecture syscall tables shipped in core.
#
# Sources, in order of authority:
#  1. libseccomp's own tables, through `scmp_sys_resolver` (Debian package `seccomp`, libseccomp 2.5.4).
#     This is what runc and containerd resolve names with, so a name it knows is a name they accept.
#  2. The kernel's unified numbering for syscalls 424 and up (scripts/syscall.tbl in the Linux source,
#     "common" ABI), for syscalls newer than that libseccomp: fchmodat2 … file_setattr (Linux 6.17/6.18)
#     and listns (470). These share one number on every architecture (x32 adds its 0x40000000 bit),
#     so they are filled in only where libseccomp has no entry at all.
#
# Output: one `name<TAB>number` line per syscall, sorted by name, in
# src/main/resources/dev/leastprivilege/core/syscalls/<arch>.tsv
set -euo pipefail
command -v scmp_sys_resolver >/dev/null || { echo "install Debian package 'seccomp' for scmp_sys_resolver" >&2; exit 1; }
out="$(cd "$(dirname "$0")/.." && pwd)/src/main/resources/dev/leastprivilege/core/syscalls"
mkdir -p "$out"

# Linux unified syscall numbers 424+ (scripts/syscall.tbl, "common" entries).
unified=(
  424:pidfd_send_signal 425:io_uring_setup 426:io_uring_enter 427:io_uring_register 428:open_tree
  429:move_mount 430:fsopen 431:fsconfig 432:fsmount 433:fspick 434:pidfd_open 435:clone3
  436:close_range 437:openat2 438:pidfd_getfd 439:faccessat2 440:process_madvise 441:epoll_pwait2
  442:mount_setattr 443:quotactl_fd 444:landlock_create_ruleset 445:landlock_add_rule
  446:landlock_restrict_self 448:process_mrelease 449:futex_waitv 450:set_mempolicy_home_node
  451:cachestat 452:fchmodat2 454:futex_wake 455:futex_wait 456:futex_requeue 457:statmount
  458:listmount 459:lsm_get_self_attr 460:lsm_set_self_attr 461:lsm_list_modules 462:mseal
  463:setxattrat 464:getxattrat 465:listxattrat 466:removexattrat 467:open_tree_attr
  468:file_getattr 469:file_setattr 470:listns
)
# 447 memfd_secret and 453 map_shadow_stack are not "common": they exist only on some architectures,
# and libseccomp 2.5.4 already knows where.

for arch in x86_64 x86 x32 aarch64 arm s390x ppc64le riscv64; do
  base=0
  [ "$arch" = x32 ] && base=$((0x40000000))
  numbers=$(seq $base $((base + 1023)))
  [ "$arch" = arm ] && numbers="$numbers $(seq $((0x0f0001)) $((0x0f0006)))"
  tmp=$(mktemp)
  for n in $numbers; do
    name=$(scmp_sys_resolver -a "$arch" "$n")
    [ "$name" = UNKNOWN ] || printf '%s\t%d\n' "$name" "$n"
  done > "$tmp"
  for entry in "${unified[@]}"; do
    nr=${entry%%:*}; name=${entry#*:}
    grep -q "^${name}	" "$tmp" && continue
    # libseccomp returns a negative pseudo-number for a name it knows but the arch lacks: keep it absent.
    [ "$(scmp_sys_resolver -a "$arch" "$name")" -lt 0 ] 2>/dev/null && [ "$(scmp_sys_resolver -a "$arch" "$name")" != -1 ] && continue
    printf '%s\t%d\n' "$name" $((base + nr)) >> "$tmp"
  done
  LC_ALL=C sort -u "$tmp" > "$out/$arch.tsv"
  rm -f "$tmp"
  echo "$arch: $(wc -l < "$out/$arch.tsv") syscalls"
done
