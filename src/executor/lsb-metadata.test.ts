import { test } from 'node:test';
import assert from 'node:assert/strict';
import { child, parseXml } from '../cib/xml.js';
import { lsbMetaData, parseLsbHeader } from './lsb-metadata.js';

const script = `#!/bin/sh
### BEGIN INIT INFO
# Provides:          web
# Required-Start:    $network
# Default-Start:     2 3 4 5
# Short-Description: web server
# Description:       Serves the web,
#                    on two lines.
### END INIT INFO
echo hi
`;

test('the LSB header is read, continuation lines included', () => {
  const fields = parseLsbHeader(script);
  assert.equal(fields.get('Provides'), 'web');
  assert.equal(fields.get('Required-Start'), '$network');
  assert.equal(fields.get('Description'), 'Serves the web, on two lines.');
});

test('synthesized meta-data carries the descriptions and the LSB fields', () => {
  const root = parseXml(lsbMetaData('web', script));
  assert.equal(root.attrs['name'], 'web');
  assert.equal(child(root, 'shortdesc')?.text, 'web server');
  const special = child(root, 'special');
  assert.equal(special && child(special, 'Default-Start')?.text, '2 3 4 5');
  const noHeader = parseXml(lsbMetaData('bare', '#!/bin/sh\nexit 0\n'));
  assert.equal(child(noHeader, 'shortdesc')?.text, 'bare');
});
