/**
 * Provisioning of the mirrored volume, done once as a sysadmin would before
 * the cluster manages it: two fresh legs (`tandem mirror create`), and an
 * ext4 filesystem holding an initdb'd PostgreSQL data directory, written
 * through the mirror engine (so both legs get it) with nbdcopy.
 */
import { spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { cliPath } from '../paths.js';
import { waitUntil } from '../../membership/netns-cluster.js';

export const postgresBinDir = '/usr/lib/postgresql/15/bin';

/** Layout of the volume's filesystem. */
export const volumeLayout = { pgdata: 'pgdata' } as const;

async function postgresIds(): Promise<{ uid: number; gid: number }> {
  const { stdout } = await execa('getent', ['passwd', 'postgres']);
  const [, , uid, gid] = stdout.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/**
 * Creates `legFiles` (sparse, `sizeMiB` each) as one mirrored volume with
 * ext4 and a PostgreSQL data directory on it. `workDir` holds scratch files
 * (made world-searchable: initdb runs as postgres).
 * @throws Error naming the step that failed.
 */
export async function provisionVolume(legFiles: readonly string[], sizeMiB: number, workDir: string): Promise<void> {
  const env = { ...process.env, TANDEM_LOG_LEVEL: 'warn' };
  await execa(process.execPath, [cliPath, 'mirror', 'create', ...legFiles, '--size', `${sizeMiB}M`, '--assume-clean'], { env });
  const ids = await postgresIds();
  const tree = path.join(workDir, 'volume-tree');
  const pgdata = path.join(tree, volumeLayout.pgdata);
  mkdirSync(pgdata, { recursive: true });
  for (const directory of [workDir, tree]) chmodSync(directory, 0o755); // initdb runs as postgres
  chownSync(pgdata, ids.uid, ids.gid);
  await execa('runuser', ['-u', 'postgres', '--', path.join(postgresBinDir, 'initdb'), '-A', 'trust', '-D', pgdata, '--no-sync'], { cwd: '/' });
  const image = path.join(workDir, 'volume.ext4');
  await execa('mkfs.ext4', ['-q', '-F', '-E', 'nodiscard,root_owner=0:0', '-d', tree, image, `${sizeMiB}M`]);
  // The image goes onto the volume through the engine, which writes both legs.
  const socket = path.join(workDir, 'provision.nbd');
  const control = path.join(workDir, 'provision.ctl');
  const engine = spawn(process.execPath, [cliPath, 'mirror', 'serve', ...legFiles, '--socket', socket, '--control', control, '--node', 'provisioning'], { stdio: 'ignore', env });
  try {
    await waitUntil(() => {
      if (engine.exitCode !== null) throw new Error(`mirror engine exited with ${engine.exitCode} while provisioning`);
      return existsSync(control);
    }, 20_000, 'the provisioning mirror engine');
    await execa('nbdcopy', [image, `nbd+unix:///?socket=${socket}`]);
  } finally {
    if (engine.exitCode === null) {
      const exited = new Promise((resolve) => engine.once('exit', resolve));
      engine.kill('SIGTERM'); // in order: flush, mark clean, release the claim
      await exited;
    }
  }
  await execa('rm', ['-rf', tree, image]);
}
