"""make bench: figures that later changes are compared against, measured in Bochs, where the TSC
advances one tick per executed instruction (so the figures are deterministic instruction counts,
not real-hardware cycles). Not part of make test: nothing here fails on a slow machine."""
import os
import re

import scenarios

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
READY = re.compile(r"VMX: ready \((\d+) TSC ticks since the core's first instruction, (\d+) of them "
                   r"writing to the console\)")
# The bench guest (guest/bench.c) prints its table as "[bench] bench: ..." lines: a note, a
# header starting with "exit", then one row per exit whose columns are 2+ spaces apart.
GUEST_LINE = re.compile(r'^\[bench\] bench: (.*)$', re.M)
GUEST_BIN = 'build/guest/bench.bin'


def image_sizes():
    rows = []
    for name in ('plinth.elf', 'plinth.bin', 'plinth.efi', 'plinth.iso', 'plinth-usb.img'):
        path = os.path.join(ROOT, 'build', name)
        if os.path.exists(path):
            rows.append((name, os.path.getsize(path)))
    return rows


def guest_exits(run_scenario):
    """Boots the bench guest and prints its tables: exit round trips served inside plinth, then
    a child's OUT served by the bench guest as its control guest; returns 1 on failure."""
    sc = scenarios.Scenario('bench-guest-exits', 'bochs-bios', config='tests/boot/configs/guests-bench.cfg',
                            files=[(GUEST_BIN, 'guests/bench.bin')],
                            expect=[r'^\[bench\] bench: exit ', r'^\[bench\] bench: served ',
                                    r'^guest bench exited with status 1$'],
                            done=r'(?m)^guest bench (exited|stopped)|' + scenarios.HALTED)
    if not os.path.exists(os.path.join(ROOT, GUEST_BIN)):
        print(f'failed: {GUEST_BIN} is missing (make guests)')
        return 1
    _, ok, detail, _, log = run_scenario(sc)
    lines = GUEST_LINE.findall(log)
    exits = next((i for i, l in enumerate(lines) if l.startswith('exit ')), None)
    served = next((i for i, l in enumerate(lines) if l.startswith('served ')), None)
    if not ok or exits is None or served is None:
        print(f'failed: {detail.splitlines()[0] if detail else "no table"}')
        return 1
    print('| guest exit (Bochs corei7_skylake_x, 1000 round trips each) | ticks per round trip | exits '
          '| VMREADs | VMWRITEs |')
    print('|---|---:|---:|---:|---:|')
    for line in lines[exits + 1:served]:
        print('| ' + ' | '.join(re.split(r'\s{2,}', line.strip())) + ' |')
    for note in lines[:exits]:
        print(f'\n{note}')
    print()
    print('| child OUT served by the control guest (1000 round trips) | ticks per round trip '
          '| x the OUT served in plinth | hypercalls per exit | control guest exits | VMREADs '
          '| VMWRITEs |')
    print('|---|---:|---:|---:|---:|---:|---:|')
    for line in lines[served + 1:]:
        print('| ' + ' | '.join(re.split(r'\s{2,}', line.strip())) + ' |')
    return 0


SMP_LINE = re.compile(r'^\[benchsmp\] benchsmp: (.*)$', re.M)
SMP_BIN = 'build/guest/benchsmp.bin'


def smp_rows(run_scenario):
    """Boots the SMP bench guest (two vCPUs, Bochs with two CPUs) and prints its table: IPI
    delivery and TSC-deadline timer costs; returns 1 on failure."""
    sc = scenarios.Scenario('bench-guest-smp', 'bochs-bios', cpus=2,
                            config='tests/boot/configs/guests-bench-smp.cfg',
                            files=[(SMP_BIN, 'guests/benchsmp.bin')], timeout=240,
                            expect=[r'^\[benchsmp\] benchsmp: TSC deadline already due',
                                    r'^guest benchsmp exited with status 1$'],
                            done=r'(?m)^guest benchsmp (exited|stopped)|' + scenarios.HALTED)
    if not os.path.exists(os.path.join(ROOT, SMP_BIN)):
        print(f'failed: {SMP_BIN} is missing (make guests)')
        return 1
    _, ok, detail, _, log = run_scenario(sc)
    lines = SMP_LINE.findall(log)
    if not ok or not lines or not lines[0].startswith('measured'):
        print(f'SMP: failed: {detail.splitlines()[0] if detail else "no table"}')
        return 1
    print('| between vCPUs (Bochs corei7_skylake_x, 2 CPUs, mean of 200) | ticks |')
    print('|---|---:|')
    for line in lines[1:]:
        print('| ' + ' | '.join(re.split(r'\s{2,}', line.strip())) + ' |')
    return 0


EMUL_BENCH = 'build/bench/emul_bench'


def emulator_host():
    """The emulator on the host (tests/bench/emul_bench.c): ns per emulated MMIO access against
    Zydis decoding the same bytes; prints its table, returns 1 on failure."""
    import subprocess
    path = os.path.join(ROOT, EMUL_BENCH)
    if not os.path.exists(path):
        print(f'emulator on the host: failed: {EMUL_BENCH} is missing (make {EMUL_BENCH})')
        return 1
    r = subprocess.run([path], capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        print(f'emulator on the host: failed: {r.stderr.strip() or r.returncode}')
        return 1
    print(r.stdout.rstrip())
    return 0


def main(run_scenario):
    boots = [
        scenarios.Scenario('bench-boot-grub', 'bochs-bios', expect=[READY.pattern]),
        scenarios.Scenario('bench-boot-ovmf', 'bochs-ovmf', use_shipped_image=True, timeout=240,
                           expect=[READY.pattern]),
    ]
    failed = 0
    print('| boot path (Bochs corei7_skylake_x) | core entry to VMX: ready | of which console output | bring-up work |')
    print('|---|---:|---:|---:|')
    for sc in boots:
        _, ok, detail, _, log = run_scenario(sc)
        m = READY.search(log)
        if not ok or not m:
            print(f'| {sc.name} | failed: {detail.splitlines()[0] if detail else "no figure"} | | |')
            failed += 1
            continue
        total, console = int(m.group(1)), int(m.group(2))
        print(f'| {sc.name} | {total:,} ticks | {console:,} ticks | {total - console:,} ticks |')
    print()
    failed += guest_exits(run_scenario)
    print()
    failed += smp_rows(run_scenario)
    print()
    failed += emulator_host()
    print()
    print('| image | bytes |')
    print('|---|---:|')
    for name, size in image_sizes():
        print(f'| {name} | {size:,} |')
    return 1 if failed else 0
