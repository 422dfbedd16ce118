#!/usr/bin/env python3
"""make guests-qemu-check: runs the QEMU test builds of the guests (guest/qemu/qemu.mk) on QEMU
with TCG, which has no VMX, and judges their serial output and exit status. It proves the guest
runtime and every check that does not need plinth: printf, port I/O, fw_cfg, PCI, CMOS, PIT,
string I/O, exceptions, both multiboot entries (GRUB loads the ELF64 multiboot2 ones), the
triple fault, the RAM fill and scan. What it cannot prove (plinth's CPUID leaves, VMCALL, the
#UD and #GP plinth injects, plinth stopping a guest) is listed at the end of a run.

Usage: guest/qemu/check.py BUILD_DIR_OF_THE_QEMU_BUILDS   (build/guest/qemu)
One line per case, then "N passed, N failed"; exit status 1 on any failure."""
import concurrent.futures
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODULE = os.path.join(ROOT, 'guest', 'data', 'module.txt')
CMDLINE = 'mb-test answer=42 # kept'
MODULE_ARGS = 'mod-arg=1 second'


def status(value):
    """QEMU's exit status for a debug-exit write of value."""
    return (value << 1) | 1


@dataclass
class Case:
    name: str
    elf: str                 # q-NAME.elf
    boot: str                # 'kernel': QEMU's multiboot v1 loader; 'grub': GRUB, multiboot2
    expect: list             # regexes, in order
    exit_status: int         # 0: the machine reset (triple fault with -no-reboot)
    mem_mb: int = 16
    cpu: str = 'qemu64'
    append: str = ''
    module: tuple = None     # (file, its string), or None
    absent: list = field(default_factory=list)
    triple_fault: bool = False


CASES = [
    Case('libtest32', 'q-libtest32.elf', 'kernel', [r'^libtest: 32-bit build$', r'^libtest: printf to COM1 works: -1 0xfedcba9876543210$',
                                                    r'^libtest: all checks passed$'], status(0), absent=[r'FAILED']),
    Case('libtest64', 'q-libtest64.elf', 'grub', [r'^libtest: 64-bit build$', r'^libtest: printf to COM1 works: -1 0xfedcba9876543210$',
                                                  r'^libtest: all checks passed$'], status(0), absent=[r'FAILED']),
    Case('pio', 'q-pio.elf', 'kernel', [r'^pio: check 1 ok', r'^pio: this line came through one rep outsb$',
                                        r'^pio: all checks passed$'], status(0), mem_mb=8, absent=[r'FAILED']),
    Case('mb1', 'q-mb1.elf', 'kernel', [r'^mb1: check 1 ok', r'^mb1: check 3 ok: command line "\S+ mb-test answer=42 # kept"',
                                        r'^mb1: check 7 ok', r'^mb1: check 8 ok', r'^mb1: all checks passed$'], status(0),
         append=CMDLINE, module=(MODULE, 'mb/module.txt ' + MODULE_ARGS), absent=[r'FAILED']),
    Case('mb2', 'q-mb2.elf', 'grub', [r'^mb2: check 1 ok', r'^mb2: running in 64-bit mode',
                                      r'^mb2: check 3 ok: command line "mb-test answer=42 # kept"',
                                      r'^mb2: check 7 ok', r'^mb2: check 8 ok', r'^mb2: all checks passed$'], status(0),
         mem_mb=32, append=CMDLINE, module=(MODULE, 'mb/module.txt ' + MODULE_ARGS), absent=[r'FAILED']),
    Case('hello', 'q-hello.elf', 'grub', [r'^Hello from a plinth guest$'], status(0)),
    # TCG answers leaf 0x40000000 with "TCGTCGTCGTCG" (max leaf 0x40000001) and 0x40000001
    # with 0: checks 3 and 5 must fail, and the guest must say so with value 3.
    Case('cpuid', 'q-cpuid.elf', 'grub', [r'^cpuid: check 1 ok: VMX hidden', r'^cpuid: check 2 ok: hypervisor bit set',
                                          r'^cpuid: check 3 FAILED: leaf 0x40000000 signature "TCGTCGTCGTCG"',
                                          r'^cpuid: check 5 FAILED', r'^cpuid: check 6 ok: leaf 0 vendor "GenuineIntel"',
                                          r'^cpuid: check 7 ok', r'^cpuid: 2 of 7 checks failed, first check 3$'], status(3),
         cpu='max,vendor=GenuineIntel'),
    Case('triple32', 'q-triple32.elf', 'kernel', [r'^triple: loading an empty IDT and executing int3$'], 0,
         absent=[r'still running'], triple_fault=True),
    Case('triple', 'q-triple.elf', 'grub', [r'^triple: loading an empty IDT and executing int3$'], 0,
         absent=[r'still running'], triple_fault=True),
    # QEMU ignores a write to unassigned memory, so pastram runs on; the line proves the write
    # went to the right address through the identity map.
    Case('pastram', 'q-pastram.elf', 'grub', [r'^pastram: RAM is 8 MiB; writing one byte at 0x800000, just past its end$',
                                              r'^pastram: still running$'], status(1), mem_mb=8),
    Case('fillram', 'q-fillram.elf', 'grub', [r'^fillram: filled 8 MiB \(all RAM but the image at 0x100000-0x1[0-9a-f]{5}\)$'],
         status(0), mem_mb=8),
    Case('scanram', 'q-scanram.elf', 'grub', [r'^scanram: no marker in 8 MiB$'], status(0), mem_mb=8),
    # A module full of the marker (512 qwords; GRUB leaves more copies of it in its heap):
    # scanram must find it.
    Case('scanram-finds', 'q-scanram.elf', 'grub', [r'^scanram: found marker at 0x[0-9a-f]+000 \(\d+ marked qwords in 8 MiB\)$'],
         status(1), mem_mb=8, module=('marker.bin', 'marker.bin')),
    # TCG raises #UD for VMXON and UD2 but reads unknown MSRs as 0 and ignores writes to them:
    # storm must count that and fail with value 2 (RDMSR, its first probe that went wrong).
    Case('storm', 'q-storm.elf', 'grub', [r'^storm: 1000 rounds of VMXON',
                                          r'^storm: 1000 #UD from VMXON, 0 #GP from MSRs, 1000 #UD from UD2$',
                                          r'^storm: RDMSR: 0 #UD, 0 #GP, 1000 rounds without a fault \(expected 1000 #GP\)$',
                                          r'^storm: WRMSR: 0 #UD, 0 #GP, 1000 rounds without a fault'], status(2),
         absent=[r'exception', r'VMXON: ', r'UD2: ']),
    # fake_vmcall.c answers VMCALL as one exit costing 3 VMREADs and 1 VMWRITE.
    Case('bench', 'q-bench.elf', 'grub', [r'^bench: 1000 round trips per row; one stats call costs 1 exits, 3 VMREADs, 1 VMWRITEs',
                                          r'^bench: exit +ticks +exits +vmreads +vmwrites$',
                                          r'^bench: cpuid 0x40000000 +-?\d+ +0\.00 +0\.00 +0\.00$',
                                          r'^bench: vmcall nop +\d+ +1\.00 +3\.00 +1\.00$',
                                          r'^bench: out 0x80 +-?\d+ +0\.00 +0\.00 +0\.00$',
                                          r'^bench: in 0x1234 +-?\d+ +0\.00 +0\.00 +0\.00$'], status(0)),
]

NOT_PROVED = [
    'cpuid: plinth\'s leaves 0x40000000/0x40000001 (checks 3 and 5 fail on TCG, as expected)',
    'bench: real VMCALLs and exit counts (a #UD handler stands in for plinth)',
    'storm: #UD and #GP injected by plinth (TCG raises #UD itself and no #GP for unknown MSRs; '
    'libtest proves the #GP path with an error code)',
    'pastram, triple: plinth stopping the guest with its message',
    'scanram after fillram in the same machine: needs plinth to reuse the pages',
    'mb1/mb2: plinth\'s exact memory map, mem_upper, loader name "plinth" and the bare command line '
    '(checked against QEMU/GRUB values instead)',
    'pio: 00:00.0 reading all-ones (QEMU has its host bridge there; 00:1f.0 is checked instead), '
    'and the 8 MiB RAM size as plinth reports it',
]


def grub_iso(case, work):
    stage = os.path.join(work, 'iso')
    shutil.rmtree(stage, ignore_errors=True)
    os.makedirs(os.path.join(stage, 'boot', 'grub'))
    shutil.copy(case.elf_path, os.path.join(stage, 'boot', 'guest.elf'))
    # GRUB's script syntax would take '#' for a comment.
    cmdline = case.append.replace('#', '\\#')
    lines = ['set timeout=0', 'set default=0', 'menuentry "guest" {',
             f'\tmultiboot2 /boot/guest.elf {cmdline}']
    if case.module:
        shutil.copy(case.module[0], os.path.join(stage, 'boot', 'module'))
        lines.append(f'\tmodule2 /boot/module {case.module[1]}')
    lines += ['\tboot', '}']
    with open(os.path.join(stage, 'boot', 'grub', 'grub.cfg'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
    iso = os.path.join(work, 'guest.iso')
    proc = subprocess.run(['grub-mkrescue', '-o', iso, stage], capture_output=True, text=True)
    if proc.returncode:
        raise RuntimeError('grub-mkrescue failed: ' + proc.stderr[-1000:])
    return ['-cdrom', iso, '-boot', 'd']


def kernel_args(case, work):
    args = ['-kernel', case.elf_path, '-append', case.append]
    if case.module:
        # QEMU passes "FILE ARGS" as the module string: run where mb/module.txt exists.
        name = case.module[1].split(' ', 1)[0]
        os.makedirs(os.path.join(work, os.path.dirname(name)), exist_ok=True)
        shutil.copy(case.module[0], os.path.join(work, name))
        args += ['-initrd', case.module[1]]
    return args


def run(case, builds):
    work = os.path.join(builds, 'run', case.name)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    case.elf_path = os.path.join(builds, case.elf)
    if case.module and case.module[0] == 'marker.bin':
        path = os.path.join(work, 'marker.bin')
        with open(path, 'wb') as f:
            f.write(bytes([0x5a, 0xa5, ord('P'), ord('L')]) * 1024)
        case.module = (path, case.module[1])
    boot = grub_iso(case, work) if case.boot == 'grub' else kernel_args(case, work)
    serial = os.path.join(work, 'serial.log')
    cmd = ['qemu-system-x86_64', '-machine', 'pc', '-accel', 'tcg', '-cpu', case.cpu, '-m', str(case.mem_mb),
           '-nodefaults', '-display', 'none', '-no-reboot', '-serial', f'file:{serial}',
           '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04', '-d', 'cpu_reset', '-D',
           os.path.join(work, 'qemu.log')] + boot
    try:
        proc = subprocess.run(cmd, cwd=work, capture_output=True, text=True, timeout=60)
        code = proc.returncode
    except subprocess.TimeoutExpired:
        code = 'timeout'
    with open(serial, 'rb') as f:
        log = f.read().decode('utf-8', 'replace').replace('\r', '')
    with open(os.path.join(work, 'qemu.log'), errors='replace') as f:
        qlog = f.read()
    problems = []
    pos = 0
    for pattern in case.expect:
        m = re.compile(pattern, re.M).search(log, pos)
        if not m:
            problems.append(f'missing /{pattern}/ (in order)')
            break
        pos = m.end()
    for pattern in case.absent:
        if re.search(pattern, log, re.M):
            problems.append(f'unexpected /{pattern}/')
    if code != case.exit_status:
        problems.append(f'QEMU exited with {code}, expected {case.exit_status}')
    if case.triple_fault and 'Triple fault' not in qlog:
        problems.append('no "Triple fault" in QEMU\'s reset log')
    return case, problems, log, work


def main():
    builds = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, 'build', 'guest', 'qemu'))
    passed = failed = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        for case, problems, log, work in pool.map(lambda c: run(c, builds), CASES):
            if problems:
                failed += 1
                tail = '\n'.join('    | ' + l for l in log.splitlines()[-20:])
                print(f'FAIL qemu/{case.name}: {"; ".join(problems)}\n    logs: {work}\n{tail}')
            else:
                passed += 1
                print(f'PASS qemu/{case.name}')
    print('not provable without plinth:')
    for line in NOT_PROVED:
        print(f'  - {line}')
    print(f'{passed} passed, {failed} failed')
    sys.exit(1 if failed else 0)


if __name__ == '__main__':
    main()
