import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FactValue } from '../../src/facts/fact.js';
import { parseTemplate, renderTemplate, templateFacts, templateParams } from '../../src/rules/template.js';

const values: Record<string, FactValue> = { 'mem.commitRatio': 12.6088, 'mem.freeRatio': 0.0246, 'mem.totalKb': 19456000, 'target.readerFiles': ['cmdline', 'environ'], 'target.pid': 16653 };

function render(text: string): string {
  const parsed = parseTemplate(text);
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.error);
  return renderTemplate(parsed.parts, (name) => values[name]);
}

describe('message templates', () => {
  const cases: { name: string; template: string; want: string }[] = [
    { name: 'plain slot', template: 'pid {{ target.pid }}', want: 'pid 16653' },
    { name: 'fixed', template: '{{ mem.commitRatio | fixed(1) }}x', want: '12.6x' },
    { name: 'percent below 10% keeps a decimal', template: '{{ mem.freeRatio | percent }}', want: '2.5%' },
    { name: 'kb', template: '{{ mem.totalKb | kb }}', want: '18.6 GiB' },
    { name: 'list', template: '/proc/N/{{ target.readerFiles | list }}', want: '/proc/N/cmdline, environ' },
    { name: 'unknown fact renders as unknown', template: 'avail {{ mem.availableKb | kb }}', want: 'avail unknown' },
    { name: 'no slots', template: 'plain text', want: 'plain text' },
  ];
  for (const c of cases) it(c.name, () => assert.equal(render(c.template), c.want));

  it('lists the facts it reads', () => {
    const parsed = parseTemplate('{{ a.b }} and {{ c.d | fixed(2) }}');
    assert.ok(parsed.ok);
    assert.deepEqual(templateFacts(parsed.parts), ['a.b', 'c.d']);
  });

  const bad: { name: string; template: string; error: RegExp }[] = [
    { name: 'unknown filter', template: '{{ a.b | shell }}', error: /unknown filter 'shell'/ },
    { name: 'expression instead of a fact', template: '{{ process.env.HOME + 1 }}', error: /malformed slot/ },
    { name: 'unclosed slot', template: 'x {{ a.b', error: /malformed slot/ },
  ];
  for (const c of bad) {
    it(`rejects ${c.name}`, () => {
      const parsed = parseTemplate(c.template);
      assert.equal(parsed.ok, false);
      if (!parsed.ok) assert.match(parsed.error, c.error);
    });
  }
});

describe('a malformed slot before a good one', () => {
  it('is still rejected', () => {
    const parsed = parseTemplate('{{ a + b }} then {{ c.d }}');
    assert.equal(parsed.ok, false);
  });
});

describe('param slots', () => {
  it('show the rule\'s params, with filters, and are not facts', () => {
    const parsed = parseTemplate('{{ target.pid }} over {{ params.minReaders }} ({{ params.ratio | percent }})');
    assert.ok(parsed.ok);
    assert.deepEqual(templateFacts(parsed.parts), ['target.pid']);
    assert.deepEqual(templateParams(parsed.parts), ['minReaders', 'ratio']);
    assert.equal(renderTemplate(parsed.parts, (name) => values[name], { minReaders: 3, ratio: 0.5 }), '16653 over 3 (50%)');
  });

  it('reach only the params\' own keys', () => {
    const parsed = parseTemplate('{{ params.constructor }}');
    assert.ok(parsed.ok);
    assert.equal(renderTemplate(parsed.parts, () => undefined, {}), 'unknown');
  });

  for (const template of ['{{ params }}', '{{ params.a.b }}', '{{ params.a-b }}']) {
    it(`reject ${template}`, () => {
      const parsed = parseTemplate(template);
      assert.equal(parsed.ok, false);
      if (!parsed.ok) assert.match(parsed.error, /malformed param slot/);
    });
  }
});
