#!/bin/sh
# /init of the emulated KVM host (x86_64 or arm64): mount the basics, load the modules the base
# initramfs carries (x86_64: kvm_amd; both: tun, bridge unless built in), then run /run.sh.
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

# Why there is no /dev/kvm, in the words that point at the fix.
no_kvm_reason() {
  case "$(uname -m)" in
  aarch64)
    # KVM is built into the arm64 kernel: without EL2 (QEMU's virtualization=on) it says so at boot.
    if dmesg | grep -q "HYP mode not available"; then echo "the kernel says HYP mode not available (QEMU needs -M virt,virtualization=on)"
    else echo "no /dev/kvm, and the kernel said: $(dmesg | grep -i kvm | tail -1)"; fi ;;
  *)
    if grep -q -w svm /proc/cpuinfo; then echo "kvm_amd loaded no /dev/kvm"; else echo "the emulated CPU has no svm flag"; fi ;;
  esac
}

if [ ! -c /dev/kvm ]; then
  echo "@@emulated-kvm: no-kvm $(no_kvm_reason)"
else
  echo "@@emulated-kvm: ready uptime=$up"
  if [ -f /run.sh ]; then sh /run.sh; rc=$?; else rc=0; fi
  echo "@@emulated-kvm: rc=$rc"
fi
poweroff -f
