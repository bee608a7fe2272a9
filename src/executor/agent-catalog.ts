/**
 * What agents a node has and what they say about themselves: classes,
 * providers, agent lists and meta-data, for every standard. Meta-data comes
 * from the agent (ocf `meta-data`, fence `action=metadata`) or is
 * synthesized as Pacemaker does (lsb from the init header, systemd fixed).
 */
import { readFileSync } from 'node:fs';
import { OcfExit, ocfExitName } from '../ocf/exit-codes.js';
import { TandemError, ExitCode } from '../errors.js';
import type { ActionRunner } from './action.js';
import { AgentLocator } from './agent-locator.js';
import { agentStandards, formatAgentSpec, type AgentSpec, type AgentStandard } from './agent-spec.js';
import { AgentNotFoundError } from './errors.js';
import { lsbMetaData } from './lsb-metadata.js';
import type { SystemdManager } from './systemd-manager.js';

/** Pacemaker's timeout for a meta-data call. */
const metaDataTimeoutMs = 30_000;

export interface AgentListEntry {
  agent: string;
  standard: AgentStandard;
  provider?: string;
  type: string;
}

/** An agent ran but gave no usable meta-data. */
export class MetaDataUnavailableError extends TandemError {
  constructor(message: string, context: Record<string, unknown>) {
    super('E_METADATA_UNAVAILABLE', message, { exitCode: ExitCode.error, context });
  }
}

export class AgentCatalog {
  constructor(
    private readonly locator: AgentLocator,
    private readonly runner: ActionRunner,
    /** Only asked when systemd agents are listed. */
    private readonly systemd?: () => SystemdManager,
  ) {}

  classes(): AgentStandard[] {
    return [...agentStandards];
  }

  /** OCF providers; other standards have none. */
  providers(standard: AgentStandard = 'ocf'): string[] {
    return standard === 'ocf' ? this.locator.ocfProviders() : [];
  }

  /**
   * Agents of one standard (and provider, for ocf), or of every standard but
   * systemd when none is given (systemd needs D-Bus; ask for it by name).
   */
  async list(standard?: AgentStandard, provider?: string): Promise<AgentListEntry[]> {
    switch (standard) {
      case undefined:
        return [...(await this.list('ocf')), ...(await this.list('lsb')), ...(await this.list('stonith'))];
      case 'ocf': {
        const providers = provider === undefined ? this.locator.ocfProviders() : [provider];
        return providers.flatMap((each) => this.locator.ocfAgents(each).map((type) => ({ agent: `ocf:${each}:${type}`, standard: 'ocf' as const, provider: each, type })));
      }
      case 'lsb':
        return this.locator.lsbAgents().map((type) => ({ agent: `lsb:${type}`, standard, type }));
      case 'stonith':
        return this.locator.fenceAgents().map((type) => ({ agent: `stonith:${type}`, standard, type }));
      case 'systemd': {
        if (!this.systemd) return [];
        const units = await this.systemd().listServiceUnits();
        return units.map((type) => ({ agent: `systemd:${type}`, standard, type }));
      }
    }
  }

  /**
   * The meta-data XML text of an agent.
   * @throws AgentNotFoundError when the agent does not exist;
   * MetaDataUnavailableError when it fails to give meta-data.
   */
  async metaDataXml(spec: AgentSpec): Promise<string> {
    const name = formatAgentSpec(spec);
    if (spec.standard !== 'systemd' && this.locator.resolve(spec) === undefined) {
      throw new AgentNotFoundError(this.locator.describeMissing(spec), { agent: name });
    }
    if (spec.standard === 'lsb') {
      const path = this.locator.resolve(spec) ?? '';
      return lsbMetaData(spec.type, readFileSync(path, 'utf8'));
    }
    const outcome = await this.runner.run({ resource: spec.type, agent: spec, action: 'meta-data', params: {}, timeoutMs: metaDataTimeoutMs });
    if (outcome.status === 'not-installed') throw new AgentNotFoundError(outcome.exitReason ?? `agent ${name} is not installed`, { agent: name });
    if (outcome.rc !== OcfExit.SUCCESS || outcome.stdoutTail.trim() === '') {
      throw new MetaDataUnavailableError(`agent ${name} gave no meta-data: rc=${outcome.rc} (${ocfExitName(outcome.rc)})${outcome.exitReason ? `: ${outcome.exitReason}` : ''}`, { agent: name, rc: outcome.rc });
    }
    if (outcome.outputTruncated) throw new MetaDataUnavailableError(`agent ${name}: meta-data larger than the output limit`, { agent: name });
    return outcome.stdoutTail;
  }
}
