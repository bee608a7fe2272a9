/**
 * Durable CIB storage in one directory, laid out like Pacemaker's
 * /var/lib/pacemaker/cib: `cib.xml` with its md5 digest in `cib.xml.sig`,
 * and the last N versions as `cib-<seq>.xml` (+ `.sig`). Every file is
 * replaced atomically; a version is archived before it becomes current, so
 * a crash at any point leaves a whole, verified CIB to load.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { TandemError, ExitCode } from '../errors.js';
import { logger } from '../log.js';
import { atomicWrite, type DurableFs } from './durable-fs.js';
import { parseXml, serializeXml, type XmlElement } from './xml.js';
import { validateCib } from './validate.js';

const log = logger('cib');
const CURRENT = 'cib.xml';
const VERSION_PATTERN = /^cib-(\d+)\.xml$/;

/** No whole CIB could be loaded; `context.refused` says why each candidate was refused. */
export class CibStoreError extends TandemError {
  constructor(message: string, context: Record<string, unknown>) {
    super('E_CIB_STORE', message, { exitCode: ExitCode.dataErr, context });
  }
}

/** md5 hex digest of the file text, as Pacemaker's .sig files hold. */
export function cibDigest(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}

export interface LoadedCib {
  cib: XmlElement;
  /** The file the CIB came from (cib.xml, or an archived version). */
  file: string;
  /** Why newer candidates were refused (empty when cib.xml was good). */
  refused: string[];
}

export interface CibStoreOptions {
  /** How many archived versions to keep; default 10. */
  keepVersions?: number;
}

export class CibStore {
  private readonly keepVersions: number;
  private nextSequence: number | undefined;

  constructor(private readonly dir: string, private readonly fs: DurableFs, options: CibStoreOptions = {}) {
    this.keepVersions = Math.max(1, options.keepVersions ?? 10);
  }

  private async versionNumbers(): Promise<number[]> {
    const names = await this.fs.list(this.dir);
    return names.map((name) => VERSION_PATTERN.exec(name)?.[1]).filter((n): n is string => n !== undefined).map(Number).sort((a, b) => b - a);
  }

  /**
   * Saves a CIB: archives it as the next version, makes it current, prunes
   * versions beyond the configured count.
   */
  async save(cib: XmlElement): Promise<void> {
    await this.fs.mkdirp(this.dir);
    if (this.nextSequence === undefined) this.nextSequence = ((await this.versionNumbers())[0] ?? 0) + 1;
    const sequence = this.nextSequence++;
    const text = serializeXml(cib, { declaration: true });
    const digest = `${cibDigest(text)}\n`;
    const archived = join(this.dir, `cib-${sequence}.xml`);
    // digest first: an xml without its .sig is never accepted, so order matters less than completeness
    await atomicWrite(this.fs, `${archived}.sig`, digest);
    await atomicWrite(this.fs, archived, text);
    await atomicWrite(this.fs, join(this.dir, `${CURRENT}.sig`), digest);
    await atomicWrite(this.fs, join(this.dir, CURRENT), text);
    for (const old of (await this.versionNumbers()).slice(this.keepVersions)) {
      await this.fs.remove(join(this.dir, `cib-${old}.xml`));
      await this.fs.remove(join(this.dir, `cib-${old}.xml.sig`));
    }
  }

  /** Reads and verifies one file; returns the CIB or the reason it was refused. */
  private async check(name: string): Promise<XmlElement | string> {
    const path = join(this.dir, name);
    const text = await this.fs.readText(path);
    if (text === undefined) return `${path}: missing`;
    const signature = await this.fs.readText(`${path}.sig`);
    if (signature === undefined) return `${path}: no digest file ${path}.sig`;
    if (signature.trim() !== cibDigest(text)) return `${path}: digest mismatch (file corrupt or truncated)`;
    try {
      const cib = parseXml(text, path);
      if (cib.name !== 'cib') return `${path}: root element is <${cib.name}>, expected <cib>`;
      const structural = validateCib(cib).filter((issue) => issue.element === 'cib' || issue.element === 'configuration');
      if (structural.length > 0) return `${path}: ${structural.map((issue) => issue.message).join('; ')}`;
      return cib;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  }

  /**
   * Loads the newest whole CIB: cib.xml if its digest and XML are good,
   * else the newest good archived version (logging why newer ones were
   * refused). Returns undefined for an empty directory.
   * @throws CibStoreError when files exist but none is whole.
   */
  async load(): Promise<LoadedCib | undefined> {
    const refused: string[] = [];
    const versions = await this.versionNumbers();
    for (const name of [CURRENT, ...versions.map((n) => `cib-${n}.xml`)]) {
      const result = await this.check(name);
      if (typeof result !== 'string') {
        if (refused.length > 0) log.warn({ refused, file: name }, 'refused damaged CIB files, using the last good version');
        return { cib: result, file: join(this.dir, name), refused };
      }
      refused.push(result);
    }
    const missingOnly = refused.length === 1 && refused[0]?.endsWith(': missing');
    if (missingOnly) return undefined;
    throw new CibStoreError(`no whole CIB in ${this.dir}:\n  ${refused.join('\n  ')}`, { dir: this.dir, refused });
  }
}
