#!/bin/sh
# Fails, naming them, when the ELF file $1 needs a shared library other than
# libc, libm and the loader (tests/CMakeLists.txt: Build.ProgramNeedsOnlyLibcAndLibm).
set -eu
needed=$(readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p')
echo "$needed" | grep -qx 'libc.so.6' || { echo "$1: no libc.so.6 among NEEDED: $needed"; exit 1; }
extra=$(echo "$needed" | grep -vx -e 'libc.so.6' -e 'libm.so.6' -e 'ld-linux-x86-64.so.2' || true)
if [ -n "$extra" ]; then
  echo "$1 needs shared libraries besides libc and libm:" $extra
  exit 1
fi
echo "$1 needs:" $needed
