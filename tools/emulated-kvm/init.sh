#!/bin/sh
# /init of the emulated KVM host: mount the basics, load kvm_amd (+ tun, bridge), then run /run.sh.
# Markers on the console (one line each, parsed by the caller):
#   @@emulated-kvm: ready             /dev/kvm works, /run.sh starts now
#   @@emulated-kvm: rc=N              /run.sh ended with status N
#   @@emulated-kvm: no-kvm REASON     no /dev/kvm in here; nothing was run
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
ip link set lo up
for m in $(cat /lib/emulated-kvm/load-order); do
  insmod "/lib/emulated-kvm/$m.ko" 2>/dev/null || echo "emulated-kvm: insmod $m failed"
done
read -r up _ < /proc/uptime
if [ ! -c /dev/kvm ]; then
  if grep -q -w svm /proc/cpuinfo; then reason="kvm_amd loaded no /dev/kvm"; else reason="the emulated CPU has no svm flag"; fi
  echo "@@emulated-kvm: no-kvm $reason"
else
  echo "@@emulated-kvm: ready uptime=$up"
  if [ -f /run.sh ]; then sh /run.sh; rc=$?; else rc=0; fi
  echo "@@emulated-kvm: rc=$rc"
fi
poweroff -f
