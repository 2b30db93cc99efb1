import type { Rule } from '../rules/rule.js';
import type { SignatureCatalog } from '../signatures/catalog.js';
import { UNCLASSIFIED_MEANING, WAIT_CLASS_MEANING, WAIT_CLASSES } from '../signatures/wait-classes.js';
import { conditionLines } from './rule-show.js';

/** The areas of the checklist in the order an engineer walks them, by rule folder. */
const AREAS: [folder: string, title: string][] = [
  ['load', 'Load'],
  ['cpu', 'CPU'],
  ['tasks', 'Tasks'],
  ['waits', 'D tasks by wait class'],
  ['mmap', 'mmap lock'],
  ['memory', 'Memory'],
  ['limits', 'Limits'],
  ['kernel', 'Kernel settings and health'],
  ['kernel-log', 'Kernel log'],
];

const INTRO = `# The checklist

What \`procdx diagnose\` checks, rule by rule: what each rule looks at, why it matters and what it
needs. It is generated from the rules themselves (\`procdx rules checklist > docs/checklist.md\`; a
test fails when this page and the rules disagree), so a site that adds rules can print its own.

The order follows the way an experienced engineer walks a sick host, after Brendan Gregg's USE method
(utilisation, saturation and errors of each resource) and his "Linux performance analysis in 60
seconds": \`uptime\` (load), \`dmesg\` (kernel log), \`vmstat\` and \`mpstat\` (run queue, D tasks,
CPU shares, swap), \`free\` (memory), then the kernel's limits and health. procdx reads the same
counters from /proc without running those tools, reads kernel stacks to say *why* tasks wait, and
says "not evaluated" with the reason where the host would not tell.

Severities: **critical**: the host is failing now; **warning**: it is degrading or will fail;
**info**: context that changes how to read the rest.
`;

const COUNTERS_THAT_LIE = `## Counters that lie

Some counters do not mean what they seem to; the rules are written around them.

- \`procs_blocked\` in /proc/stat (vmstat's \`b\` column) counts only tasks in I/O wait
  (\`io_schedule\`). D tasks waiting on locks (mmap lock, mutexes, rwsems), on page faults or on NFS
  and FUSE servers are not in it: thousands of D tasks can show as \`b 0\`. procdx counts D tasks
  from each task's stat and classifies them by stack.
- The load average counts R and D tasks, except D tasks frozen by the cgroup freezer (and
  TASK_NOLOAD waits such as idle kernel threads): a frozen cgroup shows D in ps with no load.
- The hung-task detector reports only TASK_UNINTERRUPTIBLE waits longer than
  hung_task_timeout_secs, and stops after hung_task_warnings reports. It skips killable waits
  (TASK_KILLABLE: on recent kernels mmap-lock readers of /proc files use them) and frozen tasks, so
  an empty kernel log does not mean no task is stuck.
- /proc/PID/stack and wchan on 4.x and later hide scheduler and lock frames (\`schedule\`,
  \`io_schedule\`, \`rwsem_down_read_slowpath\`): a wait is recognised by its caller frames, while
  hung-task reports and 2.6-era stacks show them. Both classify the same.
- \`iowait\` CPU time is idle time with I/O outstanding: it says the CPUs are free, not busy.
- \`top\`'s summary counts D tasks as sleeping.
`;

/** The whole checklist as Markdown: every enabled rule by area, then the wait classes and their signatures. */
export function formatChecklist(rules: Rule[], catalog: SignatureCatalog): string {
  const active = rules.filter((r) => r.enabled !== false);
  const out: string[] = [INTRO];
  out.push('## Summary', '', `${active.length} rules.`, '', '| area | rule | severity | applies to | verdict |', '|---|---|---|---|---|');
  const byArea = groupByArea(active);
  for (const [area, list] of byArea) {
    for (const r of list) out.push(`| ${area} | [${r.id}](#${r.id}) | ${r.severity} | ${r.for_each ?? 'host'} | ${cell(r.title)} |`);
  }
  out.push('');
  for (const [area, list] of byArea) {
    out.push(`## ${area}`, '');
    for (const r of list) out.push(...ruleSection(r));
  }
  out.push(...waitClassSection(catalog, active));
  out.push(COUNTERS_THAT_LIE);
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}

function groupByArea(rules: Rule[]): [string, Rule[]][] {
  const folderOf = (r: Rule): string => r.file.split('/').slice(-2, -1)[0] ?? '';
  const known = new Map(AREAS);
  const folders = [...new Set(rules.map(folderOf))].sort((a, b) => order(a) - order(b) || a.localeCompare(b));
  return folders.map((f) => [known.get(f) ?? f, rules.filter((r) => folderOf(r) === f).sort((a, b) => a.id.localeCompare(b.id))]);
  function order(folder: string): number {
    const i = AREAS.findIndex(([name]) => name === folder);
    return i === -1 ? AREAS.length : i;
  }
}

function ruleSection(r: Rule): string[] {
  const out = [`### ${r.id}`, '', `**${r.severity}** · ${r.title} · applies to ${r.for_each ? `each ${r.for_each}` : 'the host'} · \`${r.file}\``, ''];
  out.push(oneLine(r.description), '');
  out.push('Fires when:', '', '```', ...conditionLines(r.conditions, ''), '```', '');
  const params = Object.entries(r.params);
  if (params.length > 0) out.push(`Params: ${params.map(([k, v]) => `\`${k}\` = ${JSON.stringify(v)}`).join(', ')}.`, '');
  if (r.requires?.length) out.push(`Builds on: ${r.requires.map((id) => `[${id}](#${id})`).join(', ')}.`, '');
  if (r.contradicts?.length) out.push(`Never fires with: ${r.contradicts.map((id) => `[${id}](#${id})`).join(', ')} (contradicting verdicts).`, '');
  const commands = (r.advice ?? []).filter((a) => a.command);
  if (commands.length > 0) {
    const steps = r.advice!.length;
    out.push(`Advice: ${steps} step${steps === 1 ? '' : 's'}; commands: ${commands.map((a) => (a.safe ? 'read-only' : 'changes the system')).join(', ')}.`, '');
  }
  return out;
}

function waitClassSection(catalog: SignatureCatalog, rules: Rule[]): string[] {
  const out = [
    '## Wait classes',
    '',
    'Every stack signature (`rules/signatures/*.yaml`) names one wait class; the fact',
    '`tasks.waitClass.<class>` counts the D threads in each. The names are stable.',
    '',
    '| wait class | meaning | signatures | rules on it |',
    '|---|---|---|---|',
  ];
  for (const cls of WAIT_CLASSES) {
    const signatures = catalog.signatures.filter((s) => s.wait_class === cls).map((s) => `\`${s.id}\``).sort();
    const users = rules.filter((r) => mentions(r, `tasks.waitClass.${cls}`)).map((r) => `[${r.id}](#${r.id})`);
    out.push(`| \`${cls}\` | ${cell(WAIT_CLASS_MEANING[cls])} | ${signatures.join(', ') || 'none yet'} | ${users.join(', ') || '-'} |`);
  }
  out.push(`| \`unclassified\` (fact only) | ${cell(UNCLASSIFIED_MEANING)} | - | - |`, '');
  return out;
}

function mentions(rule: Rule, fact: string): boolean {
  return JSON.stringify(rule.conditions).includes(`"${fact}"`) || rule.message.includes(fact);
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function cell(text: string): string {
  return oneLine(text).replace(/\|/g, '\\|');
}
