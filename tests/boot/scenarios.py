"""Boot scenarios: what to boot, on which machine, and what the serial log must (and must not)
show. tests/run.py builds the media, boots them headless two at a time and judges the logs."""
import os
from dataclasses import dataclass, field

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

# Every successful bring-up ends like this; every stop says "halted" or "stopped".
BANNER = r'^plinth \d+\.\d+\.\d+ \(git [0-9a-f]+(-dirty)?, build [0-9a-f]{12}\): type-1 hypervisor'
HALTED = r'plinth: halted\.|CPU \d+ stopped\.'


@dataclass
class Scenario:
    name: str
    machine: str                      # bochs-bios, bochs-ovmf-iso (GRUB ISO); bochs-ovmf, qemu-ovmf (USB image)
    expect: list                      # regexes that must appear, in this order
    absent: list = field(default_factory=list)
    done: str = HALTED                # stop the machine once this appears
    timeout: int = 60
    config: str = 'config/plinth.cfg'  # relative to the repository, or None for no config
    cmdline: str = ''
    files: list = field(default_factory=list)  # (path, name on the boot medium)
    bochs_cpu: str = 'corei7_skylake_x'
    cpus: int = 1
    mem_mb: int = 256
    serial_port: int = 1
    use_shipped_image: bool = False   # boot build/plinth-usb.img itself
    shell_commands: list = field(default_factory=list)  # qemu-ovmf: run by the UEFI shell first

    def config_path(self, workdir):
        return os.path.join(ROOT, self.config) if self.config else None

    def all_files(self):
        """The scenario's files, plus the shipped guests when it boots the shipped config."""
        return self.files + (SHIPPED_GUESTS if self.config == 'config/plinth.cfg' else [])


# What the ISO and USB image carry besides plinth and its config (guest/guests.mk GUEST_MEDIA).
SHIPPED_GUESTS = [('build/guest/hello.bin', 'guests/hello.bin')]


# The shipped config/plinth.cfg runs the demo guest.
DEMO_GUEST = [r'^guest hello: starting on CPU 0$', r'^\[hello\] Hello from a plinth guest$',
              r'^guest hello exited with status 1$', r'^plinth: 1 of 1 guest ran; all have ended$']

VMX_READY = [BANNER, r'cpu: GenuineIntel', r'  VMX yes', r'  EPT yes \(4-level yes, WB yes',
             r'  unrestricted guest yes', r'^VMX: ready \(\d+ TSC ticks since the core\'s first instruction, \d+ of them writing to the console\)']

SCENARIOS = [
    Scenario('bochs-grub-vmx-ready', 'bochs-bios',
             expect=[BANNER, r'boot: multiboot2 via GRUB', r'boot: module plinth\.cfg at',
                     r'boot: ACPI RSDP revision \d+ at', r'memory: \d+ MiB usable, \d+ MiB free'] +
             VMX_READY[1:] + DEMO_GUEST + [r'plinth: halted\.'],
             absent=[r'error', r'exception']),
    Scenario('bochs-ovmf-usb-vmx-ready', 'bochs-ovmf', use_shipped_image=True, timeout=240,
             expect=[r'plinth\.efi \d+\.\d+\.\d+', r'plinth\.efi: exiting boot services',
                     BANNER, r'boot: UEFI via plinth\.efi', r'boot: module plinth\.cfg at',
                     r'memory: \d+ MiB usable'] + VMX_READY[1:-1] +
             [r'VMX: IA32_FEATURE_CONTROL was unlocked; enabled VMX and locked it',
              VMX_READY[-1]] + DEMO_GUEST + [r'plinth: halted\.'],
             absent=[r'error', r'exception']),  # OVMF under Bochs publishes no ACPI tables
    Scenario('bochs-ovmf-grub-iso-vmx-ready', 'bochs-ovmf-iso', use_shipped_image=True, timeout=240,
             expect=[BANNER, r'boot: multiboot2 via GRUB', r'boot: module plinth\.cfg at',
                     r'memory: \d+ MiB usable'] + VMX_READY[1:-1] +
             [r'VMX: IA32_FEATURE_CONTROL was unlocked; enabled VMX and locked it',
              VMX_READY[-1]] + DEMO_GUEST + [r'plinth: halted\.'],
             # GRUB-EFI says "error: no suitable video mode found" (plinth asks for none)
             absent=[r'^error: (?!no suitable video mode found)', r'exception']),
    Scenario('qemu-ovmf-no-vtx', 'qemu-ovmf', use_shipped_image=True, timeout=90,
             done=r'plinth-test: the firmware has control again',
             expect=[r'plinth\.efi: ACPI RSDP revision 2 at 0x[0-9a-f]+',
                     r'plinth\.efi: VT-x not available: this CPU is AuthenticAMD, not Intel; plinth needs '
                     r'Intel VT-x \(AMD SVM is not supported yet\)\.',
                     r'plinth\.efi: cannot run here; returning to the firmware\.',
                     r'^plinth-test: the firmware has control again'],
             absent=[r'exiting boot services']),
    Scenario('qemu-ovmf-load-options', 'qemu-ovmf', use_shipped_image=True, timeout=90,
             shell_commands=[r'fs0:\EFI\BOOT\BOOTX64.EFI loglevel=debug bogus=1 console=com9'],
             done=r'plinth-test: the firmware has control again',
             expect=[r'plinth\.efi: cannot run here; returning to the firmware\.',
                     r"plinth\.efi: error: command line: option 'bogus': unknown option",
                     r"plinth\.efi: error: command line: option 'console': ",
                     r'plinth\.efi: not starting: fix the errors above; returning to the firmware\.',
                     r'^plinth-test: the firmware has control again'],
             absent=[r"option 'loglevel'", r'exiting boot services']),
    Scenario('bochs-penryn-no-ept', 'bochs-bios', bochs_cpu='core2_penryn_t9600',
             expect=[BANNER, r'  VMX yes', r'  EPT no',
                     r'plinth: EPT not supported: this CPU\'s VT-x has no extended page tables',
                     r'plinth: halted\.'],
             absent=[r'VMX: ready']),
    Scenario('bochs-grub-config-errors', 'bochs-bios', config='tests/boot/configs/errors.cfg',
             files=[('tests/boot/configs/errors.cfg', 'present.bin')],
             expect=[BANNER,
                     r"error: plinth\.cfg:7: \[guest first\] key 'colour': unknown key",
                     r"error: plinth\.cfg:11: \[guest second\] key 'image': file 'missing\.bin' "
                     r"not found among the boot modules",
                     r'plinth: 2 configuration errors \(plinth\.cfg and command line\); not starting any guest', r'plinth: halted\.'],
             absent=[r'VMX: ready']),
    Scenario('qemu-ovmf-config-errors', 'qemu-ovmf', config='tests/boot/configs/errors.cfg',
             files=[('tests/boot/configs/errors.cfg', 'present.bin')], timeout=90,
             done=r'plinth-test: the firmware has control again',
             expect=[r"plinth\.efi: error: plinth\.cfg:7: \[guest first\] key 'colour': unknown key",
                     r"plinth\.efi: error: plinth\.cfg:11: \[guest second\] key 'image': file 'missing\.bin' "
                     r"not found in \\EFI\\plinth\\ on the boot volume",
                     r'plinth\.efi: not starting: fix the errors above; returning to the firmware\.',
                     r'^plinth-test: the firmware has control again'],
             absent=[r'exiting boot services']),
    Scenario('bochs-exception-dump', 'bochs-bios', cmdline='selftest=pagefault',
             expect=[BANNER, r'selftest: triggering pagefault in plinth',
                     r'\*\*\* plinth: CPU 0: exception 14 \(#PF page fault\), error code 0x2',
                     r'RIP ffffffff80[0-9a-f]{6}  CS 0008', r'CR0 [0-9a-f]{16}  CR2 000000000dead000',
                     r'RAX [0-9a-f]{16}  RBX', r'R13 [0-9a-f]{16}  R14 [0-9a-f]{16}  R15',
                     r'call stack:( 0xffffffff80[0-9a-f]{6}){4,}',
                     r'\*\*\* plinth: CPU 0 stopped\.'],
             absent=[r'VMX: ready']),
    Scenario('bochs-grub-cmdline-errors', 'bochs-bios', cmdline='bogus=1 loglevel=chatty',
             expect=[BANNER, r"^error: command line: option 'bogus': unknown option \(expected one of ",
                     r"^error: command line: option 'loglevel': invalid log level 'chatty'",
                     r'plinth: 2 configuration errors \(plinth\.cfg and command line\); not starting '
                     r'any guest', r'plinth: halted\.'],
             absent=[r'VMX: ready']),
    Scenario('bochs-console-com2-debug', 'bochs-bios', cmdline='console=com2,115200 loglevel=debug',
             serial_port=2,
             expect=[BANNER, r'boot: command line "console=com2,115200 loglevel=debug"',
                     r'paging: direct map of \d+ GiB with 1 GiB pages',
                     r'  [0-9a-f]{16}-[0-9a-f]{16} usable', r'^VMX: ready', r'plinth: halted\.']),
    # Every CPU: ACPI's MADT (Bochs BIOS), INIT-SIPI-SIPI through the trampoline below 640 KiB,
    # long mode on plinth's tables, VMXON on each; then the demo guest still runs.
    Scenario('bochs-smp-bringup', 'bochs-bios', cpus=4,
             expect=[BANNER, r'^VMX: ready',
                     r'^acpi: MADT at 0x[0-9a-f]+: 4 CPUs \(4 enabled, 0 online-capable\)',
                     r'^smp: boot CPU is CPU 0 \(APIC id 0\); AP start-up code at 0x[0-9a-f]+$',
                     r'^smp: CPU 1 \(APIC id 1\) up, VMX on$', r'^smp: CPU 2 \(APIC id 2\) up, VMX on$',
                     r'^smp: CPU 3 \(APIC id 3\) up, VMX on$', r'^smp: 4 of 4 CPUs online with VMX on$']
             + DEMO_GUEST + [r'plinth: halted\.'],
             absent=[r'error', r'exception', r'left out']),
    # A CPU that ACPI lists but that never answers is reported and left out; the rest go on.
    Scenario('bochs-smp-phantom-cpu', 'bochs-bios', cpus=2, cmdline='selftest=phantom-cpu',
             expect=[BANNER, r'^selftest: adding a CPU with APIC id 254 that does not exist$',
                     r'^smp: CPU 1 \(APIC id 1\) up, VMX on$',
                     r'^smp: CPU with APIC id 254 did not answer INIT-SIPI-SIPI within 100 ms; left out$',
                     r'^smp: 2 of 3 CPUs online with VMX on$'] + DEMO_GUEST + [r'plinth: halted\.'],
             absent=[r'exception', r'did not fault']),
    # A CPU that stops while it holds the console: after 2 s the others say so and print again.
    Scenario('bochs-smp-console-stall', 'bochs-bios', cpus=2, cmdline='selftest=console-stall',
             expect=[BANNER, r'^smp: 2 of 2 CPUs online with VMX on$',
                     r'^selftest: CPU 1 takes the console and stops',
                     r'^console: CPU 1 has held the console for over 2000 ms; CPU 0 writes without '
                     r'waiting$',
                     r'^selftest: CPU 0 prints while CPU 1 holds the console$']
             + DEMO_GUEST + [r'plinth: halted\.'],
             absent=[r'exception', r'did not fault']),
]
