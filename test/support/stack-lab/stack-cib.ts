/**
 * The lab's cluster configuration in crmsh's configure language: fencing
 * through fence_tandem_netns, and the service stack as one group (ordered
 * and colocated) Mirror → PhysicalVolume (ext4) → Database → App →
 * VirtualIP, each with a monitor.
 */
import path from 'node:path';
import { repoRoot } from '../paths.js';
import { arrayUri } from './storage-network.js';
import { postgresBinDir, volumeLayout } from './stack-volume.js';

/** The service address clients use. */
export const virtualIp = '198.19.9.100';
/** The rows app's HTTP port. */
export const appPort = 8080;
/** PostgreSQL's port inside each node's namespace. */
export const postgresPort = 5432;

/** Paths shared by the stack's resources (the same on both nodes, as on real hosts). */
export interface StackPaths {
  /** Where the volume is mounted. */
  readonly mountPoint: string;
  /** The mirror's NBD unix socket. */
  readonly mirrorSocket: string;
  /** PostgreSQL's Unix socket directory. */
  readonly postgresSockets: string;
  /** The app's log file. */
  readonly appLog: string;
}

/** The stack's paths under `dir`. */
export function stackPaths(dir: string): StackPaths {
  return {
    mountPoint: path.join(dir, 'volume'),
    mirrorSocket: path.join(dir, 'run', 'mirror.nbd'),
    postgresSockets: path.join(dir, 'run', 'postgresql'),
    appLog: path.join(dir, 'rows-app.log'),
  };
}

/** The rows app's launcher path. */
export const rowsAppPath = path.join(repoRoot, 'dist', 'scripts', 'demo', 'rows-app.js');

/** crm configure lines for the whole stack; `fencePrefix` is fence_tandem_netns's netns_prefix. */
export function stackConfiguration(paths: StackPaths, fencePrefix: string): string {
  const pgdata = path.join(paths.mountPoint, volumeLayout.pgdata);
  const appEnv = [`PGHOST=${paths.postgresSockets}`, `PGPORT=${postgresPort}`, 'PGDATABASE=postgres', `PSQL=${postgresBinDir}/psql`, `ROWS_APP_LISTEN=0.0.0.0:${appPort}`];
  return [
    'property stonith-enabled=true no-quorum-policy=ignore stonith-action=off',
    // A node that comes back does not take the service back (no second outage).
    'rsc_defaults resource-stickiness=100',
    `primitive fence-netns stonith:fence_tandem_netns params netns_prefix=${fencePrefix} op monitor interval=60s timeout=20s`,
    `primitive volume-mirror ocf:tandem:Mirror params legs="${arrayUri(0)} ${arrayUri(1)}" socket=${paths.mirrorSocket} io_timeout=5000`
      + ' op monitor interval=5s timeout=20s',
    `primitive volume-fs ocf:tandem:PhysicalVolume params device="nbd+unix:///?socket=${paths.mirrorSocket}" nbd_client=fuse directory=${paths.mountPoint} fstype=ext4`
      + ' op monitor interval=10s timeout=40s',
    `primitive database ocf:tandem:Database params pgdata=${pgdata} bindir=${postgresBinDir} pgport=${postgresPort} socketdir=${paths.postgresSockets}`
      + ' listen_addresses=localhost op monitor interval=5s timeout=20s',
    `primitive app ocf:tandem:App params command=${process.execPath} args=${rowsAppPath} user=postgres environment="${appEnv.join(' ')}"`
      + ` logfile=${paths.appLog} check_http=http://127.0.0.1:${appPort}/health op monitor interval=5s timeout=20s`,
    `primitive vip ocf:tandem:VirtualIP params ip=${virtualIp} cidr_netmask=24 nic=pub op monitor interval=5s timeout=20s`,
    'group service volume-mirror volume-fs database app vip',
  ].join('\n') + '\n';
}
