import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFenceArgs } from './fence-args.js';
import { UsageError } from '../errors.js';

test('stdin lines as Pacemaker sends them', () => {
  assert.deepEqual(parseFenceArgs('action=reboot\nport=node2\n# comment\n\nnetns-prefix=tdm-\n', []), { action: 'reboot', plug: 'node2', netns_prefix: 'tdm-' });
});

test('command-line options win over stdin', () => {
  assert.deepEqual(parseFenceArgs('action=off\n', ['-o', 'status', '--plug=n1']), { action: 'status', plug: 'n1' });
});

test('malformed input is refused with the line or option', () => {
  assert.throws(() => parseFenceArgs('garbage\n', []), (error: unknown) => error instanceof UsageError && /stdin line 1/.test(error.message));
  assert.throws(() => parseFenceArgs('', ['-o']), UsageError);
  assert.throws(() => parseFenceArgs('', ['--bogus']), UsageError);
});
