/**
 * Test harness for the mirror: temp dirs, the engine and nbdkit as real
 * child processes (killed by PID), and small waits. Every process started
 * here is registered and killed by `cleanup()`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, open } from 'node:fs/promises';
import { createWriteStream, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { execa } from 'execa';
import { callControl } from '../../src/mirror/control.js';
import type { MirrorStatus } from '../../src/mirror/status.js';

export { cliPath as CLI } from '../support/paths.js';
import { cliPath as CLI } from '../support/paths.js';

export class Harness {
  readonly processes = new Set<ChildProcess>();
  private constructor(readonly dir: string) {}

  /**
   * A fresh directory under the system's temporary directory, or with
   * `inMemory` under /dev/shm (tmpfs: a flush there costs nothing, so a
   * test whose engine decisions follow the legs' latency does not depend on
   * the disk of the machine it runs on).
   */
  static async create(name: string, options: { inMemory?: boolean } = {}): Promise<Harness> {
    const parent = options.inMemory ? '/dev/shm' : tmpdir();
    return new Harness(await mkdtemp(join(parent, `tdm-mirror-${process.pid}-${name}-`)));
  }

  path(name: string): string { return join(this.dir, name); }

  /** Runs `tandem ...` to completion. */
  tandem(args: string[], options: { reject?: boolean } = {}) {
    return execa('node', [CLI, ...args], { reject: options.reject ?? true, env: { TANDEM_LOG_LEVEL: 'warn' } });
  }

  /** Starts a process in the background and registers it for cleanup. */
  spawn(command: string, args: string[], logName?: string, env: Record<string, string> = {}): ChildProcess {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', logName ? 'pipe' : 'ignore'], env: { ...process.env, TANDEM_LOG_LEVEL: 'info', ...env } });
    if (logName && child.stderr) child.stderr.pipe(createWriteStream(this.path(logName), { flags: 'a' }));
    this.processes.add(child);
    child.on('exit', () => this.processes.delete(child));
    return child;
  }

  /** `nbdkit -f -U SOCK file FILE`: one "array". Resolves once the socket exists. */
  async startNbdkit(file: string, socketPath: string, filters: string[] = [], params: string[] = []): Promise<ChildProcess> {
    const child = this.spawn('nbdkit', ['-f', '-U', socketPath, ...filters, 'file', file, ...params]);
    await waitFor(() => existsSync(socketPath), 10_000, `nbdkit socket ${socketPath}`);
    return child;
  }

  /**
   * `tandem mirror serve` with a control socket; resolves once it answers.
   * With io_uring on for file legs, as the Mirror agent starts it, unless `ioUring` is false.
   */
  async startEngine(legs: string[], socketPath: string, controlPath: string, extra: string[] = [], options: { ioUring?: boolean } = {}): Promise<ChildProcess> {
    const listen = socketPath.includes(':') && !socketPath.startsWith('/') ? ['--listen', socketPath] : ['--socket', socketPath];
    const env = { UV_USE_IO_URING: options.ioUring === false ? '0' : '1' };
    const child = this.spawn('node', [CLI, 'mirror', 'serve', ...legs, ...listen, '--control', controlPath, ...extra], 'engine.log', env);
    let exited = false;
    child.on('exit', () => { exited = true; });
    await waitFor(async () => {
      if (exited) throw new Error(`engine exited early (see ${this.path('engine.log')})`);
      return (await status(controlPath).then(() => true, () => false));
    }, 20_000, 'engine control socket');
    return child;
  }

  /** SIGTERM, then SIGKILL if the child is still there after `graceMs`; resolves once it is gone. */
  async stop(child: ChildProcess, graceMs: number): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await gone;
    clearTimeout(timer);
  }

  /** Kills one child and waits for it to be gone. */
  async kill(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await gone;
  }

  async cleanup(): Promise<void> {
    for (const child of [...this.processes]) await this.kill(child).catch(() => undefined);
    if (process.env['TANDEM_TEST_KEEP_LOGS']) await cp(this.path('engine.log'), `${process.env['TANDEM_TEST_KEEP_LOGS']}/${basename(this.dir)}.engine.log`).catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** A file leg whose storage can be made to stop answering (see startHangableLeg). */
export interface HangableLeg {
  /** The leg's file. */
  readonly path: string;
  /** Every read, write and flush on the file now blocks in the kernel. */
  hang(): void;
  /** The storage answers again; what was blocked goes on. */
  answer(): void;
  /** Lets the storage answer, then unmounts (also after a failure). */
  cleanup(): Promise<void>;
}

/**
 * A file leg on storage that can hang like an array whose paths all died:
 * the file lives on a FUSE mount (nbdfuse over nbdkit's memory plugin), and
 * hang() stops nbdfuse with SIGSTOP.
 */
export async function startHangableLeg(harness: Harness, name: string, sizeMiB = 32): Promise<HangableLeg> {
  const mountPoint = harness.path(name);
  await mkdir(mountPoint);
  const arraySocket = harness.path(`${name}.sock`);
  harness.spawn('nbdkit', ['-f', '-U', arraySocket, 'memory', `${sizeMiB}M`]);
  await waitFor(() => existsSync(arraySocket), 10_000, 'nbdkit');
  const nbdfuse = harness.spawn('nbdfuse', [mountPoint, nbdUri(arraySocket)]);
  const path = `${mountPoint}/nbd`;
  await waitFor(() => existsSync(path), 10_000, 'nbdfuse to serve its file');
  const running = (): boolean => nbdfuse.pid !== undefined && nbdfuse.exitCode === null && nbdfuse.signalCode === null;
  return {
    path,
    hang: () => { nbdfuse.kill('SIGSTOP'); },
    answer: () => { if (running()) nbdfuse.kill('SIGCONT'); },
    cleanup: async () => {
      // A stopped FUSE server would leave its users (and the unmount) blocked: let it answer first.
      if (running()) nbdfuse.kill('SIGCONT');
      // The leg's users, then the FUSE server while its backend still answers (without it, nbdfuse may
      // wait forever on requests in flight to it), then the rest. SIGKILL for one that does not go.
      const users = [...harness.processes].filter((child) => child !== nbdfuse && child.spawnargs[0] !== 'nbdkit');
      for (const child of [...users, nbdfuse, ...harness.processes]) await harness.stop(child, 5000);
      // Lazy: the mount may still be busy for a moment after its users went; it must not stay behind.
      await execa('fusermount3', ['-u', '-z', mountPoint], { reject: false, timeout: 10_000 });
    },
  };
}

export function status(controlPath: string): Promise<MirrorStatus> {
  return callControl(controlPath, { command: 'status' }, 10_000) as Promise<MirrorStatus>;
}

/** Polls until `check` is true. @throws naming `what` after `timeoutMs`. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export function nbdUri(socketPath: string): string { return `nbd+unix:///?socket=${socketPath}`; }

/** Reads a file's first `bytes` bytes (a leg's data area). */
export async function readHead(path: string, bytes: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    await handle.read(buffer, 0, bytes, 0);
    return buffer;
  } finally {
    await handle.close();
  }
}

/** qemu-img compare of the export against one leg's data area (raw driver with a size limit). */
export async function compareExportWithLeg(socketPath: string, legPath: string, sizeBytes: number): Promise<string> {
  const result = await execa('qemu-img', ['compare', '--image-opts',
    `driver=raw,file.driver=nbd,file.path=${socketPath}`,
    `driver=raw,size=${sizeBytes},file.driver=file,file.filename=${legPath}`]);
  return result.stdout;
}
