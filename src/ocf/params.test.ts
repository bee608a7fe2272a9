import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseParams, parseParamValue } from './params.js';
import { readOcfEnvironment } from './environment.js';
import { OcfError } from './errors.js';
import { testAgent } from './test-agent.js';

const env = (vars: Record<string, string>) => readOcfEnvironment({ OCF_RESOURCE_INSTANCE: 'p1', HA_RSCTMP: '/run/x', ...vars });

test('integers are decimal, signed, safe', () => {
  assert.equal(parseParamValue('integer', '42'), 42);
  assert.equal(parseParamValue('integer', ' -7 '), -7);
  assert.equal(parseParamValue('integer', '+3'), 3);
  assert.equal(parseParamValue('integer', '1.5'), undefined);
  assert.equal(parseParamValue('integer', '0x10'), undefined);
  assert.equal(parseParamValue('integer', '99999999999999999999'), undefined);
});

test('booleans accept the words ocf_is_true and crm_is_true accept', () => {
  for (const word of ['1', 'yes', 'TRUE', 'on', 'y', 'ja']) assert.equal(parseParamValue('boolean', word), true, word);
  for (const word of ['0', 'no', 'False', 'off', 'n']) assert.equal(parseParamValue('boolean', word), false, word);
  assert.equal(parseParamValue('boolean', 'maybe'), undefined);
});

test('typed values, defaults, and defaults computed from the environment', () => {
  const params = parseParams(testAgent.parameters, env({ OCF_RESKEY_name: 'web', OCF_RESKEY_verbose: 'yes' }));
  assert.deepEqual(params, { name: 'web', count: 3, verbose: true, path: '/run/x/probe-p1', answer: undefined });
});

test('an empty value takes the default', () => {
  assert.equal(parseParams(testAgent.parameters, env({ OCF_RESKEY_name: 'w', OCF_RESKEY_count: '' })).count, 3);
});

test('a missing required parameter is OCF_ERR_CONFIGURED naming it', () => {
  assert.throws(() => parseParams(testAgent.parameters, env({})), (error: unknown) =>
    error instanceof OcfError && error.rc === 6 && /'name'/.test(error.message));
});

test('a value of the wrong type is OCF_ERR_CONFIGURED naming parameter and value', () => {
  assert.throws(() => parseParams(testAgent.parameters, env({ OCF_RESKEY_name: 'w', OCF_RESKEY_count: 'many' })), (error: unknown) =>
    error instanceof OcfError && error.rc === 6 && /'count'.*integer.*'many'/.test(error.message));
});

test('the environment: timeout, interval, check level, trace', () => {
  const read = readOcfEnvironment({ OCF_RESKEY_CRM_meta_timeout: '15000', OCF_RESKEY_CRM_meta_interval: '0', OCF_CHECK_LEVEL: '10', OCF_TRACE_RA: '1' });
  assert.equal(read.timeoutMs, 15000);
  assert.equal(read.intervalMs, 0);
  assert.equal(read.checkLevel, 10);
  assert.equal(read.trace, true);
  assert.equal(read.root, '/usr/lib/ocf');
  assert.equal(readOcfEnvironment({ OCF_RESKEY_CRM_meta_timeout: 'soon' }).timeoutMs, undefined);
});

test('parsed parameters are typed by the declaration (checked by tsc)', () => {
  const params = parseParams(testAgent.parameters, env({ OCF_RESKEY_name: 'web' }));
  const name: string = params.name;
  const count: number = params.count;
  const verbose: boolean = params.verbose;
  // @ts-expect-error no default and not required: may be undefined
  const answer: number = params.answer;
  assert.deepEqual([name, count, verbose, answer], ['web', 3, false, undefined]);
});
