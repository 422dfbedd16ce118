"""make bench: figures that later changes are compared against, measured in Bochs, where the TSC
advances one tick per executed instruction (so the figures are deterministic instruction counts,
not real-hardware cycles). Not part of make test: nothing here fails on a slow machine."""
import os
import re

import scenarios

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
READY = re.compile(r"VMX: ready \((\d+) TSC ticks since the core's first instruction, (\d+) of them "
                   r"writing to the console\)")


def image_sizes():
    rows = []
    for name in ('plinth.elf', 'plinth.bin', 'plinth.efi', 'plinth.iso', 'plinth-usb.img'):
        path = os.path.join(ROOT, 'build', name)
        if os.path.exists(path):
            rows.append((name, os.path.getsize(path)))
    return rows


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
    print('| image | bytes |')
    print('|---|---:|')
    for name, size in image_sizes():
        print(f'| {name} | {size:,} |')
    return 1 if failed else 0
