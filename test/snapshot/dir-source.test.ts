import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DirSource } from '../../src/snapshot/dir-source.js';
import { fixturesDir } from '../support/paths.js';

const root = mkdtempSync(join(tmpdir(), 'procdx-dirsource-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('DirSource', () => {
  it('reads files larger than its buffer exactly, and small ones after them', () => {
    const big = Array.from({ length: 30000 }, (_, i) => `line ${i}`).join('\n');
    writeFileSync(join(root, 'big'), big);
    writeFileSync(join(root, 'small'), 'cpu 1 2 3\n');
    const source = new DirSource(root);
    assert.deepEqual(source.readFile('big'), { ok: true, text: big });
    assert.deepEqual(source.readFile('small'), { ok: true, text: 'cpu 1 2 3\n' });
    assert.deepEqual(source.readFile('big'), { ok: true, text: big });
  });

  it('reads the conformance /proc/stat (a 132 KB intr line) byte for byte', () => {
    const proc = join(fixturesDir, 'conformance', 'procfs-fixtures', 'proc');
    const read = new DirSource(proc).readFile('stat');
    assert.deepEqual(read, { ok: true, text: readFileSync(join(proc, 'stat'), 'utf8') });
  });

  it('gives errors as values, and reads links without following them', () => {
    mkdirSync(join(root, '1', 'fd'), { recursive: true });
    symlinkSync('/proc/16653/cmdline', join(root, '1', 'fd', '4'));
    const source = new DirSource(root);
    assert.deepEqual(source.readFile('nope'), { ok: false, error: 'ENOENT' });
    assert.deepEqual(source.readLink('1/fd/4'), { ok: true, target: '/proc/16653/cmdline' });
    assert.deepEqual(source.listDir('1/fd'), { ok: true, entries: ['4'] });
    assert.deepEqual(source.readFile('1/fd'), { ok: false, error: 'EISDIR' });
  });
});
