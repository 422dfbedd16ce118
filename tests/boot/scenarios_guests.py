"""Boot scenarios that run guests (guest/, built by guest/guests.mk into build/guest/): the demo
guest, the platform and loader checks, and the hostile guests plinth must survive. Each guest
prints what it checks and ends through isa-debug-exit with 0 on success, which plinth reports as
status 1; a failed check prints "NAME: check N FAILED: ..." and exits with N."""
from scenarios import BANNER, HALTED, Scenario

# A guest's own lines arrive on plinth's console as "[NAME] text".
CONFIGS = 'tests/boot/configs'


def guest_file(name, ext='bin'):
    return (f'build/guest/{name}.{ext}', f'guests/{name}.{ext}')


def exited(name, status=1):
    return rf'^guest {name} exited with status {status}$'


def done_after(name):
    """Stop the machine once the last guest has ended (or plinth halted or crashed). The runner
    searches for it without re.M, hence the inline flag."""
    return rf'(?m)^guest {name} (exited|stopped)|{HALTED}'


# Nothing a passing run may print: a failed guest check, an exception (plinth's dump, or a guest
# runtime's "unexpected exception"), a crashed CPU, a guest stopped by plinth.
CLEAN = [r'FAILED', r'exception', r'CPU \d+ stopped', r'^guest \S+ stopped']

GUEST_SCENARIOS = [
    Scenario('guests-hello', 'bochs-bios', config=f'{CONFIGS}/guests-hello.cfg',
             files=[guest_file('hello')],
             expect=[BANNER, r'^VMX: ready', r'^\[hello\] Hello from a plinth guest$', exited('hello')],
             absent=CLEAN, done=done_after('hello')),
    Scenario('guests-cpuid', 'bochs-bios', config=f'{CONFIGS}/guests-cpuid.cfg',
             files=[guest_file('cpuid')],
             expect=[BANNER, r'^\[cpuid\] cpuid: check 1 ok: VMX hidden',
                     r'^\[cpuid\] cpuid: check 3 ok: leaf 0x40000000 signature "PlinthPlinth"',
                     r'^\[cpuid\] cpuid: all checks passed$', exited('cpuid')],
             absent=CLEAN, done=done_after('cpuid')),
    # The hypercall ABI: the capability query, unknown numbers, the 32-bit call number; the
    # control right and child memory as config gives them (one image, two guests).
    Scenario('guests-hcall', 'bochs-bios', config=f'{CONFIGS}/guests-hcall.cfg',
             files=[guest_file('hcall'), guest_file('vmm')],
             expect=[BANNER, r'^\[hcall\] hcall: check 1 ok: CHECK_EXTENSION\(NR_MEMSLOTS\) = 16',
                     r'^\[hcall\] hcall: check 3 ok: hypercall 0x7fff = -38',
                     r'^\[hcall\] hcall: control 0, child pages 0$',
                     r'^\[hcall\] hcall: all checks passed$', exited('hcall'),
                     r'^\[hcall-ctl\] hcall: control 1, child pages 2048$',
                     r'^\[hcall-ctl\] hcall: all checks passed$', exited('hcall-ctl'),
                     r'^\[vmm\] vmm: child: Hello from a plinth guest$',
                     r'^\[vmm\] vmm: child exited with status 1$',
                     r'^\[vmm\] vmm: all checks passed$', exited('vmm')],
             absent=CLEAN, done=done_after('vmm')),
    Scenario('guests-control', 'bochs-bios', config=f'{CONFIGS}/guests-control.cfg',
             files=[guest_file('ctltest'), guest_file('ctl32')],
             expect=[BANNER, r'^\[ctltest\] ctltest: check 2 ok: run in turn twice',
                     r'^guest ctltest\.1 vCPU 0: 34 exits \(CPUID 8, HLT 2, I/O instruction 24\), '
                     r'\d+ VMREADs, \d+ VMWRITEs, 26 loads of its deferred registers$',
                     r'^\[ctltest\] ctltest: check 6 ok: the next RUN completed the load',
                     r'^\[ctltest\] ctltest: check 9 ok: CR0.PG without PE in dirty sregs',
                     r'^\[ctltest\] ctltest: check 22 ok: a destroyed vCPU',
                     r'^\[ctltest\] ctltest: check 25 ok: a child spinning without exits: RUN = -4 ',
                     r'^\[ctltest\] ctltest: check 27 ok: CREATE_VM and DESTROY_VM from CPL 3: -1 and -1 ',
                     r'^\[ctltest\] ctltest: all checks passed$', exited('ctltest'),
                     r'^\[ctl32\] ctl32: check 2 ok: CREATE_VM, DESTROY_VM, RUN in 32-bit mode: -EPERM$',
                     r'^\[ctl32\] ctl32: all checks passed$', exited('ctl32')],
             absent=CLEAN, done=done_after('ctl32')),
    Scenario('guests-pio', 'bochs-bios', config=f'{CONFIGS}/guests-pio.cfg',
             files=[guest_file('pio')],
             expect=[BANNER, r'^\[pio\] pio: check 3 ok: fw_cfg RAM size 0x800000',
                     r'^\[pio\] pio: the next line is written by one rep outsb$',
                     r'^\[pio\] pio: this line came through one rep outsb$',
                     r'^\[pio\] pio: all checks passed$', exited('pio')],
             absent=CLEAN, done=done_after('pio')),
    # PAE paging: the PDPTEs that MOV to CR0 and MOV to CR4 load, which plinth emulates and so
    # must put in the VMCS, and those MOV to CR3 loads and VM exits keep.
    Scenario('guests-pae', 'bochs-bios', config=f'{CONFIGS}/guests-pae.cfg',
             files=[guest_file('pae')],
             expect=[BANNER, r'^\[pae\] pae: check 1 ok: PAE paging on',
                     r'^\[pae\] pae: check 2 ok: linear 0x40000000 \(PDPTE 1\) reads 0xa1a2a3a4',
                     r'^\[pae\] pae: check 5 ok: after INVLPG and exits',
                     r'^\[pae\] pae: check 6 ok: MOV to CR3 loaded the new PDPTE 1',
                     r'^\[pae\] pae: check 7 ok: MOV to CR4 \(PSE\) loaded PDPTE 1 again',
                     r'^\[pae\] pae: check 9 ok: paging on again: MOV to CR0 loaded PDPTE 1',
                     r'^\[pae\] pae: all checks passed$', exited('pae')],
             absent=CLEAN, done=done_after('pae')),
    Scenario('guests-multiboot', 'bochs-bios', config=f'{CONFIGS}/guests-multiboot.cfg',
             files=[guest_file('mb1', 'elf'), guest_file('mb2', 'elf'),
                    ('guest/data/module.txt', 'mb/module.txt')],
             expect=[BANNER,
                     r'^\[mb1\] mb1: check 3 ok: command line "mb-test answer=42 # kept"',
                     r'^\[mb1\] mb1: check 7 ok: module at ', r'^\[mb1\] mb1: check 9 ok: boot loader name "plinth"',
                     r'^\[mb1\] mb1: all checks passed$', exited('mb1'),
                     r'^\[mb2\] mb2: running in 64-bit mode',
                     r'^\[mb2\] mb2: check 3 ok: command line "mb-test answer=42 # kept"',
                     r'^\[mb2\] mb2: check 7 ok: module at ', r'^\[mb2\] mb2: check 9 ok: boot loader name "plinth"',
                     r'^\[mb2\] mb2: all checks passed$', exited('mb2')],
             absent=CLEAN, done=done_after('mb2')),
    Scenario('guests-hostile', 'bochs-bios', config=f'{CONFIGS}/guests-hostile.cfg', timeout=120,
             files=[guest_file(g) for g in ('triple', 'pastram', 'fillram', 'scanram', 'storm', 'hello')],
             expect=[BANNER,
                     r'^guest notelf: guests/hello\.bin: multiboot header: no magic 0x1badb002 ',
                     r'^guest huge: cannot allocate 65536 MiB of RAM \(\d+ MiB free\)$',
                     r'^\[triple\] triple: loading an empty IDT and executing int3$',
                     r'guest triple stopped: triple fault',
                     r'^\[pastram\] pastram: RAM is 8 MiB; writing one byte at 0x800000, just past its end$',
                     r'guest pastram stopped: .*0x0*800000\b',
                     # scanram gets the very pages fillram marked
                     r'^guest fillram: 8 MiB RAM from HPA (0x[0-9a-f]+),[\s\S]*'
                     r'^\[fillram\] fillram: filled 8 MiB [\s\S]*^guest fillram exited with status 1$[\s\S]*'
                     r'^guest scanram: 8 MiB RAM from HPA \1,',
                     r'^\[scanram\] scanram: no marker in 8 MiB$', exited('scanram'),
                     r'^\[storm\] storm: 1000 #UD from VMXON, 2000 #GP from MSRs, 1000 #UD from UD2$',
                     exited('storm'),
                     r'^\[hello\] Hello from a plinth guest$', exited('hello')],
             absent=[r'pastram: still running', r'triple: still running', r'FAILED', r'CPU \d+ stopped',
                     r'exception', r'without a fault'],
             done=done_after('hello')),
]

# A VM entry that fails is reported with the SDM's reason, the rule plinth finds broken and the
# guest state, and the guest alone is stopped (selftest=vmentry clears RFLAGS bit 1).
GUEST_SCENARIOS.append(
    Scenario('guests-vmentry-failure', 'bochs-bios', config=f'{CONFIGS}/guests-hello.cfg',
             cmdline='selftest=vmentry', files=[guest_file('hello')],
             expect=[BANNER, r'^selftest: clearing RFLAGS bit 1 of guest hello',
                     r'^guest hello stopped: VM-entry failure: invalid guest state \(exit reason 33, '
                     r'qualification 0: .*\): RFLAGS bit 1 must be 1',
                     r'^guest hello: RIP 0x100000 RSP 0x0 RFLAGS 0x0$',
                     r'^guest hello: CS   selector 0x0008 base 0x0 limit 0xffffffff access 0xa09b$',
                     r'^plinth: 1 of 1 guest ran; all have ended$', r'^plinth: halted\.$'],
             absent=[r'Hello from a plinth guest', r'CPU \d+ stopped']))

# MMIO: each instruction class runs on RAM (the CPU) and on pc-testdev's MMIO RAM (plinth's
# emulator); results must agree (guest/mmio.c).
GUEST_SCENARIOS.append(
    Scenario('guests-mmio', 'bochs-bios', config=f'{CONFIGS}/guests-mmio.cfg',
             files=[guest_file('mmio')],
             expect=[BANNER, r'^\[mmio\] mmio: check 1 ok: mov m8, r8',
                     r'^\[mmio\] mmio: check 42 ok: movdqu xmm, m128',
                     r'^\[mmio\] mmio: check 100 ok: pc-testdev port 0xe0 reads back 0xc0ffee11',
                     r'^\[mmio\] mmio: all checks passed$', exited('mmio')],
             absent=CLEAN, done=done_after('mmio')))

# XSETBV, CR4, CR8, EFER, emulated MSRs, WBINVD/INVD, RDPMC and MONITOR as the guest sees them.
GUEST_SCENARIOS.append(
    Scenario('guests-exits', 'bochs-bios', config=f'{CONFIGS}/guests-exits.cfg',
             files=[guest_file('exits')],
             expect=[BANNER, r'^\[exits\] exits: check 2 ok: MOV CR4 with OSXSAVE',
                     r'^\[exits\] exits: check 4 ok: XSETBV XCR0=2',
                     r'^\[exits\] exits: check 17 ok: MONITOR',
                     r'^\[exits\] exits: all checks passed$', exited('exits')],
             absent=CLEAN, done=done_after('exits')))

# Partitioning (docs/config.md, cpus =): left and right run at once on CPUs 1 and 2, and their
# lines arrive whole though both print as fast as they can; after waits for left, whose CPU it
# shares. The expected order proves the two ran side by side: right's lines come between left's.
CHATTER_LINE = r'chatter: line \d+ of 40: the quick brown fox jumps over the lazy dog$'
GUEST_SCENARIOS.append(
    Scenario('smp-pinned', 'bochs-bios', cpus=4, config=f'{CONFIGS}/smp-pinned.cfg',
             files=[guest_file('chatter'), guest_file('hello')], timeout=120,
             expect=[BANNER, r'^smp: 4 of 4 CPUs online with VMX on$',
                     r'^plinth: CPU 1: 2 guests, from guest left$',
                     r'^plinth: CPU 2: 1 guest, from guest right$',
                     r'^guest (left|right): starting on CPU (1|2)$',
                     r'^guest (left|right): starting on CPU (1|2)$',
                     r'^\[left\] ' + CHATTER_LINE, r'^\[right\] ' + CHATTER_LINE,
                     r'^\[left\] ' + CHATTER_LINE, r'^\[right\] ' + CHATTER_LINE,
                     r'^guest (left|right) exited with status 1$',
                     r'^guest (left|right) exited with status 1$',
                     r'^\[after\] Hello from a plinth guest$', exited('after'),
                     r'^plinth: 3 of 3 guests ran; all have ended$', r'^plinth: halted\.$'],
             absent=CLEAN + [r'^\[(left|right)\] (?!' + CHATTER_LINE + ')', r'console: CPU']))

# CPU lists that cannot be honoured: a guest on a CPU that is not online, two guests that share
# some CPUs but not all. Each is named; no guest starts.
GUEST_SCENARIOS.append(
    Scenario('smp-bad-cpus', 'bochs-bios', cpus=2, config=f'{CONFIGS}/smp-bad-cpus.cfg',
             files=[guest_file('hello')],
             expect=[BANNER, r'^smp: 2 of 2 CPUs online with VMX on$',
                     r'^error: plinth\.cfg:\d+: \[guest far\] cpus = 1,3: CPU 3 is not online '
                     r'\(online: 0-1\)$',
                     r'^error: plinth\.cfg:\d+: \[guest wide\] cpus = 0-1 overlaps \[guest one\] '
                     r'cpus = 0 \(line \d+\) in CPU 0: guests that share a CPU must list the same '
                     r'CPUs \(they then run one after another\)$',
                     r'^plinth: 2 configuration errors in the guests\' CPUs \(2 CPUs online\); '
                     r'not starting any guest$', r'^plinth: halted\.$'],
             absent=[r'starting on CPU', r'exception']))

# A guest with four vCPUs (docs/guests.md, "Several vCPUs"): it finds them in the MADT plinth
# puts at 0xf0000, starts its APs with INIT and start-up IPIs, and checks their APIC ids, IPIs
# between every pair, a broadcast, and the timer in its three modes (guest/smp.c).
GUEST_SCENARIOS.append(
    Scenario('smp-guest', 'bochs-bios', cpus=4, config=f'{CONFIGS}/smp-guest.cfg',
             files=[guest_file('smp')], timeout=180,
             expect=[BANNER, r'^smp: 4 of 4 CPUs online with VMX on$',
                     r'^guest smp: starting on CPU 0$',
                     r'^\[smp\] smp: check 1 ok: the MADT lists 4 CPUs',
                     r'^\[smp\] smp: check 4 ok: xAPIC page: ID 0x0, version 0x60014',
                     r'^\[smp\] smp: check 9 ok: TSC-deadline timer',
                     r'^\[smp\] smp: vCPU 1 reports APIC id 1$', r'^\[smp\] smp: vCPU 3 reports APIC id 3$',
                     r'^\[smp\] smp: check 10 ok: 3 of 3 APs started',
                     r'^\[smp\] smp: vCPU 2: 15 IPIs received, \d+ periodic timer interrupts$',
                     r'^\[smp\] smp: check 14 ok: a broadcast IPI',
                     r'^\[smp\] smp: check 15 ok: a logical-destination IPI',
                     r'^\[smp\] smp: check 16 ok: two NMI IPIs',
                     r'^\[smp\] smp: check 17 ok: CR8 5 is TPR 0x50',
                     r'^\[smp\] smp: check 18 ok: after WRMSR IA32_TSC',
                     r'^\[smp\] smp: all checks passed$', exited('smp'),
                     r'^guest smp vCPU 3: \d+ exits', r'^plinth: halted\.$'],
             absent=CLEAN))

# Misbehaving SMP guests are stopped whole, or contained (guest/smpbad.c): a vCPU that
# triple-faults while its sibling spins with interrupts off stops the guest, both vCPUs; INIT
# to the boot vCPU (a reset) stops it; an IPI flood neither hangs plinth nor the guest, and an
# AP that sends itself INIT can be started again; a start-up IPI whose vector points past the
# guest's RAM stops it (guest/sipibad.asm); so does a guest whose vCPUs all halt with interrupts
# off.
GUEST_SCENARIOS.append(
    Scenario('smp-hostile', 'bochs-bios', cpus=2, config=f'{CONFIGS}/smp-hostile.cfg',
             files=[guest_file('smpbad', 'elf'), guest_file('sipibad')], timeout=180,
             expect=[BANNER, r'^guest triple: starting on CPU 0$',
                     r'^\[triple\] smpbad: vCPU 1 will triple-fault',
                     r'^guest triple stopped: vCPU 1: triple fault at RIP 0x[0-9a-f]+$',
                     r'^guest triple vCPU 0: \d+ exits',
                     r'^guest triple vCPU 1: \d+ exits .*triple fault 1',
                     r'^\[initself\] smpbad: vCPU 0 sends INIT to itself$',
                     r'^guest initself stopped: vCPU 0 \(the boot processor\) got INIT, which resets '
                     r'the machine; plinth does not emulate a reset$',
                     r'^\[flood\] smpbad: vCPU 1 floods vCPU 0 with 20000 IPIs$',
                     r'^\[flood\] smpbad: vCPU 1 sent 20000 IPIs and parked itself with INIT; '
                     r'[1-9]\d* taken here',
                     r'^\[flood\] smpbad: vCPU 1 started 2 times$', exited('flood'),
                     r'^guest sipibad: 64 KiB RAM from HPA',
                     r'^\[sipibad\] sipibad: start-up IPI with vector 0x20',
                     r'^guest sipibad stopped: vCPU 1 got a start-up IPI with vector 0x20: its code '
                     r'at GPA 0x20000 is not in the guest\'s RAM$',
                     r'^\[allhalt\] smpbad: both vCPUs halt with interrupts off$',
                     r'^guest allhalt stopped: every vCPU is halted with nothing to wake it or waits '
                     r'for a start-up IPI: the guest can never run again$',
                     r'^plinth: 5 of 5 guests ran; all have ended$', r'^plinth: halted\.$'],
             absent=[r'FAILED', r'exception', r'CPU \d+ stopped', r'has not stopped',
                     r'console: CPU']))
