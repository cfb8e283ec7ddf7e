import { readdirSync, readFileSync } from 'node:fs';

const TICK_MS = 10; // USER_HZ is 100 on Linux

/** CPU ms used so far by a process and (unless told not to) its live descendants, summed by command name. */
function processTree(pid: number, into = new Map<string, number>(), descendants = true): Map<string, number> {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const name = /\((.*)\)/.exec(stat)![1];
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    into.set(name, (into.get(name) ?? 0) + (Number(fields[11]) + Number(fields[12])) * TICK_MS);
    if (!descendants) return into;
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      for (const child of readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean))
        processTree(Number(child), into);
    }
  } catch {
    // the process ended
  }
  return into;
}

/** Machine-wide busy and total CPU ms so far (all cores). */
function machine(): { busy: number; total: number } {
  const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  const total = ticks.reduce((a, b) => a + b, 0);
  return { busy: (total - ticks[3] - ticks[4]) * TICK_MS, total: total * TICK_MS };
}

/**
 * Starts counting; `stop()` returns the CPU seconds each labelled process tree used, by command
 * name, and how busy the whole machine was meanwhile. This process counts alone (its children are the app).
 */
export function cpuMeter(roots: Record<string, number>) {
  const trees = () =>
    Object.entries(roots).map(([label, pid]) => [label, processTree(pid, new Map(), pid !== process.pid)] as const);
  const before = new Map(trees());
  const m0 = machine();
  return () => {
    const seconds = (ms: number) => Math.round(ms / 100) / 10;
    const used = trees().map(([label, after]) => [
      label,
      Object.fromEntries([...after].map(([name, ms]) => [name, seconds(ms - (before.get(label)!.get(name) ?? 0))])),
    ]);
    const m1 = machine();
    return {
      processSeconds: Object.fromEntries(used),
      machineBusyFraction: Math.round(((m1.busy - m0.busy) / (m1.total - m0.total)) * 100) / 100,
    };
  };
}
