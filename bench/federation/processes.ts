import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cpuSecondsOf, memoryOf } from '../process-usage.ts';

/** A process the federation bench started, with the tail of what it printed (for errors). */
export interface Service {
  name: string;
  child: ChildProcess;
  pid: number;
  output: string[];
  stop(): Promise<void>;
}

const root = new URL('../..', import.meta.url).pathname;

/** Starts `node <args>` from the repository root (or `cwd`); `ready` is polled until it resolves true. */
export async function startService(name: string, args: string[], options: { env?: Record<string, string>; cwd?: string; ready: () => Promise<boolean> }): Promise<Service> {
  const child = spawn(process.execPath, args, { cwd: options.cwd ?? root, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(chunk.toString());
    if (output.length > 50) output.shift();
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let exited: number | null | undefined;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', (code) => {
      exited = code;
      resolve();
    }),
  );
  const service: Service = {
    name,
    child,
    pid: child.pid!,
    output,
    async stop() {
      if (exited !== undefined) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exit;
      clearTimeout(timer);
    },
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited !== undefined) throw new Error(`${name} exited with ${exited} before it was ready:\n${output.join('')}`);
    if (await options.ready().catch(() => false)) return service;
    if (Date.now() > deadline) {
      await service.stop();
      throw new Error(`${name} was not ready within 60 s:\n${output.join('')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The process and every descendant (a gateway that forks workers counts whole). */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const parent = Number(readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const tree = [pid];
  for (let index = 0; index < tree.length; index++) tree.push(...(children.get(tree[index]!) ?? []));
  return tree;
}

/** CPU seconds used so far by these processes' trees. */
export function cpuSecondsOfTrees(pids: readonly number[]): number {
  return pids.flatMap(processTree).reduce((sum, pid) => {
    try {
      return sum + cpuSecondsOf(pid);
    } catch {
      return sum; // exited meanwhile
    }
  }, 0);
}

/** Peak resident memory (VmHWM, MB) of a process tree, summed over its processes. */
export function peakMemoryOfTree(pid: number): number {
  return processTree(pid).reduce((sum, member) => {
    try {
      return sum + memoryOf(member).peak;
    } catch {
      return sum;
    }
  }, 0);
}

/** CPU seconds the whole machine has spent busy so far, every process together (/proc/stat). */
export function machineBusySeconds(): number {
  const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / 100;
}
