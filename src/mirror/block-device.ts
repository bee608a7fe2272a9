/**
 * The injected interface through which the mirror engine reaches a leg's
 * storage: a local file or block device, or a remote NBD export. Tests of
 * the engine's logic can pass an in-memory one.
 */
export interface BlockDevice {
  /** Human-readable: the path or URI. */
  readonly description: string;
  readonly sizeBytes: number;
  read(offsetBytes: number, lengthBytes: number): Promise<Buffer>;
  /** With `fua`, resolves only once the data is on stable storage. */
  write(offsetBytes: number, data: Buffer, fua?: boolean): Promise<void>;
  flush(): Promise<void>;
  close(): Promise<void>;
  /** Requests a file leg sent each way (io_uring or its I/O threads); absent on other legs. */
  readonly routed?: Readonly<{ uring: number; threads: number }>;
}

/** Parsed leg specification: a path, or an NBD URI. */
export type LegSpec =
  | { kind: 'file'; path: string }
  | { kind: 'nbd'; uri: string; exportName: string; address: { socketPath: string } | { host: string; port: number } };

/** How a leg is named in messages: its path or URI. */
export function legName(spec: LegSpec): string {
  return spec.kind === 'file' ? spec.path : spec.uri;
}

/**
 * Parses a leg as given on the command line: `nbd://host[:port][/export]`,
 * `nbd+unix:///[export]?socket=PATH`, or else a file / block device path.
 * @throws TypeError naming the bad URI.
 */
export function parseLegSpec(text: string): LegSpec {
  if (text.startsWith('nbd://') || text.startsWith('nbd+unix://')) {
    const url = new URL(text);
    const exportName = decodeURIComponent(url.pathname.replace(/^\//, ''));
    if (url.protocol === 'nbd+unix:') {
      const socketPath = url.searchParams.get('socket');
      if (!socketPath) throw new TypeError(`leg '${text}': nbd+unix URI needs ?socket=PATH`);
      return { kind: 'nbd', uri: text, exportName, address: { socketPath } };
    }
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (!host) throw new TypeError(`leg '${text}': nbd URI needs a host`);
    return { kind: 'nbd', uri: text, exportName, address: { host, port: url.port ? Number(url.port) : 10809 } };
  }
  if (text.includes('://')) throw new TypeError(`leg '${text}': unknown URI scheme (expected nbd:// or nbd+unix://)`);
  return { kind: 'file', path: text };
}
