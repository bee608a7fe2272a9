import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseXmlWithSax } from './xml.js';
import { parseXmlFast } from './xml-fast.js';

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
    // sax's tree is the reference the fast path must equal
    assert.deepEqual(fast, parseXmlWithSax(text), text);
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
