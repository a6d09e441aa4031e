#!/usr/bin/env bash
# Builds target/image-base.tar: a small JRE base image made offline (no registry, no Docker
# engine), in `docker save` form, for Jib's tar:// base (pom profile "image").
#   * a Java runtime made by jlink from the build's JDK, only the modules gitfn uses;
#   * the shared libraries it links (libc, libz, ...) copied from this machine;
#   * a non-root user gitfn (10001), /tmp, /etc/hosts; no shell, no package manager.
# Real builds may use a published JRE base instead (-Dimage.base=eclipse-temurin:17-jre).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=target/image-base
tar_out=target/image-base.tar
[ -f "$tar_out" ] && [ "$tar_out" -nt deploy/image/make-base.sh ] && { echo "$tar_out is current"; exit 0; }
rm -rf "$out" "$tar_out"
mkdir -p "$out/root/opt" "$out/root/etc" "$out/root/tmp" "$out/root/cache" "$out/root/proc"
chmod 1777 "$out/root/tmp"

jdk=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}
modules=java.base,java.compiler,java.logging,java.management,java.naming,java.net.http,java.security.jgss,java.sql,java.xml,jdk.crypto.ec,jdk.unsupported,jdk.zipfs,jdk.naming.dns,jdk.management
"$jdk/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages \
    --compress=2 --output "$out/root/opt/java" >/dev/null

# Every library the runtime's executables and libraries link, at the path the loader looks for it.
copy_lib() {
    local lib=$1
    [ -e "$out/root$lib" ] && return
    mkdir -p "$out/root$(dirname "$lib")"
    cp -L "$lib" "$out/root$lib"
}
while read -r lib; do copy_lib "$lib"; done < <(
    find "$out/root/opt/java" -type f \( -name '*.so' -o -path '*/bin/*' \) -exec ldd {} \; 2>/dev/null \
        | awk '/=> \// { print $3 } /^\s*\/lib/ { print $1 }' | grep -v "^$PWD/" | sort -u)
copy_lib /lib64/ld-linux-x86-64.so.2
# Name lookups (getaddrinfo) load these at run time, not at link time.
for lib in /lib/x86_64-linux-gnu/libnss_files.so.2 /lib/x86_64-linux-gnu/libnss_dns.so.2 \
           /lib/x86_64-linux-gnu/libresolv.so.2; do
    [ -e "$lib" ] && copy_lib "$lib"
done

printf 'root:x:0:0:root:/root:/sbin/nologin\ngitfn:x:10001:10001:gitfn:/tmp:/sbin/nologin\n' > "$out/root/etc/passwd"
printf 'root:x:0:\ngitfn:x:10001:\n' > "$out/root/etc/group"
printf '127.0.0.1 localhost\n::1 localhost\n' > "$out/root/etc/hosts"
printf 'hosts: files dns\n' > "$out/root/etc/nsswitch.conf"
chown 10001:10001 "$out/root/cache" 2>/dev/null || true

python3 - "$out" "$tar_out" <<'PY'
import hashlib, io, json, os, sys, tarfile
out, tar_out = sys.argv[1], sys.argv[2]
layer = os.path.join(out, "layer.tar")
with tarfile.open(layer, "w", format=tarfile.PAX_FORMAT) as t:
    root = os.path.join(out, "root")
    for entry in sorted(os.listdir(root)):
        t.add(os.path.join(root, entry), arcname=entry)
digest = hashlib.sha256(open(layer, "rb").read()).hexdigest()
config = {
    "architecture": "amd64", "os": "linux",
    "config": {"Env": ["PATH=/opt/java/bin", "JAVA_HOME=/opt/java"], "User": "10001"},
    "rootfs": {"type": "layers", "diff_ids": ["sha256:" + digest]},
    "history": [{"created_by": "deploy/image/make-base.sh"}],
}
config_bytes = json.dumps(config).encode()
config_name = hashlib.sha256(config_bytes).hexdigest() + ".json"
manifest = [{"Config": config_name, "RepoTags": ["gitfn-base:local"], "Layers": ["layer.tar"]}]
with tarfile.open(tar_out, "w") as t:
    for name, data in ((config_name, config_bytes), ("manifest.json", json.dumps(manifest).encode())):
        info = tarfile.TarInfo(name); info.size = len(data); t.addfile(info, io.BytesIO(data))
    t.add(layer, arcname="layer.tar")
PY
echo "$tar_out: $(du -h "$tar_out" | cut -f1)"
