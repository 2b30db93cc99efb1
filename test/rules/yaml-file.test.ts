import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { escapePointer, readYamlFile, type PositionMap } from '../../src/rules/yaml-file.js';
import { repoRoot } from '../support/paths.js';

const tmp = mkdtempSync(join(tmpdir(), 'procdx-yaml-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

let n = 0;
function read(text: string): { data: unknown; positions: PositionMap; lines: string[] } {
  const file = join(tmp, `f${n++}.yaml`);
  writeFileSync(file, text);
  const r = readYamlFile(file);
  assert.ok(r.ok, r.ok ? '' : r.errors.join('\n'));
  return { data: r.data, positions: r.positions, lines: text.replace(/^\uFEFF/, '').split(/\r?\n/) };
}

/** The text from a pointer's position to the end of its line. */
function textAt(doc: ReturnType<typeof read>, pointer: string, part: 'key' | 'value' = 'value'): string {
  const p = doc.positions.at(pointer, part);
  return doc.lines[p.line - 1]!.slice(p.column - 1);
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return yamlFiles(path);
    return name.endsWith('.yaml') ? [path] : [];
  });
}

describe('positions from js-yaml\'s listener', () => {
  it('every key and scalar of every built-in rule, signature and rule test file is where the map says', () => {
    const files = yamlFiles(join(repoRoot, 'rules'));
    assert.ok(files.length > 10);
    let checked = 0;
    for (const file of files) {
      const doc = read(readFileSync(file, 'utf8'));
      const walk = (value: unknown, pointer: string, key?: string): void => {
        if (key !== undefined) {
          const at = textAt(doc, pointer, 'key');
          assert.ok(at.startsWith(key) || at.startsWith(`"${key}"`) || at.startsWith(`'${key}'`), `${file} ${pointer}: key at ${JSON.stringify(at)}`);
          checked++;
        }
        if (value !== null && typeof value === 'object') {
          const isList = Array.isArray(value);
          for (const [k, v] of Object.entries(value)) walk(v, `${pointer}/${escapePointer(k)}`, isList ? undefined : k);
        } else if (value !== null) {
          const at = textAt(doc, pointer);
          const ok = typeof value === 'string' ? at.startsWith(value.slice(0, 8)) || /^[>|"']/.test(at) : at.startsWith(String(value));
          assert.ok(ok, `${file} ${pointer}: ${JSON.stringify(value)} at ${JSON.stringify(at)}`);
          checked++;
        }
      };
      walk(doc.data, '');
    }
    assert.ok(checked > 500, `only ${checked} nodes checked`);
  });

  it('handles flow and block styles, explicit and quoted keys, comments, block scalars and nested lists', () => {
    const doc = read(
      [
        '# comment',
        '---',
        '"quoted key": \'single\'',
        '? explicit',
        ': value',
        'flow: {a: 1, b: [x, y, {c: 2}]}',
        'nested:',
        '- - a',
        '  - b',
        '- [c, d]',
        '-   g: h',
        '    i: j',
        'block: |',
        '  text',
        'later:',
        '  # a comment before the value',
        '  7',
        'empty:',
        'last: end',
        '',
      ].join('\n'),
    );
    const at = (pointer: string, part: 'key' | 'value' = 'value') => {
      const p = doc.positions.at(pointer, part);
      return `${p.line}:${p.column}`;
    };
    assert.equal(at('/quoted key', 'key'), '3:1');
    assert.equal(at('/quoted key'), '3:15');
    assert.equal(at('/explicit', 'key'), '4:3');
    assert.equal(at('/explicit'), '5:3');
    assert.equal(at('/flow/b/2/c'), '6:28');
    assert.equal(at('/nested/0/1'), '9:5');
    assert.equal(at('/nested/1/1'), '10:7');
    assert.equal(at('/nested/2/i', 'key'), '12:5');
    assert.equal(at('/block'), '13:8');
    assert.equal(at('/later'), '17:3');
    assert.equal(at('/empty'), '18:7');
    assert.equal(at('/last', 'key'), '19:1');
  });

  it('a node reached through an alias is placed at the alias', () => {
    const doc = read('base: &b\n  k: v\n  l: [1, 2]\ncopy: *b\n');
    assert.equal(textAt(doc, '/copy/l/1'), '*b');
    assert.equal(textAt(doc, '/base/l/1'), '2]');
  });

  it('counts columns after a byte-order mark and on CRLF lines as an editor does', () => {
    const doc = read('\uFEFFa: 1\r\nb:\r\n  c: [x, y]\r\n');
    const p = doc.positions.at('/b/c/1');
    assert.deepEqual(p, { line: 3, column: 10 });
  });
});

describe('what readYamlFile refuses', () => {
  it('a FIFO named like a rule file: refused at once, not waited on', () => {
    const fifo = join(tmp, 'pipe.yaml');
    const made = spawnSync('mkfifo', [fifo]);
    if (made.status !== 0) return;
    const r = readYamlFile(fifo, 'pipe.yaml');
    assert.deepEqual(r, { ok: false, errors: ['pipe.yaml:1:1: not a regular file'] });
  });

  it('a file that is not there', () => {
    const r = readYamlFile(join(tmp, 'missing.yaml'), 'missing.yaml');
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.errors[0]!, /^missing\.yaml:1:1: cannot read: ENOENT/);
  });
});
