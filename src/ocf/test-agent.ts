/**
 * A small agent for the unit tests of the runtime (not shipped as an agent):
 * it records which handlers ran and answers what the test asks for.
 */
import { defineAgent } from './agent.js';
import { OcfExit } from './exit-codes.js';
import { OcfError } from './errors.js';

export const calls: string[] = [];

export const testAgent = defineAgent({
  name: 'Probe',
  version: '0.1',
  shortdesc: 'Runtime test agent',
  longdesc: 'Agent for the tests of the OCF runtime: <not> shipped & not installed.',
  parameters: {
    name: { type: 'string', required: true, unique: true, shortdesc: 'Name', longdesc: 'A required string.' },
    count: { type: 'integer', default: 3, shortdesc: 'Count', longdesc: 'An integer with a default.' },
    verbose: { type: 'boolean', default: false, shortdesc: 'Verbose', longdesc: 'A boolean.' },
    path: { type: 'string', default: (env) => `${env.stateDir}/probe-${env.instance}`, shortdesc: 'Path', longdesc: 'Default from the environment.' },
    answer: { type: 'integer', shortdesc: 'Answer', longdesc: 'The rc the handlers return (or throw, when negative).' },
  },
  validate: (context) => {
    calls.push('validate');
    if (context.params.name === 'missing-binary') throw new OcfError(OcfExit.ERR_INSTALLED, 'binary /usr/bin/probe not found');
    return OcfExit.SUCCESS;
  },
  actions: {
    start: { handler: (context) => { calls.push('start'); return context.params.answer ?? 0; }, timeoutS: 30 },
    stop: { handler: () => { calls.push('stop'); return 0; }, timeoutS: 40 },
    monitor: {
      handler: (context) => {
        calls.push(`monitor:${context.checkLevel}:${context.timeoutMs}`);
        const answer = context.params.answer ?? 0;
        if (answer < 0) throw new Error('boom');
        if (answer === 7) context.exitReason('not running');
        return answer;
      },
      timeoutS: 20,
      intervalS: 10,
    },
    notify: { handler: () => 0, timeoutS: 5 },
  },
  extraActionEntries: [{ name: 'monitor', timeoutS: 20, intervalS: 60, depth: 10 }],
});
