/**
 * OCF_RESKEY_<name> variables → typed parameter values, by the agent's
 * declaration. A value that is absent or empty takes the declared default.
 */
import type { ParameterSpec, ParameterSpecs, ParamType, ParamValue, ParsedParams } from './agent.js';
import type { OcfEnvironment } from './environment.js';
import { OcfExit } from './exit-codes.js';
import { OcfError } from './errors.js';

const trueWords = new Set(['1', 'yes', 'y', 'true', 'on', 'ja']);
const falseWords = new Set(['0', 'no', 'n', 'false', 'off', 'nein']);

/**
 * Parses one raw value as `type`. Returns undefined when the text is not a
 * value of that type. Integers are decimal, optionally signed, and safe.
 */
export function parseParamValue<T extends ParamType>(type: T, raw: string): ParamValue<T> | undefined {
  const text = raw.trim();
  switch (type) {
    case 'integer': {
      if (!/^[-+]?\d+$/.test(text)) return undefined;
      const value = Number(text);
      return (Number.isSafeInteger(value) ? value : undefined) as ParamValue<T> | undefined;
    }
    case 'boolean': {
      const word = text.toLowerCase();
      if (trueWords.has(word)) return true as ParamValue<T>;
      if (falseWords.has(word)) return false as ParamValue<T>;
      return undefined;
    }
    default:
      return raw as ParamValue<T>;
  }
}

/** The default of a parameter in this environment, or undefined when it has none. */
export function defaultValue<T extends ParamType>(spec: ParameterSpec<T>, env: OcfEnvironment): ParamValue<T> | undefined {
  const fallback = spec.default;
  return typeof fallback === 'function' ? fallback(env) : fallback;
}

/**
 * Reads every declared parameter from `env.vars`.
 * @throws OcfError with OCF_ERR_CONFIGURED (6) naming the first parameter that
 *   is required and missing, or whose value is not of its type.
 */
export function parseParams<S extends ParameterSpecs>(specs: S, env: OcfEnvironment): ParsedParams<S> {
  const parsed: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(specs)) {
    const raw = env.vars[`OCF_RESKEY_${name}`];
    if (raw === undefined || raw === '') {
      const fallback = defaultValue(spec, env);
      if (fallback === undefined && spec.required) {
        throw new OcfError(OcfExit.ERR_CONFIGURED, `required parameter '${name}' is not set`, { parameter: name });
      }
      parsed[name] = fallback;
      continue;
    }
    const value = parseParamValue(spec.type, raw);
    if (value === undefined) {
      throw new OcfError(OcfExit.ERR_CONFIGURED, `parameter '${name}' must be ${spec.type === 'integer' ? 'an integer' : 'a boolean'}, got '${raw}'`, { parameter: name, value: raw });
    }
    parsed[name] = value;
  }
  return parsed as ParsedParams<S>;
}
