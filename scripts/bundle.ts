// Builds the single-file procdx (dist/procdx.cjs) from tsc's output: the CLI and its dependencies in
// one CommonJS file, runnable with `node` alone (Node 18 or later) on a host with no node_modules,
// with the built-in rules, signatures and schemas embedded. Run by `npm run build` after tsc.
//
// - CommonJS, so that the file runs under any name (copied to /usr/local/bin/procdx, it has no .cjs
//   and Node would not take it for an ES module).
// - src/install.ts is swapped for src/install-single-file.ts, which reads the embedded copies
//   (PROCDX_EMBEDDED, defined here) instead of rules/ and schemas/ on disk, and starts the guard's
//   helper process with `node -e` on its embedded code (see guardHelperArgs there for why).
// - better-sqlite3 is a native addon and cannot be inlined: the history store loads it at run time
//   from a node_modules beside the file, if there is one (src/history/store.ts).
import { chmodSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { diskRuleDir, filesUnder } from '../src/rules/rule-dir.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const distSrc = join(root, 'dist', 'src');
const out = join(root, 'dist', 'procdx.cjs');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };

/** What the loaders would read from rules/: every rule and signature file, not the rule tests (they need fixtures from test/). */
function embeddedRules(): Record<string, string> {
  const dir = diskRuleDir(join(root, 'rules'), 'rules');
  const files: Record<string, string> = {};
  const problems: string[] = [];
  const paths = filesUnder(dir, (name) => /\.ya?ml$/.test(name) && !/\.test\.ya?ml$/.test(name), {
    onUnreadable: (rel, err) => problems.push(`rules/${rel}: ${err.message}`),
  });
  for (const path of paths) {
    const read = dir.read(path);
    if (read.ok) files[path] = read.text;
    else problems.push(`rules/${path}: ${read.error}`);
  }
  if (problems.length > 0) throw new Error(`cannot embed the built-in rules:\n${problems.join('\n')}`);
  return files;
}

/** schemas/*.schema.json, without their indentation (they are only ever parsed). */
function embeddedSchemas(): Record<string, string> {
  const dir = diskRuleDir(join(root, 'schemas'), 'schemas');
  const listing = dir.list('');
  if (!listing.ok) throw listing.error;
  const schemas: Record<string, string> = {};
  for (const { name } of listing.entries.filter((e) => e.name.endsWith('.schema.json'))) {
    schemas[name] = JSON.stringify(JSON.parse(readFileSync(join(root, 'schemas', name), 'utf8')));
  }
  return schemas;
}

/** Every import of install.js within dist/src resolves to install-single-file.js instead. */
const singleFileInstall: Plugin = {
  name: 'procdx-single-file-install',
  setup(b) {
    b.onResolve({ filter: /(^|\/)install\.js$/ }, (args) => {
      const target = join(args.resolveDir, args.path);
      return target === join(distSrc, 'install.js') ? { path: join(distSrc, 'install-single-file.js') } : undefined;
    });
  },
};

/** import.meta.url in the sources (src/history/store.ts) is this file's own URL. */
const selfUrl: Plugin = {
  name: 'procdx-self-url',
  setup(b) {
    b.onResolve({ filter: /^procdx:self-url$/ }, () => ({ path: 'self-url', namespace: 'procdx' }));
    b.onLoad({ filter: /.*/, namespace: 'procdx' }, () => ({
      contents: "import { pathToFileURL } from 'node:url'; export const PROCDX_SELF_URL = pathToFileURL(__filename).href;",
      loader: 'js',
    }));
  },
};

/**
 * The guard's helper as one script for `node -e CODE -- ROOT` (argv is then [node, ROOT]). Its first
 * line is what `ps` shows of it.
 */
async function guardHelperSource(): Promise<string> {
  const helper = await build({
    stdin: { contents: "import { runGuardHelper } from './guard-helper.js';\nrunGuardHelper(process.argv[1] ?? '/proc');\n", resolveDir: join(distSrc, 'snapshot'), loader: 'js' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node18',
    minify: true,
    write: false,
    logLevel: 'warning',
  });
  const code = helper.outputFiles[0]?.text;
  if (!code || /\brequire\((?!"node:)/.test(code)) throw new Error(`the guard helper must bundle to a script that needs only Node's own modules:\n${code}`);
  return `// procdx guard helper: reads /proc files that can block, for the procdx that started it\n${code}`;
}

const embedded = { version: pkg.version, rules: embeddedRules(), schemas: embeddedSchemas(), guardHelper: await guardHelperSource() };
const result = await build({
  entryPoints: [join(distSrc, 'single-file-main.js')],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node18',
  write: false,
  metafile: true,
  // Whitespace and syntax only: names stay, so that an internal error's stack still says where.
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'eof',
  outfile: out,
  plugins: [singleFileInstall, selfUrl],
  inject: ['procdx:self-url'],
  define: {
    PROCDX_EMBEDDED: JSON.stringify(embedded),
    'import.meta.url': 'PROCDX_SELF_URL',
  },
  banner: { js: '#!/usr/bin/env node' },
  logLevel: 'warning',
});

/** The packages inlined, with their licences: named at the top, their licence texts at the end, as their licences ask. */
const packages = new Map<string, { line: string; licence: string }>();
for (const input of Object.keys(result.metafile.inputs)) {
  const parts = input.split(/[\\/]/);
  const at = parts.lastIndexOf('node_modules');
  if (at === -1) continue;
  const name = parts[at + 1]!.startsWith('@') ? `${parts[at + 1]}/${parts[at + 2]}` : parts[at + 1]!;
  if (packages.has(name)) continue;
  const dir = join(root, ...parts.slice(0, at + 1), ...name.split('/'));
  const meta = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string; license?: string };
  const licenceFile = readdirSync(dir).find((f) => /^licen[cs]e/i.test(f));
  packages.set(name, {
    line: `${name}@${meta.version} (${meta.license ?? 'see its package'})`,
    licence: licenceFile ? readFileSync(join(dir, licenceFile), 'utf8').trim() : `${meta.license ?? 'no licence file'}`,
  });
}

const [file] = result.outputFiles;
if (!file) throw new Error('esbuild wrote nothing');
const [shebang, ...rest] = file.text.split('\n');
const sorted = [...packages.values()].sort((a, b) => a.line.localeCompare(b.line));
const header = [
  `// procdx ${pkg.version}, single-file build: node procdx --help. Needs Node.js 18 or later; nothing else.`,
  '// Built-in rules, signatures and schemas are embedded; the history needs better-sqlite3 in a node_modules beside this file.',
  `// Includes: ${sorted.map((p) => p.line).join(', ')}; their licences are at the end of this file.`,
];
const licences = sorted.map((p) => `/* ${p.line}:\n\n${p.licence.replace(/\*\//g, '* /')}\n*/`);
writeFileSync(out, [shebang, ...header, ...rest, ...licences, ''].join('\n'));
chmodSync(out, 0o755);
const bytes = Buffer.byteLength(readFileSync(out));
process.stdout.write(`${relative(root, out).split(sep).join('/')}: ${(bytes / 1024).toFixed(0)} KiB, ${Object.keys(embedded.rules).length} rule and signature files and ${Object.keys(embedded.schemas).length} schemas embedded\n`);
