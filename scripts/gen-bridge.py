#!/usr/bin/env python3
"""Regenerates the fused-operation declarations of the JavaCPP bridge classes from the C headers, so the bridge
mirrors hvae4j_cpu.h and hvae4j_cuda.h one line per function. Run after changing a header."""
import re
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
MARK = '    // ---- fused latent operations (generated from the C header by scripts/gen-bridge.py) ----\n'


def java_param(p):
    m = re.match(r'(const\s+)?(\w+)\s*(\*?)\s*(\w+)$', p)
    const, typ, ptr, name = m.groups()
    if ptr:
        return f'@Cast("{"const " if const else ""}{typ}*") long {name}'
    return {'int64_t': f'long {name}', 'uint64_t': f'@Cast("uint64_t") long {name}', 'int': f'int {name}',
            'float': f'float {name}', 'double': f'double {name}'}[typ]


def declarations(header):
    s = (ROOT / header).read_text()
    s = s[s.index('---- fused latent'):]
    s = re.sub(r'/\*.*?\*/', '', s, flags=re.S)
    out = []
    for name, sig in re.findall(r'int\s+(hvae4j_\w+)\s*\(([^)]*)\);', s):
        params = [java_param(' '.join(p.split())) for p in sig.split(',') if p.strip()]
        out.append(f'    public static native int {name}({", ".join(params)});\n')
    return out


for header, java in (('native/include/hvae4j/hvae4j_cpu.h', 'java/org/hvae4j/bridge/CpuNative.java'),
                     ('native/include/hvae4j/hvae4j_cuda.h', 'java/org/hvae4j/bridge/CudaNative.java')):
    path = ROOT / java
    src = path.read_text()
    cut = src.find('    // ---- fused latent operations')
    head = (src[:cut] if cut >= 0 else src.rstrip()[:-1]).rstrip() + '\n\n'
    path.write_text(head + MARK + '\n' + '\n'.join(declarations(header)) + '}\n')
    print(java, len(declarations(header)))
