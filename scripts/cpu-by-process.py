#!/usr/bin/env python3
"""CPU time by process kind while it runs, for finding where a benchmark's
time goes (docs/performance.md): Chromium's processes by their --type
(renderer, gpu-process, utility…; the browser process has none), every
other process by its name. Reads /proc twice a second and keeps each
process's last figure, so processes that ended still count; what a process
had used before this started is left out. Prints the totals on SIGINT/SIGTERM.

    python3 scripts/cpu-by-process.py > cpu.txt & p=$!
    provrum run --service anmalan-om-olagenhet
    kill $p; wait $p; cat cpu.txt
"""
import os
import signal
import time

last, first = {}, {}
stop = False


def halt(*_):
    global stop
    stop = True


signal.signal(signal.SIGTERM, halt)
signal.signal(signal.SIGINT, halt)
HZ = os.sysconf("SC_CLK_TCK")


def kind(pid, comm):
    # Chromium rewrites its command line into one string (setproctitle).
    try:
        args = open(f"/proc/{pid}/cmdline").read().replace("\0", " ").split()
    except OSError:
        return comm
    types = [a[len("--type="):] for a in args if a.startswith("--type=")]
    return "chromium " + (types[0] if types else "browser")


def sample(initial):
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            stat = open(f"/proc/{pid}/stat").read()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        used, started = int(fields[11]) + int(fields[12]), fields[19]
        key = (pid, started)
        if key in last:
            name = last[key][0]  # an exiting process's command line is empty
        elif comm.startswith("chrom"):
            name = kind(pid, comm)
        else:
            name = comm
        last[key] = (name, used)
        if initial:
            first[key] = used


sample(True)
while not stop:
    time.sleep(0.5)
    sample(False)
totals = {}
for key, (name, used) in last.items():
    totals[name] = totals.get(name, 0) + used - first.get(key, 0)
for name, ticks in sorted(totals.items(), key=lambda x: -x[1])[:15]:
    print(f"{ticks / HZ:8.1f} s  {name}")
