/**
 * An OCF resource agent, declared once: its name, descriptions, parameters and
 * action handlers. The meta-data XML, parameter parsing, validate-all and the
 * action dispatcher are all derived from this one declaration.
 */
import type { OcfEnvironment } from './environment.js';
import type { AgentLog } from './agent-log.js';

/** The OCF parameter types tandem emits (the old DTD has no `select`). */
export type ParamType = 'string' | 'integer' | 'boolean';

/** The TypeScript type of a parameter's parsed value. */
export type ParamValue<T extends ParamType> = T extends 'integer' ? number : T extends 'boolean' ? boolean : string;

/** One parameter of an agent. */
export interface ParameterSpec<T extends ParamType = ParamType> {
  readonly type: T;
  /** The manager must give it; parsing fails with OCF_ERR_CONFIGURED when absent. */
  readonly required?: boolean;
  /** Two resources of this agent must not share the value (meta-data hint only). */
  readonly unique?: boolean;
  /** The value when the manager gives none (or an empty string); may depend on the environment. */
  readonly default?: ParamValue<T> | ((env: OcfEnvironment) => ParamValue<T>);
  readonly shortdesc: string;
  readonly longdesc: string;
}

export type ParameterSpecs = Readonly<Record<string, ParameterSpec>>;

/** Parsed parameters: required or defaulted ones are always present. */
export type ParsedParams<S extends ParameterSpecs> = {
  readonly [K in keyof S]: S[K] extends { readonly required: true } | { readonly default: unknown }
    ? ParamValue<S[K]['type']>
    : ParamValue<S[K]['type']> | undefined;
};

/** What a handler gets: the parsed parameters, the environment, the time it has, a log. */
export interface ActionContext<P> {
  readonly action: string;
  readonly params: P;
  readonly env: OcfEnvironment;
  /** A monitor with no interval: invalid configuration means "not running", not an error. */
  readonly isProbe: boolean;
  /** OCF_CHECK_LEVEL (0, 10, 20). */
  readonly checkLevel: number;
  /** The action's timeout: OCF_RESKEY_CRM_meta_timeout, else the declared default. */
  readonly timeoutMs: number;
  /** Milliseconds left before the timeout (never below 0). */
  remainingMs(): number;
  readonly log: AgentLog;
  /** Appends text to the action's stdout (meta-data, usage, reports). */
  print(text: string): void;
  /** Records the exit reason shown as `ocf-exit-reason:<text>` (last one wins). */
  exitReason(text: string): void;
}

/** An action handler returns an OCF exit code, or throws an OcfError. */
export type ActionHandler<P> = (context: ActionContext<P>) => number | Promise<number>;

/** The names of actions an agent may implement; others are answered with 3. */
export type ActionName =
  | 'start' | 'stop' | 'monitor' | 'validate-all'
  | 'promote' | 'demote' | 'notify' | 'reload' | 'migrate_to' | 'migrate_from';

export interface ActionSpec<P> {
  readonly handler: ActionHandler<P>;
  /** The advised timeout, in seconds, printed in meta-data and used when the manager gives none. */
  readonly timeoutS: number;
  /** Advised interval in seconds (monitor only). */
  readonly intervalS?: number;
  /** OCF_CHECK_LEVEL this entry is for (monitor only). */
  readonly depth?: number;
}

/** Extra `<action>` lines for meta-data, e.g. a monitor per role of a promotable agent. */
export interface ExtraActionEntry {
  readonly name: ActionName;
  readonly timeoutS: number;
  readonly intervalS?: number;
  readonly depth?: number;
  readonly role?: string;
}

/** The one declaration of an agent. */
export interface AgentDeclaration<S extends ParameterSpecs> {
  readonly name: string;
  /** The agent's version (meta-data `version`). */
  readonly version: string;
  readonly shortdesc: string;
  readonly longdesc: string;
  readonly parameters: S;
  readonly actions: {
    readonly start: ActionSpec<ParsedParams<S>>;
    readonly stop: ActionSpec<ParsedParams<S>>;
    readonly monitor: ActionSpec<ParsedParams<S>>;
  } & { readonly [A in Exclude<ActionName, 'start' | 'stop' | 'monitor'>]?: ActionSpec<ParsedParams<S>> };
  /** Checks beyond the parameter types (binaries installed, paths sane); run by validate-all and before start. */
  readonly validate?: ActionHandler<ParsedParams<S>>;
  readonly extraActionEntries?: readonly ExtraActionEntry[];
}

/** A declaration with its parameter types erased, as the dispatcher sees it. */
// `any` here because handlers' parameter objects differ per agent; the dispatcher only passes them through.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyAgent = AgentDeclaration<any>;

/** An action's context as the dispatcher builds it, parameters untyped (see AnyAgent). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyActionContext = ActionContext<any>;

/**
 * Declares an agent. Returns the declaration unchanged; the function exists so
 * that TypeScript infers the exact parameter types for the handlers.
 */
export function defineAgent<const S extends ParameterSpecs>(declaration: AgentDeclaration<S>): AgentDeclaration<S> {
  return declaration;
}
