import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseXml, serializeXml, XmlParseError, walk } from './xml.js';

test('parse keeps element order, attributes and unknown elements', () => {
  const root = parseXml('<cib a="1"><configuration><b x="&amp;"/><zz/><b/></configuration><status/></cib>');
  assert.equal(root.name, 'cib');
  assert.deepEqual(root.attrs, { a: '1' });
  const configuration = root.children[0];
  assert.deepEqual(configuration?.children.map((c) => c.name), ['b', 'zz', 'b']);
  assert.equal(configuration?.children[0]?.attrs['x'], '&');
  assert.equal([...walk(root)].length, 6);
});

test('serialize then parse is the identity on the tree', () => {
  const text = '<cib><x q="a&quot;b&lt;"/><y>hello &amp; bye</y></cib>';
  const tree = parseXml(text);
  assert.deepEqual(parseXml(serializeXml(tree, { declaration: true })), tree);
});

test('malformed XML names the source and line', () => {
  assert.throws(() => parseXml('<cib>\n<a></b></cib>', 'cib.xml'), (error: unknown) => {
    assert.ok(error instanceof XmlParseError);
    assert.match(error.message, /cib\.xml/);
    assert.equal(error.context['line'], 2);
    return true;
  });
});
