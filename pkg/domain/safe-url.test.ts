import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { renderContent, renderHtml } from './render.ts';
import { isSafeUrl } from './safe-url.ts';

describe('URL-context variables in HTML allow only http(s), mailto and relative URLs', () => {
  const link = (u: unknown, html = '<a href="{$u}">go</a>') => renderHtml(html, { u });

  test('javascript:, data:, vbscript: and disguised forms become #', () => {
    for (const u of [
      'javascript:alert(1)',
      'JavaScript:alert(1)',
      ' javascript:alert(1)',
      'java\tscript:alert(1)',
      '\u0001javascript:alert(1)',
      'data:text/html;base64,PHNjcmlwdD4=',
      'vbscript:msgbox(1)',
      'file:///etc/passwd',
    ])
      assert.equal(link(u), '<a href="#">go</a>', JSON.stringify(u));
  });

  test('every URL attribute, any quoting, any case; text elsewhere is only escaped', () => {
    const u = 'javascript:alert(1)';
    assert.equal(link(u, "<img src='{$u}'>"), "<img src='#'>");
    assert.equal(link(u, '<form ACTION = "{$u}">'), '<form ACTION = "#">');
    assert.equal(link(u, '<button formaction={$u}>'), '<button formaction="#">');
    assert.equal(link(u, '<p>{$u}</p>'), '<p>javascript:alert(1)</p>');
    // Two variables that only together spell a scheme are judged together.
    assert.equal(renderHtml('<a href="{$a}{$b}">', { a: 'java', b: 'script:x' }), '<a href="#">');
    // An unquoted value gets quotes: a variable cannot add an attribute.
    assert.equal(link('# onclick=alert(1)', '<a href={$u}>'), '<a href="# onclick=alert(1)">');
  });

  test('http, https, mailto and relative URLs pass, escaped', () => {
    assert.equal(
      link('https://shop.example.com/o?a=1&b=2'),
      '<a href="https://shop.example.com/o?a=1&amp;b=2">go</a>',
    );
    assert.equal(link('mailto:help@example.com'), '<a href="mailto:help@example.com">go</a>');
    assert.equal(link('/orders/12'), '<a href="/orders/12">go</a>');
    assert.equal(link('x" onmouseover="alert(1)'), '<a href="x&quot; onmouseover=&quot;alert(1)">go</a>');
    // A template's own literal link is the author's: left as written.
    assert.equal(renderHtml('<a href="tel:123">{$u}</a>', { u: 'x' }), '<a href="tel:123">x</a>');
    assert.equal(isSafeUrl('HTTPS://x'), true);
  });

  test('renderContent applies it to html keys only', () => {
    const out = renderContent(
      { subject: 'See {$u}', html: '<a href="{$u}">x</a>', text: '{$u}' },
      { u: 'javascript:alert(1)' },
    );
    assert.deepEqual(out, {
      subject: 'See javascript:alert(1)',
      html: '<a href="#">x</a>',
      text: 'javascript:alert(1)',
    });
  });
});
