import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import type { XmlElement } from './xml.js';
import { parseXmlFast } from './xml-fast.js';

/** The tree sax builds (the reference the fast path must equal). */
function saxTree(xmlText: string): XmlElement | undefined {
  const sax = createRequire(import.meta.url)('sax') as typeof import('sax');
  const parser = sax.parser(true, { trim: false, normalize: false, position: true });
  const stack: { element: XmlElement; text: string }[] = [];
  let root: XmlElement | undefined;
  parser.onopentag = (tag) => {
    const element: XmlElement = { name: tag.name, attrs: { ...(tag.attributes as Record<string, string>) }, children: [] };
    const parent = stack[stack.length - 1];
    if (parent) parent.element.children.push(element);
    else root = element;
    stack.push({ element, text: '' });
  };
  parser.ontext = (text) => { const current = stack[stack.length - 1]; if (current) current.text += text; };
  parser.oncdata = parser.ontext;
  parser.onclosetag = () => {
    const closed = stack.pop();
    const text = closed?.text.trim();
    if (closed && text) closed.element.text = text;
  };
  try {
    parser.write(xmlText).close();
  } catch {
    return undefined;
  }
  return root;
}

test('fast XML path: the same tree as sax on plain documents', () => {
  const documents = [
    '<?xml version="1.0" encoding="UTF-8"?>\n<cib a="1" b=\'two\'>\n  <!-- a comment -->\n  <x q="a&quot;b&lt;&gt;&amp;&apos;"/>\n</cib>\n',
    '<cib><y>  hello &amp; bye &#65;&#x42; </y><z><![CDATA[<raw & stuff>]]></z><w>a > b</w></cib>',
    '<cib>\n<a\n   id="1"\n   value = "x" /><b></b ></cib>',
    '<ns:root xmlns:ns="urn:x"><ns:child ns:attr="v"/></ns:root>',
  ];
  for (const text of documents) {
    const fast = parseXmlFast(text);
    assert.ok(fast !== undefined, `fast path declined: ${text}`);
    assert.deepEqual(fast, saxTree(text), text);
  }
});

test('fast XML path: declines what it does not fully understand or what is malformed', () => {
  const documents = [
    '<cib><a></b></cib>', // mismatched close tag
    '<cib><a>', // unclosed
    '<cib/><other/>', // two roots
    'text<cib/>', // text outside the root
    '<cib x="&nbsp;"/>', // entity sax does not know
    '<cib x="a & b"/>', // bare ampersand
    '<cib x="1" x="2"/>', // duplicate attribute
    '<cib x="1"y="2"/>', // no space between attributes
    '<!DOCTYPE cib><cib/>', // DOCTYPE
    '<cib>]]></cib>', // ]]> in text
    '<cib x=1/>', // unquoted attribute
    '', // nothing
  ];
  for (const text of documents) assert.equal(parseXmlFast(text), undefined, text);
});
