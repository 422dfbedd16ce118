#!/usr/bin/env python3
"""The runner behind `make test`: host unit tests (cmocka), short fuzz runs, and boot scenarios
(tests/boot/scenarios.py) booted headless in Bochs and QEMU and judged by their serial logs.
One line per test; the last line is "N passed, N failed"; the exit status is non-zero on any
failure."""
import argparse
import concurrent.futures
import glob
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, 'build')
sys.path.insert(0, os.path.join(ROOT, 'tests', 'boot'))
sys.path.insert(0, os.path.join(ROOT, 'tests', 'bench'))
import scenarios  # noqa: E402
import scenarios_guests  # noqa: E402

ANSI = re.compile(r'\x1b\[[0-9;=?]*[A-Za-z]')


class Results:
    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.failures = []

    def record(self, name, ok, detail='', seconds=None):
        took = f' ({seconds:.1f}s)' if seconds is not None else ''
        if ok:
            self.passed += 1
            print(f'PASS {name}{took}', flush=True)
        else:
            self.failed += 1
            self.failures.append(name)
            print(f'FAIL {name}{took}: {detail}', flush=True)


# ---- unit tests ------------------------------------------------------------------------------
CMOCKA_RESULT = re.compile(r'^\[\s*(OK|FAILED|SKIPPED)\s*\] (\S+)$')


def run_unit(results, only=None):
    bins = sorted(glob.glob(os.path.join(BUILD, 'unit', 'test_*')))
    if not bins:
        results.record('unit', False, 'no unit test binaries under build/unit (run make first)')
    for path in bins:
        name = os.path.basename(path)
        if only and not re.search(only, name):
            continue
        start = time.time()
        env = dict(os.environ, CMOCKA_MESSAGE_OUTPUT='stdout',
                   ASAN_OPTIONS='detect_leaks=1:abort_on_error=1',
                   UBSAN_OPTIONS='print_stacktrace=1:halt_on_error=1')
        proc = subprocess.run([path], capture_output=True, text=True, env=env, cwd=ROOT)
        seen = set()
        running = None
        for line in proc.stdout.splitlines():
            if line.startswith('[ RUN      ]'):
                running = line.split(']', 1)[1].strip()
                continue
            m = CMOCKA_RESULT.match(line.strip())
            if m and m.group(2) == running and running not in seen:
                seen.add(running)
                ok = m.group(1) != 'FAILED'
                results.record(f'unit/{name}/{running}', ok,
                               '' if ok else 'see output above')
                if not ok:
                    print(proc.stdout[-3000:])
                running = None
        if proc.returncode != 0 and not any(f.startswith(f'unit/{name}/') for f in results.failures):
            results.record(f'unit/{name}', False,
                           f'exited with {proc.returncode} (crash or sanitizer report)\n'
                           + proc.stdout[-2000:] + proc.stderr[-4000:], time.time() - start)
        elif not seen:
            results.record(f'unit/{name}', False, 'ran no test')


# ---- fuzzing ---------------------------------------------------------------------------------
def run_fuzz(results, seconds, only=None):
    for path in sorted(glob.glob(os.path.join(BUILD, 'fuzz', 'fuzz_*'))):
        name = os.path.basename(path)
        if only and not re.search(only, name):
            continue
        seeds = os.path.join(ROOT, 'tests', 'fuzz', 'seeds', name)
        corpus = os.path.join(BUILD, 'fuzz', f'corpus-{name}')
        os.makedirs(corpus, exist_ok=True)
        dirs = [corpus] + ([seeds] if os.path.isdir(seeds) else [])
        start = time.time()
        proc = subprocess.run([path, f'-max_total_time={seconds}', '-seed=1', '-print_final_stats=0',
                               f'-artifact_prefix={BUILD}/fuzz/{name}-'] + dirs,
                              capture_output=True, text=True, cwd=ROOT)
        results.record(f'fuzz/{name}', proc.returncode == 0,
                       proc.stderr[-3000:], time.time() - start)


# ---- boot scenarios --------------------------------------------------------------------------
def strip(text):
    return ANSI.sub('', text).replace('\r', '')


def netns_prefix():
    """Bochs' rfb display listens on port 5900: keep it in a private network namespace."""
    if shutil.which('unshare') is None:
        return []
    for prefix in (['unshare', '--net'], ['unshare', '-rn']):
        if subprocess.run(prefix + ['true'], capture_output=True).returncode == 0:
            return prefix
    return []


def make_media(sc, workdir, name, tool, args):
    """The shipped build/NAME, or one made by tools/TOOL for this scenario (args[0] names the
    build product it packs)."""
    out = os.path.join(workdir, name)
    if sc.use_shipped_image:
        shutil.copy(os.path.join(BUILD, name), out)
    else:
        subprocess.run([os.path.join(ROOT, 'tools', tool), out, os.path.join(BUILD, args[0])] + args[1:],
                       check=True)
    return out


def build_artifacts(sc, workdir):
    """Makes the disk or ISO the scenario boots; returns the command line to run."""
    cfg = sc.config_path(workdir)
    files = [f'{src}={dst}' for src, dst in sc.all_files()]
    if sc.machine in ('bochs-bios', 'bochs-ovmf-iso'):
        iso = make_media(sc, workdir, 'plinth.iso', 'mkiso', ['plinth.elf', cfg or '', sc.cmdline] + files)
        rom = '/usr/share/bochs/BIOS-bochs-latest' if sc.machine == 'bochs-bios' else '/usr/share/ovmf/OVMF.fd'
        disk, boot = ('cdrom', iso, 'status=inserted'), 'cdrom'
    elif sc.machine in ('bochs-ovmf', 'qemu-ovmf'):
        img = make_media(sc, workdir, 'plinth-usb.img', 'mkusb', ['plinth.efi', cfg or ''] + files)
        if sc.machine == 'qemu-ovmf':
            # The ESP's files plus a startup.nsh: the UEFI shell runs it only if plinth.efi
            # returned to the firmware, which is what these scenarios prove.
            esp = os.path.join(workdir, 'esp')
            os.makedirs(esp, exist_ok=True)
            subprocess.run(['mcopy', '-s', '-n', '-i', img + '@@1M', '::/EFI', esp], check=True,
                           env=dict(os.environ, MTOOLS_SKIP_CHECK='1'))
            with open(os.path.join(esp, 'startup.nsh'), 'w') as f:
                for line in sc.shell_commands:
                    f.write(line + '\r\n')
                f.write('echo plinth-test: the firmware has control again\r\nreset -s\r\n')
            serial = os.path.join(workdir, 'serial.log')
            return ['qemu-system-x86_64', '-machine', 'pc', '-m', '256', '-bios', '/usr/share/ovmf/OVMF.fd',
                    '-drive', f'file=fat:rw:{esp},format=raw', '-nic', 'none', '-display', 'none',
                    '-serial', f'file:{serial}', '-no-reboot'], None
        disk, boot, rom = ('disk', img, 'mode=flat'), 'disk', '/usr/share/ovmf/OVMF.fd'
    else:
        raise ValueError(sc.machine)
    env = dict(os.environ, BOCHS_CPU=sc.bochs_cpu, BOCHS_CPUS=str(sc.cpus), BOCHS_MEM_MB=str(sc.mem_mb),
               BOCHS_ROM=rom, BOCHS_DISK_TYPE=disk[0], BOCHS_DISK_PATH=disk[1], BOCHS_DISK_OPTION=disk[2],
               BOCHS_BOOT=boot,
               SERIAL_LOG=os.path.join(workdir, 'serial.log'), SERIAL_COM_TWO_LOG=os.path.join(workdir, 'serial2.log'),
               BOCHS_LOG=os.path.join(workdir, 'bochs.log'))
    rc = os.path.join(workdir, 'bochs.rc')
    with open(rc, 'w') as f:
        f.write('continue\nquit\n')
    cmd = netns_prefix() + ['bochs-bin', '-q', '-f', os.path.join(ROOT, 'tests', 'boot', 'bochsrc.in'), '-rc', rc]
    return cmd, env


def run_machine(cmd, env, log_path, done_re, timeout):
    """Runs until done_re appears in the log (plus a moment to flush), the machine exits, or
    the timeout passes. Returns (log text, how it ended)."""
    start = time.time()
    out = open(os.path.join(os.path.dirname(log_path), 'machine.out'), 'w')
    proc = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                            start_new_session=True)
    ended = 'timeout'
    try:
        while time.time() - start < timeout:
            if proc.poll() is not None:
                ended = 'exited'
                break
            text = read(log_path)
            if done_re and re.search(done_re, strip(text)):
                time.sleep(0.5)
                ended = 'done'
                break
            time.sleep(0.25)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        out.close()
    return strip(read(log_path)), ended


def read(path):
    try:
        with open(path, 'rb') as f:
            return f.read().decode('utf-8', 'replace')
    except FileNotFoundError:
        return ''


def judge(sc, log):
    pos = 0
    for pattern in sc.expect:
        m = re.compile(pattern, re.M).search(log, pos)
        if not m:
            return f'missing /{pattern}/ (in order)'
        pos = m.end()
    for pattern in sc.absent:
        m = re.search(pattern, log, re.M)
        if m:
            return f'unexpected /{pattern}/: {m.group(0)!r}'
    return None


def run_scenario(sc):
    workdir = os.path.join(BUILD, 'tests', sc.name)
    shutil.rmtree(workdir, ignore_errors=True)
    os.makedirs(workdir)
    start = time.time()
    try:
        cmd, env = build_artifacts(sc, workdir)
    except subprocess.CalledProcessError as e:
        return sc, False, f'could not build the boot media: {e}', 0.0, ''
    log_name = 'serial2.log' if sc.serial_port == 2 else 'serial.log'
    log, ended = run_machine(cmd, env, os.path.join(workdir, log_name), sc.done, sc.timeout)
    problem = judge(sc, log)
    if problem and ended == 'timeout':
        problem += f' (timed out after {sc.timeout}s)'
    detail = ''
    if problem:
        tail = '\n'.join('    | ' + l for l in log.splitlines()[-25:])
        detail = f'{problem}\n    logs: {workdir}\n{tail}'
    return sc, problem is None, detail, time.time() - start, log


def run_boot(results, jobs, only=None):
    every = scenarios.SCENARIOS + scenarios_guests.GUEST_SCENARIOS
    chosen = [s for s in every if not only or re.search(only, s.name)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        for sc, ok, detail, took, _ in pool.map(run_scenario, chosen):
            results.record(f'boot/{sc.name}', ok, detail, took)


def run_bench(jobs):
    import bench
    return bench.main(run_scenario)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--only', choices=['unit', 'fuzz', 'boot', 'bench'])
    ap.add_argument('-k', help='only tests whose name matches this regex')
    ap.add_argument('--jobs', type=int, default=2)
    ap.add_argument('--fuzz-seconds', type=int, default=int(os.environ.get('FUZZ_SMOKE_SECONDS', '8')))
    args = ap.parse_args()
    if args.only == 'bench':
        sys.exit(run_bench(args.jobs))
    results = Results()
    if args.only in (None, 'unit'):
        run_unit(results, args.k)
    if args.only in (None, 'fuzz'):
        run_fuzz(results, args.fuzz_seconds, args.k)
    if args.only in (None, 'boot'):
        run_boot(results, args.jobs, args.k)
    if results.failures:
        print('failed: ' + ', '.join(results.failures))
    print(f'{results.passed} passed, {results.failed} failed')
    sys.exit(1 if results.failed else 0)


if __name__ == '__main__':
    main()
