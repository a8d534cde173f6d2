#!/usr/bin/env bash
# What each package and module costs in a release binary, as the image carries it (static Swift standard
# library, stripped): the binary is linked with a linker map, and every input section that is loaded
# (code, read-only data, data, Swift metadata, unwind tables; not symbols or debug info, which strip
# removes) is charged to the object file it came from, then to its module and package.
#
#   hack/binary-size.sh                        # resilience-operator
#   hack/binary-size.sh resilience-simulator   # or another product
#   hack/binary-size.sh resilience-operator --modules 40   # the 40 largest modules too
set -euo pipefail
cd "$(dirname "$0")/.."
command -v swift >/dev/null || export PATH=$PATH:/opt/swift/usr/bin
product=${1:-resilience-operator}
modules=${3:-0}
[ "${2:-}" = --modules ] || modules=0
map=$(mktemp)
trap 'rm -f "$map"' EXIT
# The flags hack/build-image.sh builds the image's binary with, and a linker map.
flags=(-c release --static-swift-stdlib -Xlinker --no-export-dynamic --scratch-path .build-release)
swift build "${flags[@]}" --product "$product" -Xlinker "-Map=$map" >/dev/null 2>&1
bin=$(swift build "${flags[@]}" --show-bin-path)/$product
stripped=$(mktemp)
strip --strip-all -o "$stripped" "$bin"
python3 - "$map" "$stripped" "$modules" "$(swift build -c release --show-bin-path)" <<'PY'
import os, re, sys, gzip, collections
map_path, stripped, top, bin_dir = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
section = re.compile(r'^ (\.\S+|\S+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$')
name_only = re.compile(r'^ (\.\S+|\S+)$')
sizes = collections.Counter()
in_memory_map, pending = False, None
skip = ('.debug', '.comment', '.note', '.gnu_debug', '.stab', '.symtab', '.strtab', '.shstrtab')
for line in open(map_path, errors='replace'):
    if not in_memory_map:
        in_memory_map = line.startswith(('Memory map', 'Linker script and memory map'))  # gold, bfd
        continue
    line = line.rstrip('\n')
    m = section.match(line)
    if not m and pending:
        m2 = re.match(r'^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$', line)
        if m2:
            m = (pending, m2.group(1), m2.group(2), m2.group(3))
        pending = None
    elif m:
        m = m.groups()
    else:
        n = name_only.match(line)
        pending = n.group(1) if n else None
        continue
    if not m:
        continue
    name, _, size, source = m
    if name.startswith(skip) or int(size, 16) == 0:
        continue
    sizes[source.strip()] += int(size, 16)

checkouts = os.path.join(os.path.dirname(os.path.dirname(bin_dir)), 'checkouts')
package_of = {}
def package(module):
    if module not in package_of:
        found = 'resilience-operator' if any(os.path.isdir(os.path.join('Sources', m)) for m in (module, module.replace('_', '-'))) else None
        if not found and os.path.isdir(checkouts):
            for pkg in os.listdir(checkouts):
                for root in ('Sources', ''):
                    if os.path.isdir(os.path.join(checkouts, pkg, root, module)):
                        found = pkg
                        break
                if found:
                    break
            # A module named apart from its folder (SystemPackage in Sources/System): its manifest names it.
            for pkg in ([] if found else os.listdir(checkouts)):
                manifest = os.path.join(checkouts, pkg, 'Package.swift')
                if os.path.exists(manifest) and re.search(r'\.(target|systemLibrary)\(\s*name:\s*"' + re.escape(module) + '"', open(manifest, errors='replace').read()):
                    found = pkg
                    break
        package_of[module] = found or '(unknown)'
    return package_of[module]

by_module, by_package = collections.Counter(), collections.Counter()
for source, size in sizes.items():
    m = re.search(r'/release/([^/]+)\.build/', source)
    if m:
        module = m.group(1)
        pkg = package(module)
    else:
        lib = re.search(r'/(lib[^/(]+)\.a\(', source)
        if lib:
            module = lib.group(1)
            pkg = 'Swift runtime and standard library' if '/swift_static/' in source else 'C runtime (static parts)'
        else:
            module, pkg = os.path.basename(source), 'C runtime (static parts)'
    by_module[(pkg, module)] += size
    by_package[pkg] += size

total = sum(by_package.values())
size = os.path.getsize(stripped)
compressed = len(gzip.compress(open(stripped, 'rb').read(), 6))
print(f'{os.path.basename(bin_dir)}: stripped binary {size / 2**20:.1f} MiB, gzip {compressed / 2**20:.1f} MiB; '
      f'loaded sections {total / 2**20:.1f} MiB, charged below')
print(f'{"package":44} {"KiB":>8} {"share":>6}')
for pkg, value in by_package.most_common():
    print(f'{pkg:44} {value // 1024:8} {100 * value / total:5.1f}%')
if top:
    print()
    print(f'{"package / module":60} {"KiB":>8}')
    for (pkg, module), value in by_module.most_common(top):
        print(f'{pkg + " / " + module:60} {value // 1024:8}')
PY
rm -f "$stripped"
